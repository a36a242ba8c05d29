import type { StatusEvent } from '../../src/protocol.ts'
import type { QoS } from '../../src/public-types.ts'
import type { HubInspection, InspectedFilter, InspectedTab } from '../../src/reports.ts'
import type { BrokerConnection } from '../mqtt/broker-connection.ts'
import type { TabClient } from '../routing/tab-client.ts'

/** What a session shows of itself to `inspect()`. */
export interface InspectedSession {
  readonly name: string
  readonly status: StatusEvent
  readonly tabs: ReadonlySet<TabClient>
  readonly connection: BrokerConnection
  readonly broker: Array<{ filter: string; qos: QoS }>
}

/** A snapshot of one session, as the tab `self` sees it. */
export function inspectSession(session: InspectedSession, self: TabClient): HubInspection {
  const { connection } = session
  const since = connection.connectedSince
  return {
    name: session.name,
    url: connection.displayUrl,
    clientId: connection.clientId,
    protocolVersion: connection.protocolVersion,
    status: session.status.status,
    connectedAt: since,
    reconnects: Math.max(0, connection.connectionSeq - 1),
    tabs: [...session.tabs].map((tab) => inspectTab(tab, self)),
    subscriptions: countFilters(session.tabs),
    broker: session.broker,
  }
}

function inspectTab(tab: TabClient, self: TabClient): InspectedTab {
  return {
    id: tab.id,
    self: tab === self,
    visible: tab.visible,
    subscriptions: [...tab.subs.values()].map((sub) => ({
      filter: sub.filter,
      qos: sub.qos,
      ...(sub.exclusive && { group: sub.exclusive.group.name }),
    })),
  }
}

/** Every tab's subscriptions, counted per filter and exclusive group, in the order they were first made. */
function countFilters(tabs: ReadonlySet<TabClient>): InspectedFilter[] {
  const counted = new Map<string, InspectedFilter & { holders: Set<TabClient> }>()
  for (const tab of tabs) {
    for (const sub of tab.subs.values()) {
      const group = sub.exclusive?.group.name
      const key = JSON.stringify([sub.filter, group ?? null])
      let entry = counted.get(key)
      if (!entry) {
        entry = { filter: sub.filter, ...(group !== undefined && { group }), qos: sub.qos, tabs: 0, subscriptions: 0, holders: new Set() }
        counted.set(key, entry)
      }
      entry.holders.add(tab)
      entry.subscriptions++
      if (sub.qos > entry.qos) entry.qos = sub.qos
    }
  }
  return [...counted.values()].map(({ holders, ...entry }) => ({ ...entry, tabs: holders.size }))
}
