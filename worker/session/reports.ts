import type { StatusEvent } from '../../src/protocol.ts'
import type { QoS } from '../../src/public-types.ts'
import type { DeliveryMetrics, HubInspection, InspectedFilter, InspectedTab, SessionMetrics } from '../../src/reports.ts'
import type { BrokerConnection } from '../mqtt/broker-connection.ts'
import type { ExclusiveGroups } from '../routing/exclusive-groups.ts'
import type { SubscriptionRegistry } from '../routing/subscription-registry.ts'
import type { TabClient } from '../routing/tab-client.ts'
import type { Inbox } from '../storage/inbox.ts'
import type { Publisher } from './publisher.ts'
import type { SessionConfig } from './session.ts'

/** What a session shows of itself to `inspect()`. */
export interface InspectedSession {
  readonly name: string
  readonly status: StatusEvent
  readonly tabs: ReadonlySet<TabClient>
  readonly connection: BrokerConnection
  readonly broker: Array<{ filter: string; qos: QoS }>
}

/** What a session counts, for `metrics()`. */
export interface MeteredSession {
  readonly name: string
  readonly status: StatusEvent
  readonly tabs: ReadonlySet<TabClient>
  readonly connection: BrokerConnection
  readonly registry: SubscriptionRegistry
  readonly groups: ExclusiveGroups
  readonly inbox: Inbox | null
  /** Null until this worker owns the connection. */
  readonly publisher: Publisher | null
  /** IndexedDB is there (the outbox is on disk). */
  readonly durable: boolean
  readonly config: SessionConfig
}

/** Counters of one session; `delivery` is the asking tab's, or every tab's added up. */
export function sessionMetrics(session: MeteredSession, tab?: TabClient): SessionMetrics {
  const { inbox, publisher, registry } = session
  const outbox = publisher?.outbox
  const broker = registry.brokerFilters().length
  return {
    name: session.name,
    status: session.status.status,
    tabs: session.tabs.size,
    brokerSubscriptions: broker,
    subscriptions: { local: [...session.tabs].reduce((n, t) => n + t.subs.size, 0), broker },
    traffic: session.connection.traffic.snapshot(),
    exclusive: session.groups.metrics(),
    inbox: { depth: inbox?.depth ?? 0, limit: inbox?.limit ?? 0, overflowed: inbox?.overflowed ?? 0, durable: inbox !== null },
    outbox: {
      depth: outbox?.depth ?? 0,
      bytes: outbox?.size ?? 0,
      oldestAgeMs: outbox?.oldestAgeMs ?? null,
      inFlight: publisher?.inFlightCount ?? 0,
      maxMessages: session.config.outbox.maxMessages,
      maxBytes: session.config.outbox.maxBytes,
      durable: outbox?.durable ?? session.durable,
      droppedQos0: publisher?.dropped ?? 0,
      possibleDuplicates: publisher?.possibleDuplicates ?? 0,
    },
    delivery: { ...(tab ? tab.metrics : sumDeliveries([...session.tabs].map((t) => t.metrics))), handlerErrors: 0 },
  }
}

function sumDeliveries(all: DeliveryMetrics[]): DeliveryMetrics {
  const sum: DeliveryMetrics = { queued: 0, queuedBytes: 0, inFlight: 0, delivered: 0, batches: 0, dropped: { qos0: 0, qos12: 0 }, stalls: 0 }
  for (const m of all) {
    for (const key of ['queued', 'queuedBytes', 'inFlight', 'delivered', 'batches', 'stalls'] as const) sum[key] += m[key]
    sum.dropped.qos0 += m.dropped.qos0
    sum.dropped.qos12 += m.dropped.qos12
  }
  return sum
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
    active: tab.active,
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
