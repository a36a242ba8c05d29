// The figures the issue asks for (keys of BENCH_JSON) and its targets, derived from what the
// scenarios measured. Keys whose feature does not exist yet stay null until their scenario lands.
import type { TestBroker } from '../e2e/brokers.ts'
import type { Bundles } from './scenarios/bundle.ts'
import type { ElectionFigures } from './scenarios/election.ts'
import type { ExclusiveRun } from './scenarios/exclusive.ts'
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
  election: ElectionFigures | null
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

type Ratio = { of: BenchKey; to: BenchKey; atLeast: number }
type Bound = { key: BenchKey; atMost?: number; below?: number; atLeast?: number; above?: number; unit: string }

const TARGETS: Array<{ target: string } & (Ratio | Bound)> = [
  { target: 'hub 1 tab ≥ 3× direct 1 tab', of: 'hub_msgs_per_s_1tab', to: 'direct_msgs_per_s_1tab', atLeast: 3 },
  { target: 'hub 1 tab ≥ 0.5× node', of: 'hub_msgs_per_s_1tab', to: 'node_msgs_per_s', atLeast: 0.5 },
  { target: 'hub total 4 tabs ≥ 3.5× hub 1 tab', of: 'hub_total_msgs_per_s_4tabs', to: 'hub_msgs_per_s_1tab', atLeast: 3.5 },
  { target: 'hub total 8 tabs ≥ 6× hub 1 tab', of: 'hub_total_msgs_per_s_8tabs', to: 'hub_msgs_per_s_1tab', atLeast: 6 },
  { target: 'hub p99 latency at 1,000 msg/s ≤ 5 ms', key: 'hub_latency_p99_ms', atMost: 5, unit: 'ms' },
  { target: 'exclusive failover < 100 ms', key: 'failover_ms', below: 100, unit: 'ms' },
  { target: 'first exclusive message < 200 ms after page load', key: 'first_exclusive_ms', below: 200, unit: 'ms' },
  { target: 'durable QoS 1 ≥ 0.5× non-durable', of: 'durable_qos1_msgs_per_s', to: 'plain_qos1_msgs_per_s', atLeast: 0.5 },
  { target: 'tab bundle < 4 kB gzipped', key: 'tab_bundle_gzip_bytes', below: 4096, unit: 'B' },
  { target: 'routing > 200,000 matches/s with 10,000 filters', key: 'route_matches_per_s_10k_filters', above: 200_000, unit: '/s' },
]

export function checkTargets(f: Figures): TargetCheck[] {
  return TARGETS.map((t) => {
    if ('of' in t) {
      const [a, b] = [f[t.of], f[t.to]]
      if (a === null || b === null) return { target: t.target, met: null, detail: `not measured (${a === null ? t.of : t.to})` }
      const ratio = a / b
      const met = ratio >= t.atLeast
      return { target: t.target, met, detail: `${ratio.toFixed(2)}×${met ? '' : `, ${pct(1 - ratio / t.atLeast)} short of ${t.atLeast}×`}` }
    }
    const value = f[t.key]
    if (value === null) return { target: t.target, met: null, detail: `not measured (${t.key})` }
    const limit = t.atMost ?? t.below ?? t.atLeast ?? t.above!
    const met = t.atMost !== undefined ? value <= limit : t.below !== undefined ? value < limit : t.atLeast !== undefined ? value >= limit : value > limit
    const shown = `${fmt(value)} ${t.unit}`
    return { target: t.target, met, detail: met ? shown : `${shown}, ${pct(Math.abs(value - limit) / limit)} ${value > limit ? 'over' : 'under'} the limit of ${fmt(limit)} ${t.unit}` }
  })
}

const pct = (x: number): string => `${(x * 100).toFixed(0)} %`
const fmt = (x: number): string => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1))
