// The figures the issue asks for (keys of BENCH_JSON) and its targets, derived from what the
// scenarios measured. Keys whose feature does not exist yet stay null until their scenario lands.
import type { TestBroker } from '../e2e/brokers.ts'
import type { Bundles } from './scenarios/bundle.ts'
import type { ElectionFigures } from './scenarios/election.ts'
import type { ExclusiveRun } from './scenarios/exclusive.ts'
import type { ExclusiveQos1 } from './scenarios/exclusive-qos1.ts'
import type { FirstMessage } from './scenarios/first-message.ts'
import type { Replay } from './scenarios/outbox.ts'
import type { NodeCeiling } from './scenarios/node-ceiling.ts'
import type { Qos1Rate } from './scenarios/qos1.ts'
import type { Routing } from './scenarios/routing.ts'
import type { TabKind, TabRow } from './scenarios/tabs.ts'

export const KEYS = [
  'hub_msgs_per_s_1tab', 'direct_msgs_per_s_1tab', 'node_msgs_per_s',
  'hub_total_msgs_per_s_4tabs', 'hub_total_msgs_per_s_8tabs', 'direct_total_msgs_per_s_4tabs',
  'broker_connections_hub_4tabs', 'broker_connections_direct_4tabs',
  'hub_latency_p50_ms', 'hub_latency_p99_ms', 'direct_latency_p50_ms', 'direct_latency_p99_ms',
  'hub_heap_per_tab_bytes', 'direct_heap_per_tab_bytes',
  'failover_ms', 'first_exclusive_ms', 'election_first_exclusive_ms', 'election_failover_ms',
  'durable_qos1_msgs_per_s', 'plain_qos1_msgs_per_s', 'replay_msgs_per_s',
  'route_matches_per_s_10k_filters', 'tab_bundle_gzip_bytes', 'mqttjs_bundle_gzip_bytes',
  'leader_msgs_per_s_1tab', 'leader_total_msgs_per_s_8tabs', 'direct_total_msgs_per_s_8tabs', 'hub_latency_p99_ms_8tabs',
  'hub_tab_busy_ms_per_1k', 'direct_tab_busy_ms_per_1k', 'leader_tab_busy_ms_per_1k',
  'hub_first_message_ms', 'direct_first_message_ms', 'leader_first_message_ms',
  'exclusive_qos1_msgs_per_s', 'plain_qos1_delivery_msgs_per_s',
  'leader_first_exclusive_ms', 'leader_failover_ms', 'hub_worker_heap_bytes_1tab', 'core_tab_bundle_gzip_bytes',
] as const

export type BenchKey = (typeof KEYS)[number]
export type Figures = Record<BenchKey, number | null>

/** Exclusive handlers (the hub's answer to election), as scenarios/exclusive.ts measures them. */
export interface ExclusiveFigures {
  /** Handling tab closed → next message handled by another tab of the group. */
  failoverMs: number | null
  /** The first tab's load event → first exclusive message handled (tabs opened together). */
  firstExclusiveMs: number | null
}

/** Everything measured against one broker; null where the scenario does not exist (yet) or did not run. */
export interface BrokerResults {
  broker: TestBroker['kind']
  node: NodeCeiling
  rows: TabRow[]
  qos1: Qos1Rate[]
  /** One tab alone in a fresh context: navigation start → first handled message. */
  firstMessages: FirstMessage[]
  exclusiveQos1: ExclusiveQos1 | null
  /** The seed's 3 s-timer election (one MQTT.js per tab). */
  election: ElectionFigures | null
  /** The `broadcast-channel` package's leader election, one MQTT.js in the leader tab relaying to the others. */
  leader: ElectionFigures | null
  exclusive: ExclusiveRun | null
  /** The durable outbox's replay of stored publishes (scenarios/outbox.ts). */
  replay: Replay | null
}

export interface RunResults {
  brokers: BrokerResults[]
  routing: Routing
  bundles: Bundles
}

export function row(results: BrokerResults, kind: TabKind, tabs: number): TabRow | undefined {
  return results.rows.find((r) => r.kind === kind && r.tabs === tabs)
}

/**
 * The issue's keys for one broker. Throughput and latency at 1 tab unless the key names a tab
 * count; heap per tab at 4 tabs (the worker's heap is reported apart, not spread over tabs).
 */
export function figuresOf(results: BrokerResults, run: RunResults): Figures {
  const at = (kind: TabKind, tabs: number) => row(results, kind, tabs)
  const { durable, plain } = qos1Rates(results)
  const first = (kind: TabKind) => results.firstMessages.find((f) => f.kind === kind)?.ms
  const num = (value: number | null | undefined): number | null => (value === undefined || value === null || Number.isNaN(value) ? null : value)
  return {
    hub_msgs_per_s_1tab: num(at('hub', 1)?.throughput.perTab),
    direct_msgs_per_s_1tab: num(at('direct', 1)?.throughput.perTab),
    node_msgs_per_s: num(results.node.msgsPerS),
    hub_total_msgs_per_s_4tabs: num(at('hub', 4)?.throughput.total),
    hub_total_msgs_per_s_8tabs: num(at('hub', 8)?.throughput.total),
    direct_total_msgs_per_s_4tabs: num(at('direct', 4)?.throughput.total),
    broker_connections_hub_4tabs: num(at('hub', 4)?.connections),
    broker_connections_direct_4tabs: num(at('direct', 4)?.connections),
    hub_latency_p50_ms: num(at('hub', 1)?.latency.p50),
    hub_latency_p99_ms: num(at('hub', 1)?.latency.p99),
    direct_latency_p50_ms: num(at('direct', 1)?.latency.p50),
    direct_latency_p99_ms: num(at('direct', 1)?.latency.p99),
    hub_heap_per_tab_bytes: num(at('hub', 4)?.heapPerTab),
    direct_heap_per_tab_bytes: num(at('direct', 4)?.heapPerTab),
    failover_ms: num(results.exclusive?.failoverMs),
    first_exclusive_ms: num(results.exclusive?.firstExclusiveMs),
    election_first_exclusive_ms: num(results.election?.firstExclusiveMs),
    election_failover_ms: num(results.election?.failoverMs),
    durable_qos1_msgs_per_s: num(durable?.msgsPerS),
    plain_qos1_msgs_per_s: num(plain?.msgsPerS),
    replay_msgs_per_s: num(results.replay?.msgsPerS),
    route_matches_per_s_10k_filters: num(run.routing.registryRoutesPerS),
    tab_bundle_gzip_bytes: run.bundles.tabGzipBytes,
    mqttjs_bundle_gzip_bytes: run.bundles.mqttjsGzipBytes,
    leader_msgs_per_s_1tab: num(at('leader', 1)?.throughput.perTab),
    leader_total_msgs_per_s_8tabs: num(at('leader', 8)?.throughput.total),
    direct_total_msgs_per_s_8tabs: num(at('direct', 8)?.throughput.total),
    hub_latency_p99_ms_8tabs: num(at('hub', 8)?.latency.p99),
    hub_tab_busy_ms_per_1k: num(at('hub', 1)?.throughput.tabBusyMsPer1k),
    direct_tab_busy_ms_per_1k: num(at('direct', 1)?.throughput.tabBusyMsPer1k),
    leader_tab_busy_ms_per_1k: num(at('leader', 1)?.throughput.tabBusyMsPer1k),
    hub_first_message_ms: num(first('hub')),
    direct_first_message_ms: num(first('direct')),
    leader_first_message_ms: num(first('leader')),
    exclusive_qos1_msgs_per_s: num(results.exclusiveQos1?.exclusive),
    plain_qos1_delivery_msgs_per_s: num(results.exclusiveQos1?.plain),
    leader_first_exclusive_ms: num(results.leader?.firstExclusiveMs),
    leader_failover_ms: num(results.leader?.failoverMs),
    hub_worker_heap_bytes_1tab: num(at('hub', 1)?.workerHeap),
    core_tab_bundle_gzip_bytes: run.bundles.coreGzipBytes,
  }
}

/**
 * QoS 1 from one tab, durable and not. With its outbox on disk the hub has no non-durable QoS 1
 * path: the non-durable rate is then MQTT.js's own (in memory) from one tab.
 */
export function qos1Rates(results: BrokerResults): { durable: Qos1Rate | undefined; plain: Qos1Rate | undefined } {
  const hub = results.qos1.find((q) => q.kind === 'hub')
  const direct = results.qos1.find((q) => q.kind === 'direct')
  return hub?.durable ? { durable: hub, plain: direct } : { durable: undefined, plain: hub }
}

export interface TargetCheck {
  target: string
  /** null: a figure it needs was not measured. */
  met: boolean | null
  detail: string
}

type Ratio = { of: BenchKey; to: BenchKey; atLeast?: number; atMost?: number }
type Difference = { of: BenchKey; minus: BenchKey; withinMs: number }
type Bound = { key: BenchKey; atMost?: number; below?: number; atLeast?: number; above?: number; unit: string }

/** The issue's targets first (issue 17), then the seed's that it keeps. Each is checked on every broker that measured it. */
const TARGETS: Array<{ target: string } & (Ratio | Difference | Bound)> = [
  { target: 'hub 1 tab ≥ 0.5× node', of: 'hub_msgs_per_s_1tab', to: 'node_msgs_per_s', atLeast: 0.5 },
  { target: 'hub 1 tab ≥ 1.5× direct 1 tab', of: 'hub_msgs_per_s_1tab', to: 'direct_msgs_per_s_1tab', atLeast: 1.5 },
  { target: 'hub total 8 tabs ≥ 6× hub 1 tab', of: 'hub_total_msgs_per_s_8tabs', to: 'hub_msgs_per_s_1tab', atLeast: 6 },
  { target: 'hub total 8 tabs ≥ 4× leader total 8 tabs', of: 'hub_total_msgs_per_s_8tabs', to: 'leader_total_msgs_per_s_8tabs', atLeast: 4 },
  { target: 'hub p99 latency at 1,000 msg/s with 8 tabs ≤ 5 ms', key: 'hub_latency_p99_ms_8tabs', atMost: 5, unit: 'ms' },
  { target: 'exclusive failover < 50 ms', key: 'failover_ms', below: 50, unit: 'ms' },
  { target: 'first handled message after navigation within 10 ms of direct', of: 'hub_first_message_ms', minus: 'direct_first_message_ms', withinMs: 10 },
  { target: 'durable QoS 1 ≥ 0.5× non-durable', of: 'durable_qos1_msgs_per_s', to: 'plain_qos1_msgs_per_s', atLeast: 0.5 },
  { target: 'replay of 10,000 stored messages ≥ 20,000 msg/s', key: 'replay_msgs_per_s', atLeast: 20_000, unit: 'msg/s' },
  { target: 'exclusive QoS 1 jobs ≥ 0.5× plain QoS 1 delivery', of: 'exclusive_qos1_msgs_per_s', to: 'plain_qos1_delivery_msgs_per_s', atLeast: 0.5 },
  { target: 'tab main-thread busy time per 1,000 deliveries ≤ 0.2× direct', of: 'hub_tab_busy_ms_per_1k', to: 'direct_tab_busy_ms_per_1k', atMost: 0.2 },
  { target: 'core tab bundle < 4 kB gzipped', key: 'core_tab_bundle_gzip_bytes', below: 4096, unit: 'B' },
  { target: 'worker heap with 1 tab ≤ 5 MB', key: 'hub_worker_heap_bytes_1tab', atMost: 5 * 1024 * 1024, unit: 'B' },
  { target: 'hub total 4 tabs ≥ 3.5× hub 1 tab (seed)', of: 'hub_total_msgs_per_s_4tabs', to: 'hub_msgs_per_s_1tab', atLeast: 3.5 },
  { target: 'routing > 200,000 matches/s with 10,000 filters (seed)', key: 'route_matches_per_s_10k_filters', above: 200_000, unit: '/s' },
]

/** Every target on every broker: one line per (target, broker) whose figures exist; a broker-independent figure is checked once. */
export function checkTargets(byBroker: Array<{ broker: string; figures: Figures }>): TargetCheck[] {
  const out: TargetCheck[] = []
  for (const t of TARGETS) {
    const checks = byBroker.map(({ broker, figures }) => ({ broker, check: checkOne(t, figures) }))
    const measured = checks.filter((c) => c.check.met !== null)
    const distinct = new Set(measured.map((c) => c.check.detail))
    if (measured.length === 0) out.push(checks[0]?.check ?? { target: t.target, met: null, detail: 'not measured' })
    else if (distinct.size === 1 && measured.length === checks.length) out.push(measured[0]!.check)
    else for (const c of measured) out.push({ ...c.check, target: `${t.target} [${c.broker}]` })
  }
  return out
}

function checkOne(t: (typeof TARGETS)[number], f: Figures): TargetCheck {
  if ('minus' in t) {
    const [a, b] = [f[t.of], f[t.minus]]
    if (a === null || b === null) return { target: t.target, met: null, detail: `not measured (${a === null ? t.of : t.minus})` }
    const met = a - b <= t.withinMs
    return { target: t.target, met, detail: `${fmt(a)} ms against ${fmt(b)} ms (${a - b >= 0 ? '+' : ''}${fmt(a - b)} ms)` }
  }
  if ('of' in t) {
    const [a, b] = [f[t.of], f[t.to]]
    if (a === null || b === null) return { target: t.target, met: null, detail: `not measured (${a === null ? t.of : t.to})` }
    const ratio = a / b
    if (t.atMost !== undefined) {
      const met = ratio <= t.atMost
      return { target: t.target, met, detail: `${ratio.toFixed(2)}×${met ? '' : `, ${(ratio / t.atMost).toFixed(1)}× the limit of ${t.atMost}×`}` }
    }
    const least = t.atLeast!
    const met = ratio >= least
    return { target: t.target, met, detail: `${ratio.toFixed(2)}×${met ? '' : `, ${pct(1 - ratio / least)} short of ${least}×`}` }
  }
  const value = f[t.key]
  if (value === null) return { target: t.target, met: null, detail: `not measured (${t.key})` }
  const limit = t.atMost ?? t.below ?? t.atLeast ?? t.above!
  const met = t.atMost !== undefined ? value <= limit : t.below !== undefined ? value < limit : t.atLeast !== undefined ? value >= limit : value > limit
  const shown = `${fmt(value)} ${t.unit}`
  return { target: t.target, met, detail: met ? shown : `${shown}, ${pct(Math.abs(value - limit) / limit)} ${value > limit ? 'over' : 'under'} the limit of ${fmt(limit)} ${t.unit}` }
}

const pct = (x: number): string => `${(x * 100).toFixed(0)} %`
const fmt = (x: number): string => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1))
