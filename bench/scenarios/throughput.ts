// Delivered QoS 0 messages per second in the pages: Node publishes as fast as the broker takes
// them; each tab's rate runs from its first to its last message, the total from the earliest
// first to the latest last message of any tab. A short warm-up run sizes the measured runs so
// that each lasts about RUN_TARGET_MS (at most config.messages), then the median of config.reps.
import type { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import { CpuMeter, type CpuUsage } from '../cpu.ts'
import type { Progress } from '../pages/bench-page.ts'
import { mean, median, sleep } from '../stats.ts'

export interface Throughput {
  /** Mean over tabs of each tab's msg/s. */
  perTab: number
  total: number
  /** Messages per run (each tab receives them all). */
  messages: number
  /** Fewest messages received in one run, and expected (a broker may drop QoS 0 for a slow reader). */
  delivered: number
  expected: number
  /** CPU used during the measured runs, and the messages delivered meanwhile. */
  cpu: CpuUsage | null
  cpuMessages: number
  /** The tabs' main-thread busy time (CDP TaskDuration) per 1,000 messages delivered, during the measured runs. */
  tabBusyMsPer1k: number
  /** Each measured run's total msg/s, in order. */
  runTotals: number[]
  /** Hub tabs: messages per batch the worker posted to a tab (its postMessage), over the measured runs. */
  msgsPerBatch: number | null
}

const WARM_UP_MESSAGES = 2_000
const RUN_TARGET_MS = 4_000
/** Stop waiting when no tab received anything for this long. */
const IDLE_MS = 3_000

export async function measureThroughput(ctx: BrokerContext, group: TabGroup, topic: string): Promise<Throughput> {
  const warmUp = await runOnce(ctx, group, topic, WARM_UP_MESSAGES)
  const sized = Math.round((warmUp.perTab * RUN_TARGET_MS) / 1000 / 1000) * 1000
  const messages = Math.min(ctx.config.messages, Math.max(WARM_UP_MESSAGES, sized || WARM_UP_MESSAGES))
  const busy = (): Promise<number[]> => Promise.all(group.tabs.map((tab) => tab.busyMs()))
  const busyBefore = await busy()
  const batchesBefore = await batches(group)
  const meter = CpuMeter.begin()
  const runs: Run[] = []
  for (let rep = 0; rep < ctx.config.reps; rep++) runs.push(await runOnce(ctx, group, topic, messages))
  const cpu = meter?.end() ?? null
  const busyMs = (await busy()).reduce((sum, ms, i) => sum + ms - busyBefore[i]!, 0)
  const batchesAfter = await batches(group)
  const cpuMessages = runs.reduce((sum, r) => sum + r.delivered, 0)
  return {
    perTab: median(runs.map((r) => r.perTab)),
    total: median(runs.map((r) => r.total)),
    messages,
    delivered: Math.min(...runs.map((r) => r.delivered)),
    expected: messages * group.tabs.length,
    cpu,
    cpuMessages,
    tabBusyMsPer1k: busyMs / (cpuMessages / 1000),
    runTotals: runs.map((r) => r.total),
    msgsPerBatch: batchesBefore && batchesAfter
      ? (batchesAfter.delivered - batchesBefore.delivered) / Math.max(1, batchesAfter.batches - batchesBefore.batches)
      : null,
  }
}

/** What the hub's worker posted to the group's tabs so far (hub.metrics().delivery), or null for other kinds. */
async function batches(group: TabGroup): Promise<{ delivered: number; batches: number } | null> {
  if (group.kind !== 'hub') return null
  const all = await Promise.all(group.tabs.map((tab) => tab.extra<{ delivered: number; batches: number }>('delivery')))
  return all.reduce((sum, d) => ({ delivered: sum.delivered + d.delivered, batches: sum.batches + d.batches }), { delivered: 0, batches: 0 })
}

interface Run {
  perTab: number
  total: number
  delivered: number
}

async function runOnce(ctx: BrokerContext, group: TabGroup, topic: string, count: number): Promise<Run> {
  await Promise.all(group.tabs.map((tab) => tab.call('reset', false)))
  const published = ctx.publisher.call<{ ms: number }>('burst', { topic, count })
  const progress = await waitForAll(group, count * group.tabs.length)
  await published
  const delivered = progress.reduce((sum, p) => sum + p.count, 0)
  const rates = progress.filter((p) => p.count > 1).map((p) => p.count / ((p.last - p.first) / 1000))
  const span = Math.max(...progress.map((p) => p.last)) - Math.min(...progress.map((p) => p.first))
  return { perTab: mean(rates), total: delivered / (span / 1000), delivered }
}

/** Polls the tabs until they received `expected` messages in all, or nothing arrived for a while. */
export async function waitForAll(group: TabGroup, expected: number): Promise<Progress[]> {
  let seen = -1
  let changedAt = Date.now()
  for (;;) {
    await sleep(200)
    const progress = await Promise.all(group.tabs.map((tab) => tab.call('progress')))
    const total = progress.reduce((sum, p) => sum + p.count, 0)
    if (total >= expected) return progress
    if (total !== seen) [seen, changedAt] = [total, Date.now()]
    else if (Date.now() - changedAt > IDLE_MS) return progress
  }
}
