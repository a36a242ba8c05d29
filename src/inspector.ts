// mqtt-hub/inspector: the demo's panels for any app, while debugging. It reads only the public
// API (inspect(), metrics(), status), so it can be dropped in and removed again; import it
// dynamically and pages that never show it load none of it.
import { diagnose, seconds, type Finding } from './inspector-diagnosis.ts'
import type { HubInspection, SessionMetrics } from './reports.ts'
import type { Hub } from './types.ts'

export { diagnose, type Finding, type InspectorSample } from './inspector-diagnosis.ts'

/** Options of {@link mountInspector}. */
export interface InspectorOptions {
  /** Milliseconds between refreshes. Default 1000. */
  intervalMs?: number
}

const STYLE_ID = 'mqtt-hub-inspector-style'
const CSS = `
.mqtt-hub-inspector { font: 13px/1.4 system-ui, sans-serif; display: grid; gap: 0.8rem; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); }
.mqtt-hub-inspector section { border: 1px solid #e2e5ea; border-radius: 6px; padding: 0.6rem 0.8rem; min-width: 0; background: #fff; }
.mqtt-hub-inspector h3 { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.05em; color: #667085; margin: 0 0 0.4rem; }
.mqtt-hub-inspector dl { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 0.2rem 0.7rem; margin: 0; }
.mqtt-hub-inspector dt { color: #667085; } .mqtt-hub-inspector dd { margin: 0; overflow-wrap: anywhere; }
.mqtt-hub-inspector table { width: 100%; border-collapse: collapse; }
.mqtt-hub-inspector td, .mqtt-hub-inspector th { text-align: left; padding: 0.15rem 0.3rem; border-bottom: 1px solid #f0f1f4; overflow-wrap: anywhere; }
.mqtt-hub-inspector th { white-space: nowrap; font-weight: 600; color: #667085; }
.mqtt-hub-inspector .num { text-align: right; font-variant-numeric: tabular-nums; }
.mqtt-hub-inspector ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem; }
.mqtt-hub-inspector .chip { border: 1px solid #e2e5ea; border-radius: 4px; padding: 0.1rem 0.4rem; }
.mqtt-hub-inspector .chip[data-self='true'] { border-color: #2f6fde; } .mqtt-hub-inspector .chip[data-visible='false'] { opacity: 0.6; }
.mqtt-hub-inspector .diagnosis { grid-column: 1 / -1; } .mqtt-hub-inspector .diagnosis ul { display: block; }
.mqtt-hub-inspector [data-level='warn'] { color: #a15c00; } .mqtt-hub-inspector .muted { color: #667085; }
`

/**
 * Shows, in `target`, what the hub's connection looks like: the tabs sharing it, the connection,
 * the subscriptions of all tabs and what the broker holds, the outbox and the exclusive inbox,
 * the exclusive groups, and a diagnosis of what is stuck and why. Refreshes every `intervalMs`
 * until the returned function is called (or the hub closes).
 */
export function mountInspector(hub: Hub, target: HTMLElement, options: InspectorOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? 1_000
  if (!document.getElementById(STYLE_ID)) document.head.append(Object.assign(document.createElement('style'), { id: STYLE_ID, textContent: CSS }))
  const root = el('div', { className: 'mqtt-hub-inspector', testid: 'inspector' })
  target.append(root)
  let downSince: number | null = hub.status === 'connected' ? null : Date.now()
  const stopStatus = hub.onStatus((status) => {
    if (status === 'connected') downSince = null
    else downSince ??= Date.now()
  })
  const outboxHistory: number[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const refresh = async (): Promise<void> => {
    const [inspection, metrics, all] = await Promise.allSettled([hub.inspect(), hub.metrics(), hub.metrics({ all: true })])
    if (stopped) return
    if (inspection.status === 'fulfilled' && metrics.status === 'fulfilled') {
      const findings = diagnose({
        now: Date.now(), status: hub.status, lastError: hub.lastError, downSince, inspection: inspection.value, metrics: metrics.value,
        ...(all.status === 'fulfilled' && { all: all.value }), outboxHistory: outboxHistory.slice(-3),
      })
      outboxHistory.push(metrics.value.outbox.depth)
      if (outboxHistory.length > 3) outboxHistory.shift()
      root.replaceChildren(...render(inspection.value, metrics.value, findings))
    }
    if (hub.status !== 'closed') timer = setTimeout(() => void refresh(), intervalMs)
  }
  void refresh()
  return () => {
    stopped = true
    clearTimeout(timer)
    stopStatus()
    root.remove()
  }
}

function render(inspection: HubInspection, metrics: SessionMetrics, findings: Finding[]): HTMLElement[] {
  const connectedAt = inspection.connectedAt
  const visible = inspection.tabs.filter((tab) => tab.visible).length
  return [
    panel('Diagnosis', 'diagnosis', list('inspector-diagnosis', findings.map((finding) => el('li', { text: finding.text, testid: 'finding', data: { level: finding.level } })))),
    panel('Connection', 'connection', facts([
      ['Status', inspection.status, 'inspector-status'],
      ['Broker', inspection.url, 'broker-url'],
      ['Name', inspection.name, 'connection-name'],
      ['Client id', inspection.clientId, 'client-id'],
      ['MQTT', inspection.protocolVersion === 5 ? '5' : '3.1.1', 'protocol-version'],
      ['Uptime', connectedAt === null ? 'not connected' : seconds(Date.now() - connectedAt), 'uptime'],
      ['Reconnects', String(inspection.reconnects), 'reconnects'],
      ['Broker connections', connectedAt === null ? '0' : '1', 'hub-connections'],
    ])),
    panel(`Tabs · ${inspection.tabs.length} · ${visible} visible`, 'tabs', list('topology-tabs', inspection.tabs.map((tab) => el('li', {
      className: 'chip', testid: 'topology-tab', data: { id: String(tab.id), self: String(tab.self), visible: String(tab.visible) },
      text: `#${tab.id} ${tab.self ? 'this tab' : tab.visible ? 'visible' : 'hidden'} · ${tab.subscriptions.length} sub${tab.subscriptions.length === 1 ? '' : 's'}`,
      title: tab.subscriptions.map((s) => s.filter).join(', ') || 'no subscriptions',
    })))),
    panel('Subscriptions, all tabs', 'subscriptions', table(['Filter', 'Tabs', 'Subs', 'QoS'], 'all-subscriptions', inspection.subscriptions.map((sub) => row(
      'all-subscription', { filter: sub.filter, tabs: String(sub.tabs), subscriptions: String(sub.subscriptions), qos: String(sub.qos) },
      [sub.group ? `${sub.filter} (exclusive · ${sub.group})` : sub.filter, String(sub.tabs), String(sub.subscriptions), String(sub.qos)],
    )), 'No tab subscribes to anything.')),
    panel('Held by the broker', 'broker', table(['Filter', 'QoS'], 'broker-subscriptions', inspection.broker.map(({ filter, qos }) => row(
      'broker-subscription', { filter, qos: String(qos) }, [filter, String(qos)],
    )), connectedAt === null ? 'Nothing: not connected.' : 'Nothing.')),
    panel('Outbox and inbox', 'queues', facts([
      ['Outbox', String(metrics.outbox.depth), 'outbox-depth'],
      ['Oldest', metrics.outbox.oldestAgeMs === null ? '–' : seconds(metrics.outbox.oldestAgeMs), 'outbox-age'],
      ['In flight', String(metrics.outbox.inFlight), 'outbox-inflight'],
      ['Stored', metrics.outbox.durable ? `in IndexedDB · ${metrics.outbox.bytes} B` : 'in memory only (no IndexedDB)', 'outbox-durable'],
      ['Exclusive inbox', `${metrics.inbox.depth} of ${metrics.inbox.limit}`, 'inbox-depth'],
      ['This tab\'s queue', `${metrics.delivery.queued} waiting · ${metrics.delivery.inFlight} sent`, 'delivery-queued'],
    ])),
    panel('Exclusive groups', 'groups', table(['Group', 'Handled', 'Failed', 'Moved', 'Pending'], 'exclusive-groups', Object.entries(metrics.exclusive).map(([group, c]) => row(
      'exclusive-group', { group, handled: String(c.handled), pending: String(c.pending) },
      [group, String(c.handled), String(c.failed), String(c.redelivered), String(c.pending)],
    )), 'No exclusive group.')),
  ]
}

interface Attributes { text?: string; className?: string; testid?: string; title?: string; data?: Record<string, string> }

function el<K extends keyof HTMLElementTagNameMap>(tag: K, { text, className, testid, title, data }: Attributes = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  if (className) node.className = className
  if (title) node.title = title
  Object.assign(node.dataset, data, testid ? { testid } : {})
  return node
}

function panel(title: string, name: string, body: HTMLElement): HTMLElement {
  const section = el('section', { className: name, testid: `inspector-${name}` })
  section.append(el('h3', { text: title }), body)
  return section
}

function facts(items: Array<[string, string, string]>): HTMLElement {
  const dl = el('dl')
  for (const [term, value, testid] of items) dl.append(el('dt', { text: term }), el('dd', { text: value, testid }))
  return dl
}

function list(testid: string, items: HTMLElement[]): HTMLElement {
  const ul = el('ul', { testid })
  ul.append(...items)
  return ul
}

function table(head: string[], testid: string, rows: HTMLElement[], empty: string): HTMLElement {
  const t = el('table')
  const tr = el('tr')
  tr.append(...head.map((text, i) => el('th', { text, ...(i > 0 && { className: 'num' }) })))
  const body = el('tbody', { testid })
  body.append(...rows)
  if (rows.length === 0) {
    const cell = el('td', { text: empty, className: 'muted' })
    cell.colSpan = head.length
    const line = el('tr')
    line.append(cell)
    body.append(line)
  }
  t.append(el('thead'), body)
  t.tHead!.append(tr)
  return t
}

function row(testid: string, data: Record<string, string>, cells: string[]): HTMLElement {
  const tr = el('tr', { testid, data })
  tr.append(...cells.map((text, i) => el('td', { text, ...(i > 0 && { className: 'num' }) })))
  return tr
}
