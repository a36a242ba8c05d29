// The leader baselines: N tabs opened together while Node publishes a steady stream, either
// each with its own MQTT.js connection and the seed's 3 s-timer election (`election`), or one
// MQTT.js connection in the tab the `broadcast-channel` package elects, relaying to the others
// (`leader`). Times the first non-idempotent handling after the first
// tab loaded and the failover after the leader tab closes, and counts the messages whose
// non-idempotent handler ran in no tab (before the first leader, during the failover) or in two.
import { BROKER_SIDE_CLIENT_PREFIX } from '../../e2e/brokers.ts'
import { TabGroup, type Tab } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import type { ExclusiveCall } from '../pages/election.ts'
import { callsOf, fmt } from './exclusive-calls.ts'
import { mean, sleep } from '../stats.ts'
import { wallClock } from '../wire.mjs'

export interface ElectionFigures {
  kind: ElectionKind
  tabs: number
  connections: number
  subscribes: number
  /** First tab's load event → first non-idempotent handling in any tab; null: none within LIMIT_MS. */
  firstExclusiveMs: number | null
  /** Leader tab closed → next non-idempotent handling in another tab; null: none within LIMIT_MS. */
  failoverMs: number | null
  /** Messages every tab received whose non-idempotent handler ran nowhere: before the first leader, during the failover. */
  lostBeforeLeader: number | null
  lostInFailover: number | null
  /** Messages handled by more than one tab. */
  duplicates: number
  /** Whether one tab alone (in its own browser context) ever became leader. */
  singleTabElected: boolean
  streamRate: number
  heapPerTab: number
}

export type ElectionKind = 'election' | 'leader'

const STREAM_RATE = 200
const LIMIT_MS = 25_000
const TOPIC = 'bench/election'

export async function runElection(ctx: BrokerContext, kind: ElectionKind, tabs = 4): Promise<ElectionFigures> {
  const now = wallClock()
  await ctx.broker.resetStats()
  await ctx.publisher.call('startStream', { topic: TOPIC, rate: STREAM_RATE })
  const group = await TabGroup.open(ctx.browser, ctx.pages, kind)
  const alone = await TabGroup.open(ctx.browser, ctx.pages, kind)
  try {
    await Promise.all(Array.from({ length: tabs }, () => group.add(ctx.broker.url, TOPIC)))
    const stats = await ctx.broker.stats()
    const ours = (id: string): boolean => !id.startsWith(BROKER_SIDE_CLIENT_PREFIX)
    await alone.add(ctx.broker.url, TOPIC)
    await sleep(100) // every tab has had a message
    const loads = await Promise.all(group.tabs.map((tab) => tab.loadedAt()))
    const firstSeqs = await Promise.all(group.tabs.map((tab) => tab.extra<number>('firstSeq')))

    const first = await firstCall(group, 0, Math.min(...loads) + LIMIT_MS, now)
    const firstExclusiveMs = first ? first.at - Math.min(...loads) : null
    const lostBeforeLeader = first ? first.seq - Math.max(...firstSeqs) : null
    await sleep(1_000)

    let failoverMs: number | null = null
    let lostInFailover: number | null = null
    const leader = await leaderTab(group)
    let next: ExclusiveCall | null = null
    if (leader) {
      const closedAt = now()
      await group.closeTab(leader.tab)
      next = await firstCall(group, closedAt, closedAt + LIMIT_MS, now)
      failoverMs = next ? next.at - closedAt : null
    }
    const singleTabElected = (await callsOf(alone.tabs[0]!)).length > 0
    const leaderCalls = await group.tabs[0]!.extra<ExclusiveCall[]>('closedTabCalls') // written at its pagehide
    if (next && leaderCalls.length > 0) lostInFailover = next.seq - Math.max(...leaderCalls.map((c) => c.seq)) - 1
    const all = [...leaderCalls, ...(await Promise.all(group.tabs.map(callsOf))).flat()].map((c) => c.seq)
    const heaps: number[] = []
    for (const tab of group.tabs) heaps.push(await tab.heap())
    const figures: ElectionFigures = {
      kind,
      tabs,
      connections: stats.clients.filter(ours).length,
      subscribes: stats.subscribes.filter((s) => s.filter === TOPIC && ours(s.clientId)).length,
      firstExclusiveMs,
      failoverMs,
      lostBeforeLeader,
      lostInFailover,
      duplicates: all.length - new Set(all).size,
      singleTabElected,
      streamRate: STREAM_RATE,
      heapPerTab: mean(heaps),
    }
    ctx.log(`${kind} ×${tabs}: first exclusive ${fmt(firstExclusiveMs)}, failover ${fmt(failoverMs)}`)
    return figures
  } finally {
    await ctx.publisher.call('stopStream')
    await group.close()
    await alone.close()
  }
}


/** The earliest non-idempotent handling after `after` in any open tab, polled until `deadline`. */
async function firstCall(group: TabGroup, after: number, deadline: number, now: () => number): Promise<ExclusiveCall | null> {
  while (now() < deadline) {
    const calls = (await Promise.all(group.tabs.map(callsOf))).flat().filter((c) => c.at > after)
    if (calls.length > 0) return calls.reduce((a, b) => (b.at < a.at ? b : a))
    await sleep(100)
  }
  return null
}

async function leaderTab(group: TabGroup): Promise<{ tab: Tab } | null> {
  for (const tab of group.tabs) {
    if (await tab.extra<boolean>('isLeader')) return { tab }
  }
  return null
}
