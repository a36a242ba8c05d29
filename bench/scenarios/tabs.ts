// N tabs of one kind against one broker, for each N: what the broker sees (connections,
// SUBSCRIBEs), delivered msg/s, latency at a fixed rate, and the JS heap of the tabs (and of the
// hub's SharedWorker). Each (kind, N) gets a fresh browser context, so a fresh worker.
import { BROKER_SIDE_CLIENT_PREFIX } from '../../e2e/brokers.ts'
import { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import { mean, sleep } from '../stats.ts'
import { measureLatency, type Latency } from './latency.ts'
import { measureThroughput, type Throughput } from './throughput.ts'

export type TabKind = 'hub' | 'direct' | 'leader'

export interface TabRow {
  kind: TabKind
  tabs: number
  /** Broker connections and SUBSCRIBE packets (for the bench topic) once every tab subscribed. */
  connections: number
  subscribes: number
  throughput: Throughput
  latency: Latency
  heapPerTab: number
  /** The hub's SharedWorker (null for direct tabs). */
  workerHeap: number | null
}

const ours = (clientId: string): boolean => !clientId.startsWith(BROKER_SIDE_CLIENT_PREFIX)

export async function runTabMatrix(ctx: BrokerContext, kinds: TabKind[]): Promise<TabRow[]> {
  const rows: TabRow[] = []
  for (const kind of kinds) {
    for (const tabs of ctx.config.tabCounts) rows.push(await runTabs(ctx, kind, tabs))
  }
  return rows
}

async function runTabs(ctx: BrokerContext, kind: TabKind, tabs: number): Promise<TabRow> {
  const topic = `bench/${kind}/${tabs}`
  await untilTabsGone(ctx)
  await ctx.broker.resetStats()
  const group = await TabGroup.open(ctx.browser, ctx.pages, kind)
  try {
    await group.grow(tabs, ctx.broker.url, topic)
    const stats = await ctx.broker.stats()
    const connections = stats.clients.filter(ours).length
    const subscribes = stats.subscribes.filter((s) => s.filter === topic && ours(s.clientId)).length
    const throughput = await measureThroughput(ctx, group, topic)
    const latency = await measureLatency(ctx, group, topic)
    const heaps: number[] = []
    for (const tab of group.tabs) heaps.push(await tab.heap())
    const workerHeap = kind === 'hub' ? sum(await group.workerHeaps()) : null
    ctx.log(
      `${ctx.broker.kind} ${kind} ×${tabs}: ${Math.round(throughput.perTab)} msg/s per tab, ` +
      `${Math.round(throughput.total)} in total (${throughput.messages} msgs/run); ` +
      `latency p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`,
    )
    return { kind, tabs, connections, subscribes, throughput, latency, heapPerTab: mean(heaps), workerHeap }
  } finally {
    await group.close()
  }
}

/** Waits (up to 3 s) until the broker has let go of the tabs of the previous group. */
async function untilTabsGone(ctx: BrokerContext): Promise<void> {
  const deadline = Date.now() + 3_000
  while ((await ctx.broker.stats()).clients.some(ours) && Date.now() < deadline) await sleep(50)
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}
