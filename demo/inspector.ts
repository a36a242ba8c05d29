// Renders what hub.inspect(), hub.metrics() and the broker's own counts say: the connection,
// the topology (N tabs → 1 connection → the broker's client count), every subscription, the outbox.
import type { HubInspection, SessionMetrics } from '../src/index.ts'
import type { BrokerCounts } from './control.ts'
import { byTestId, duration, el } from './dom.ts'

export function showConnection(inspection: HubInspection): void {
  byTestId('broker-url').textContent = inspection.url
  byTestId('connection-name').textContent = inspection.name
  byTestId('client-id').textContent = inspection.clientId
  byTestId('uptime').textContent = inspection.connectedAt === null ? 'not connected' : duration(Date.now() - inspection.connectedAt)
  byTestId('reconnects').textContent = String(inspection.reconnects)
}

export function showTopology(inspection: HubInspection, broker: BrokerCounts | null): void {
  const tabs = inspection.tabs
  const visible = tabs.filter((tab) => tab.visible).length
  byTestId('tab-count').textContent = `${tabs.length} · ${visible} visible`
  byTestId('topology-tabs').replaceChildren(...tabs.map((tab) => {
    const chip = el('li', '', 'topology-tab', 'chip')
    Object.assign(chip.dataset, { id: String(tab.id), self: String(tab.self), visible: String(tab.visible) })
    chip.title = `${tab.visible ? 'visible' : 'hidden'}; ${tab.subscriptions.map((s) => s.filter).join(', ') || 'no subscriptions'}`
    chip.append(
      el('strong', `#${tab.id}`),
      el('span', tab.self ? 'this tab' : tab.visible ? 'visible' : 'hidden', '', 'muted'),
      el('span', `${tab.subscriptions.length} sub${tab.subscriptions.length === 1 ? '' : 's'}`, '', 'muted'),
    )
    return chip
  }))
  const connections = inspection.connectedAt === null ? 0 : 1
  byTestId('hub-connections').textContent = String(connections)
  byTestId('broker-connected').textContent = broker ? String(broker.connected) : '–'
  const ours = broker?.clients.includes(inspection.clientId)
  byTestId('summary').textContent = `${tabs.length} tab${tabs.length === 1 ? '' : 's'} → ${connections} connection → `
    + (broker ? `the broker counts ${broker.connected} client${broker.connected === 1 ? '' : 's'}${ours ? ' (ours included)' : ''}` : 'broker stats unavailable')
}

export function showSubscriptions(inspection: HubInspection): void {
  const all = byTestId('all-subscriptions')
  all.replaceChildren(...inspection.subscriptions.map((sub) => {
    const row = el('tr', '', 'all-subscription')
    Object.assign(row.dataset, { filter: sub.filter, tabs: String(sub.tabs), subscriptions: String(sub.subscriptions), qos: String(sub.qos) })
    const name = el('td')
    name.append(el('code', sub.filter))
    if (sub.group) name.append(el('span', `exclusive · ${sub.group}`, '', 'badge'))
    row.append(name, el('td', String(sub.tabs), '', 'num'), el('td', String(sub.subscriptions), '', 'num'), el('td', String(sub.qos), '', 'num'))
    return row
  }))
  if (inspection.subscriptions.length === 0) all.append(emptyRow(4, 'No tab subscribes to anything.'))
  const held = byTestId('broker-subscriptions')
  held.replaceChildren(...inspection.broker.map(({ filter, qos }) => {
    const row = el('tr', '', 'broker-subscription')
    Object.assign(row.dataset, { filter, qos: String(qos) })
    const name = el('td')
    name.append(el('code', filter))
    row.append(name, el('td', String(qos), '', 'num'))
    return row
  }))
  if (inspection.broker.length === 0) held.append(emptyRow(2, inspection.connectedAt === null ? 'Nothing: not connected.' : 'Nothing.'))
}

export function showOutbox(outbox: SessionMetrics['outbox']): void {
  byTestId('outbox-depth').textContent = String(outbox.depth)
  byTestId('outbox-age').textContent = duration(outbox.oldestAgeMs)
  byTestId('outbox-inflight').textContent = String(outbox.inFlight)
  byTestId('outbox-durable').textContent = outbox.durable ? `kept in IndexedDB · ${outbox.bytes} B` : 'in memory only (no IndexedDB)'
  byTestId('outbox-depth').closest('.stats')!.classList.toggle('waiting', outbox.depth > 0)
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  const row = el('tr')
  const cell = el('td', text, '', 'muted')
  cell.colSpan = columns
  row.append(cell)
  return row
}
