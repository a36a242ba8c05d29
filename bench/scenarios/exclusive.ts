// Exclusive handlers, timed like the election baseline (scenarios/election.ts): N hub tabs opened
// together, each subscribing an exclusive handler at load while Node publishes a steady stream.
// Times the first handling after the first tab's load event, and the failover after the handling tab
// (the oldest member: `balance: 'sticky'`) closes; counts messages handled by no tab or by two.
import type { Tab } from '../browser.ts'
import { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import type { ExclusiveCall } from '../pages/election.ts'
import { callsOf, fmt } from './exclusive-calls.ts'
import type { ExclusiveFigures } from '../results.ts'
import { sleep } from '../stats.ts'
import { wallClock } from '../wire.mjs'

export interface ExclusiveRun extends ExclusiveFigures {
  tabs: number
  /** One tab alone, in its own context: load event → first exclusive handling. */
  singleTabFirstMs: number | null
  /** That tab's start-up, in ms after navigation start: script ran, hub created, ready, subscribed. */
  singleTabStartup: Record<string, number>
  /** Messages between the first and the last handled that no tab handled, and handled twice. */
  missed: number
  duplicates: number
  /** Messages the closed tab had not finished, handled by another tab marked `redelivered`. */
  redelivered: number
  streamRate: number
}

const STREAM_RATE = 500
const LIMIT_MS = 10_000
const TOPIC = 'bench/exclusive'

export async function runExclusive(ctx: BrokerContext, tabs = 4): Promise<ExclusiveRun> {
  const now = wallClock()
  const query = { broker: ctx.broker.url, exclusive: TOPIC }
  await ctx.publisher.call('startStream', { topic: TOPIC, rate: STREAM_RATE })
  const group = await TabGroup.open(ctx.browser, ctx.pages, 'hub')
  const alone = await TabGroup.open(ctx.browser, ctx.pages, 'hub')
  try {
    await Promise.all(Array.from({ length: tabs }, () => group.addAutostarted(query)))
    const loads = await Promise.all(group.tabs.map((tab) => tab.loadedAt()))
    const first = await firstCall(group.tabs, 0, Math.min(...loads) + LIMIT_MS, now)
    const firstExclusiveMs = first ? first.at - Math.min(...loads) : null

    const single = await alone.addAutostarted(query)
    const singleLoad = await single.loadedAt()
    const singleFirst = await firstCall([single], 0, singleLoad + LIMIT_MS, now)
    const singleTabFirstMs = singleFirst ? singleFirst.at - singleLoad : null
    const singleTabStartup = await single.extra<Record<string, number>>('startup')
    await alone.close()
    await sleep(500)

    let failoverMs: number | null = null
    const handling = await busiestTab(group.tabs)
    if (handling) {
      const closedAt = now()
      await group.closeTab(handling)
      const next = await firstCall(group.tabs, closedAt, closedAt + LIMIT_MS, now)
      failoverMs = next ? next.at - closedAt : null
      await sleep(500)
    }
    const closedCalls = await group.tabs[0]!.extra<ExclusiveCall[]>('closedTabCalls') // written at its pagehide
    const calls = [...closedCalls, ...(await Promise.all(group.tabs.map(callsOf))).flat()]
    const seqs = calls.map((c) => c.seq)
    const distinct = new Set(seqs)
    const span = distinct.size > 0 ? Math.max(...distinct) - Math.min(...distinct) + 1 : 0
    const run: ExclusiveRun = {
      tabs, firstExclusiveMs, failoverMs, singleTabFirstMs, singleTabStartup,
      missed: span - distinct.size,
      duplicates: seqs.length - distinct.size,
      redelivered: calls.filter((c) => c.redelivered).length,
      streamRate: STREAM_RATE,
    }
    ctx.log(`hub exclusive ×${tabs}: first ${fmt(firstExclusiveMs)} after load (one tab alone ${fmt(singleTabFirstMs)}), failover ${fmt(failoverMs)}`)
    return run
  } finally {
    await ctx.publisher.call('stopStream')
    await group.close()
    await alone.close()
  }
}


async function firstCall(tabs: Tab[], after: number, deadline: number, now: () => number): Promise<ExclusiveCall | null> {
  while (now() < deadline) {
    const calls = (await Promise.all(tabs.map(callsOf))).flat().filter((c) => c.at > after)
    if (calls.length > 0) return calls.reduce((a, b) => (b.at < a.at ? b : a))
    await sleep(10)
  }
  return null
}

/** The tab that handled the latest message. */
async function busiestTab(tabs: Tab[]): Promise<Tab | null> {
  const latest = await Promise.all(tabs.map(async (tab) => (await callsOf(tab)).at(-1)?.at ?? 0))
  const best = Math.max(...latest)
  return best > 0 ? tabs[latest.indexOf(best)]! : null
}
