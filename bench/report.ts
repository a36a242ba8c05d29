// The stdout report: one table per broker, the baseline and Node-only figures, where the CPU
// went, the issue's keys and its targets.
import type { CpuRole, CpuUsage } from './cpu.ts'
import { checkTargets, figuresOf, type BrokerResults, type Figures, type RunResults } from './results.ts'

export interface Environment {
  date: string
  machine: string
  node: string
  browser: string
  brokers: string
  pages: string
  durationS: number
  /** Mean share of the machine's CPU that other processes used during the throughput runs. */
  otherLoad: number | null
}

export function formatReport(env: Environment, run: RunResults, figures: Figures): string {
  const out: string[] = []
  out.push(`mqtt-hub bench, ${env.date}: ${env.machine}; Node ${env.node}; ${env.browser}; ${env.brokers}`)
  out.push(`Pages: ${env.pages}. QoS 0, 100-byte payloads; each msg/s figure is the median of the runs.`)
  if (env.otherLoad !== null) {
    out.push(`Other processes used ${(env.otherLoad * 100).toFixed(0)} % of the machine's CPU on average during the throughput runs ` +
      '(per run in the CPU tables): the higher, the noisier the figures.')
  }
  const skewed = run.brokers.flatMap((b) => b.rows).filter((r) => r.latency.min < -0.5)
  if (skewed.length > 0) out.push(`WARNING: negative latencies (down to ${Math.min(...skewed.map((r) => r.latency.min)).toFixed(1)} ms): page and Node clocks disagree.`)
  for (const results of run.brokers) out.push('', ...brokerSection(results))
  const primary = run.brokers[0]
  if (primary?.election || primary?.leader || primary?.exclusive) out.push('', ...exclusiveSection(primary))
  if (primary?.replay) {
    const r = primary.replay
    out.push('', `Outbox replay (${primary.broker}): ${n(r.stored)} QoS 1 publishes stored while the broker was down, ` +
      `${n(r.acked)} acknowledged after it came back${r.failed ? `, ${n(r.failed)} rejected` : ''}: ${r.msgsPerS === null ? 'n/a' : n(r.msgsPerS)} msg/s from the reconnect to the last PUBACK`)
  }
  for (const results of run.brokers) out.push('', ...cpuSection(results))
  out.push('', `Routing in the worker's code (Node), ${run.routing.filters.toLocaleString('en-US')} distinct filters, ` +
    `${run.routing.filtersPerTopic.toFixed(1)} matching per topic: SubscriptionRegistry.route ${n(run.routing.registryRoutesPerS)} topics/s, ` +
    `TopicTree.match ${n(run.routing.treeMatchesPerS)} topics/s`)
  out.push(`Bundles (minified, gzip -9): hub tab ${kb(run.bundles.tabGzipBytes)} (an app using only the core: ${kb(run.bundles.coreGzipBytes)}), hub worker ${kb(run.bundles.workerGzipBytes)} ` +
    `(once per origin), MQTT.js browser bundle ${kb(run.bundles.mqttjsGzipBytes)}`)
  out.push('', 'Keys, as in $BENCH_JSON (aedes unless the key says otherwise):')
  for (const [key, value] of Object.entries(figures)) out.push(`  ${key.padEnd(34)} ${value === null ? 'null' : n(value, 2)}`)
  out.push('', 'Targets:')
  for (const check of checkTargets(run.brokers.map((b) => ({ broker: b.broker, figures: figuresOf(b, run) })))) {
    const status = check.met === null ? 'NOT MEASURED' : check.met ? 'MET' : 'MISSED'
    out.push(`  ${status.padEnd(12)} ${check.target}: ${check.detail}`)
  }
  out.push('', `Finished in ${Math.round(env.durationS)} s.`)
  return out.join('\n')
}

function brokerSection(results: BrokerResults): string[] {
  const header = ['', 'tabs', 'conns', 'SUBSCRIBEs', 'msgs/run', 'msg/s per tab', 'msg/s total', 'runs (total)', 'msgs/batch', 'p50 ms', 'p99 ms', 'tab busy ms/1k', 'heap/tab', 'worker heap']
  const rows: string[][] = results.rows.map((r) => [
    r.kind, `${r.tabs}`, `${r.connections}`, `${r.subscribes}`, n(r.throughput.messages),
    n(r.throughput.perTab) + lost(r.throughput.delivered, r.throughput.expected), n(r.throughput.total),
    range(r.throughput.runTotals), r.throughput.msgsPerBatch === null ? '' : r.throughput.msgsPerBatch.toFixed(0),
    r.latency.p50.toFixed(1), r.latency.p99.toFixed(1) + lost(r.latency.samples, r.latency.expected),
    r.throughput.tabBusyMsPer1k.toFixed(1), mb(r.heapPerTab), r.workerHeap === null ? '' : mb(r.workerHeap),
  ])
  const node = results.node
  rows.push(['node', '', '1', '1', n(node.messages), n(node.msgsPerS) + lost(node.delivered, node.messages), n(node.msgsPerS), '', '', '', '', '', '', ''])
  const qos1 = results.qos1.map((q) => `${q.kind}${q.durable ? ' (durable outbox, IndexedDB)' : q.kind === 'direct' ? ' (MQTT.js, in memory)' : ''} ${n(q.msgsPerS)} msg/s`).join(', ')
  return [
    `${results.broker}: delivered msg/s, latency at 1,000 msg/s, JS heap after GC`,
    ...table(header, rows),
    `QoS 1 publish from one tab (${results.qos1[0]?.messages ?? 0} msgs, ${results.qos1[0]?.window ?? 0} in flight): ${qos1}`,
    `First handled message after navigation, one tab alone, median of ${results.firstMessages[0]?.runs.length ?? 0}: ` +
      results.firstMessages.map((f) => `${f.kind} ${f.ms === null ? 'never' : `${n(f.ms)} ms`}`).join(', '),
    ...(results.exclusiveQos1 ? [`QoS 1 delivery to one hub tab (${n(results.exclusiveQos1.messages)} msgs): exclusive jobs ` +
      `${n(results.exclusiveQos1.exclusive)} msg/s, plain subscription ${n(results.exclusiveQos1.plain)} msg/s`] : []),
    'runs (total): the lowest and highest total msg/s of the measured runs. msgs/batch: messages per postMessage from the hub\'s worker to a tab.',
    'tab busy ms/1k: the tabs\' main-thread busy time (CDP TaskDuration) per 1,000 messages delivered.',
  ]
}

/** Non-idempotent handlers: the hub's exclusive handlers against the leader-election baseline. */
function exclusiveSection(results: BrokerResults): string[] {
  const e = results.election
  const l = results.leader
  const x = results.exclusive
  const ms = (v: number | null | undefined): string => (v === undefined ? 'n/a' : v === null ? 'never' : `${n(v)} ms`)
  const count = (v: number | null | undefined): string => (v === undefined || v === null ? 'n/a' : n(v))
  const lostBy = (f: typeof e): string => (f ? count((f.lostBeforeLeader ?? 0) + (f.lostInFailover ?? 0)) : 'n/a')
  const alone = (f: typeof e): string => (f ? (f.singleTabElected ? 'elected' : 'never') : 'n/a')
  const rows = [
    ['first handling after the first load event', ms(x?.firstExclusiveMs), ms(l?.firstExclusiveMs), ms(e?.firstExclusiveMs)],
    ['first handling after load, one tab alone', ms(x?.singleTabFirstMs), alone(l), alone(e)],
    ['handling tab closed → next handling elsewhere', ms(x?.failoverMs), ms(l?.failoverMs), ms(e?.failoverMs)],
    ['messages handled by no tab', count(x?.missed), lostBy(l), lostBy(e)],
    ['messages handled by two tabs', count(x?.duplicates), count(l?.duplicates), count(e?.duplicates)],
    ['messages handed to another tab (redelivered)', count(x?.redelivered), 'n/a', 'n/a'],
  ]
  const tabs = x?.tabs ?? e?.tabs ?? 0
  return [
    `Non-idempotent handlers, ${tabs} tabs opened together (${results.broker}; leader: broadcast-channel's election, ` +
      `one MQTT.js in the leader relaying over BroadcastChannel; election: the seed's 3 s timers, own MQTT.js per tab, ` +
      `${e?.streamRate ?? 0} msg/s; hub: ${x?.streamRate ?? 0} msg/s):`,
    ...table(['', 'hub exclusive', 'leader', 'election (seed)'], rows),
    ...(x ? [`  hub, one tab alone, ms after navigation start: ${Object.entries(x.singleTabStartup).map(([step, at]) => `${step} ${n(at)}`).join(', ')}, first handled ${ms(x.singleTabFirstMs)}`] : []),
    ...(e ? [`  election tabs: ${e.connections} broker connections, ${e.subscribes} SUBSCRIBEs, ${mb(e.heapPerTab)} heap per tab`] : []),
  ]
}

const ROLES: CpuRole[] = [
  'runner (aedes, Playwright)', 'mosquitto', 'mqtt peers (node)', 'browser process', 'network service',
  'hub worker thread', 'renderer main threads', 'renderer IO threads', 'renderer other', 'chromium other',
]

/** CPU ms per 1,000 messages delivered, by role, for each tab count and the node ceiling. */
function cpuSection(results: BrokerResults): string[] {
  const columns: Array<{ name: string; cpu: CpuUsage; messages: number }> = []
  for (const r of results.rows) {
    if (r.throughput.cpu) columns.push({ name: `${r.kind} ×${r.tabs}`, cpu: r.throughput.cpu, messages: r.throughput.cpuMessages })
  }
  if (results.node.cpu) columns.push({ name: 'node', cpu: results.node.cpu, messages: results.node.cpuMessages })
  if (columns.length === 0) return []
  const perK = (c: (typeof columns)[number], ms: number): string => (ms / (c.messages / 1000)).toFixed(1)
  const used = ROLES.filter((role) => columns.some((c) => (c.cpu.ms.get(role) ?? 0) > 0))
  const rows = used.map((role) => [role, ...columns.map((c) => perK(c, c.cpu.ms.get(role) ?? 0))])
  rows.push(['total', ...columns.map((c) => perK(c, [...c.cpu.ms.values()].reduce((a, b) => a + b, 0)))])
  rows.push(['machine CPU: bench / other processes', ...columns.map((c) =>
    `${(c.cpu.ours * 100).toFixed(0)} / ${(Math.max(0, c.cpu.machineBusy - c.cpu.ours) * 100).toFixed(0)} %`)])
  return [
    `${results.broker}: CPU ms per 1,000 messages delivered to the tabs (from /proc; publisher and broker included):`,
    ...table(['', ...columns.map((c) => c.name)], rows),
  ]
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), ...rows.map(line)]
}

function lost(got: number, expected: number): string {
  return got < expected ? ` (${n(expected - got)} lost)` : ''
}

export const n = (x: number, digits = 0): string =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: Math.abs(x) >= 100 ? 0 : digits }) : 'n/a'
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`
const mb = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a')
/** The lowest and the highest of some figures, as "low–high". */
const range = (values: number[]): string => (values.length === 0 ? '' : `${n(Math.min(...values))}–${n(Math.max(...values))}`)
