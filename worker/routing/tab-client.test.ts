// TabClient's stall timer against a clock that disagrees with it: a timer may fire a millisecond
// before Date.now() says its time is up (Node's and browsers' timers keep a clock of their own).
// Here the timers are Vitest's (they fire when told) and Date.now() is the real one.
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Delivery } from '../../src/protocol.ts'
import { TabClient } from './tab-client.ts'

const delivery = (n: number): Delivery => ({ subs: [1], topic: 't', payload: new Uint8Array([n % 256]), qos: 0, retain: false })

afterEach(() => void vi.useRealTimers())

describe('TabClient', () => {
  it('cuts the queue of a tab that stopped confirming also when its stall timer fired before Date.now() said the time was up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { port1, port2 } = new MessageChannel()
    const client = new TabClient(port1 as unknown as MessagePort, { maxMessages: 10, maxBytes: 1 << 20, stalledAfterMs: 1_000 })
    try {
      for (let n = 0; n < 3_000; n++) client.deliver(delivery(n))
      await Promise.resolve() // the first batch is posted; the tab confirms nothing
      vi.advanceTimersByTime(0) // the second batch
      expect(client.metrics.queued).toBeGreaterThan(10)
      const posted = Date.now()
      vi.advanceTimersByTime(1_000) // fires at once: Date.now() has not moved a second yet
      expect(client.metrics.queued).toBeGreaterThan(10)
      while (Date.now() - posted <= 1_000) await new Promise((resolve) => setImmediate(resolve))
      vi.advanceTimersByTime(1_000)
      expect(client.metrics.queued).toBeLessThanOrEqual(10)
      expect(client.metrics.stalls).toBe(1)
    } finally {
      client.close()
      port2.close()
    }
  })
})
