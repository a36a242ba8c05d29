// First handled message after navigation, for one tab alone in a fresh browser context (so a
// fresh hub worker): the page connects and subscribes at load, as an app does, while Node
// publishes a steady stream; the figure is the page's own performance.now() at its first message.
import { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import { median, sleep } from '../stats.ts'
import type { TabKind } from './tabs.ts'

export interface FirstMessage {
  kind: TabKind
  /** Median over the runs, ms after navigation start; null: no message within LIMIT_MS. */
  ms: number | null
  runs: number[]
}

const STREAM_RATE = 1_000
const LIMIT_MS = 15_000
const RUNS = 3

export async function measureFirstMessages(ctx: BrokerContext, kinds: TabKind[]): Promise<FirstMessage[]> {
  const topic = 'bench/first'
  await ctx.publisher.call('startStream', { topic, rate: STREAM_RATE })
  try {
    const out: FirstMessage[] = []
    for (const kind of kinds) {
      const runs: number[] = []
      for (let i = 0; i < RUNS; i++) {
        const ms = await firstMessage(ctx, kind, topic)
        if (ms !== null) runs.push(ms)
      }
      const figure = { kind, ms: runs.length > 0 ? median(runs) : null, runs }
      ctx.log(`${ctx.broker.kind} ${kind}: first handled message ${figure.ms === null ? 'never' : `${figure.ms.toFixed(0)} ms`} after navigation`)
      out.push(figure)
    }
    return out
  } finally {
    await ctx.publisher.call('stopStream')
  }
}

async function firstMessage(ctx: BrokerContext, kind: TabKind, topic: string): Promise<number | null> {
  const group = await TabGroup.open(ctx.browser, ctx.pages, kind)
  try {
    const tab = await group.addAutostarted({ broker: ctx.broker.url, subscribe: topic })
    for (const deadline = Date.now() + LIMIT_MS; Date.now() < deadline; await sleep(20)) {
      const ms = await tab.call('firstSinceNavigation')
      if (ms !== null) return ms
    }
    return null
  } finally {
    await group.close()
  }
}
