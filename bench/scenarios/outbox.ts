// The durable outbox: replay of 10,000 QoS 1 publishes made while the broker was away. One hub
// tab publishes them with the broker stopped (each is written to IndexedDB first), then the
// broker comes back; the rate runs from the hub's reconnect to the last PUBACK in the tab.
import { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import { sleep } from '../stats.ts'

export interface Replay {
  messages: number
  /** Stored while offline, and acknowledged after the reconnect (failed: rejected publishes). */
  stored: number
  acked: number
  failed: number
  msgsPerS: number | null
}

const MESSAGES = 10_000
const LIMIT_MS = 60_000

interface OfflineState {
  published: number
  acked: number
  failed: number
  lastAckAt: number
  connectedAt: number[]
}

export async function measureReplay(ctx: BrokerContext): Promise<Replay> {
  const group = await TabGroup.open(ctx.browser, ctx.pages, 'hub')
  try {
    const tab = await group.add(ctx.broker.url, null)
    await ctx.broker.stop()
    await tab.extra('publishWithoutWaiting', 'bench/replay', MESSAGES)
    let stored = 0
    for (const deadline = Date.now() + LIMIT_MS; Date.now() < deadline; await sleep(100)) {
      stored = await tab.extra<number>('outboxDepth')
      const { failed } = await tab.extra<OfflineState>('offlineState')
      if (stored + failed >= MESSAGES) break
    }
    const reconnectsBefore = (await tab.extra<OfflineState>('offlineState')).connectedAt.length
    await ctx.broker.start()
    let state = await tab.extra<OfflineState>('offlineState')
    for (const deadline = Date.now() + LIMIT_MS; state.acked + state.failed < MESSAGES && Date.now() < deadline; await sleep(100)) {
      state = await tab.extra<OfflineState>('offlineState')
    }
    const reconnectedAt = state.connectedAt[reconnectsBefore]
    const msgsPerS = reconnectedAt !== undefined && state.acked > 0 ? state.acked / ((state.lastAckAt - reconnectedAt) / 1000) : null
    ctx.log(`hub outbox replay: ${state.acked} of ${stored} stored publishes acknowledged, ${msgsPerS === null ? 'n/a' : Math.round(msgsPerS)} msg/s`)
    return { messages: MESSAGES, stored, acked: state.acked, failed: state.failed, msgsPerS }
  } finally {
    await ctx.broker.start()
    await group.close()
  }
}
