// TabClient's batches, and its stall timer against a clock that disagrees with it: a timer may
// fire a millisecond before Date.now() says its time is up (Node's and browsers' timers keep a
// clock of their own). The stall test fakes the timers (they fire when told) and keeps the real
// Date.now().
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Delivery } from '../../src/protocol.ts'
import { TabClient } from './tab-client.ts'

const delivery = (n: number): Delivery => ({ subs: [1], topic: 't', payload: new Uint8Array([n % 256]), qos: 0, retain: false })

afterEach(() => void vi.useRealTimers())

describe('TabClient', () => {
  it('posts what one task routed as one batch, holds what comes behind two unconfirmed batches, and posts it as one when the tab confirms', async () => {
    const { port1, port2 } = new MessageChannel()
    const client = new TabClient(port1 as unknown as MessagePort, { maxMessages: 10_000, maxBytes: 1 << 20 })
    let posts = 0
    port2.on('message', () => posts++)
    const posted = async (count: number) => {
      while (posts < count) await new Promise((resolve) => setImmediate(resolve))
    }
    try {
      for (let n = 0; n < 10; n++) client.deliver(delivery(n))
      await posted(1)
      expect(client.metrics).toMatchObject({ delivered: 10, batches: 1, inFlight: 10, queued: 0 })
      client.deliver(delivery(10))
      await posted(2) // the second batch, a task later
      // Routed over many tasks while two batches are unconfirmed: they wait in the worker.
      for (let n = 11; n < 60; n++) {
        client.deliver(delivery(n))
        await new Promise((resolve) => setImmediate(resolve))
      }
      expect(client.metrics).toMatchObject({ delivered: 11, batches: 2, inFlight: 11, queued: 49 })
      port2.postMessage({ type: 'received' })
      await posted(3)
      expect(client.metrics).toMatchObject({ delivered: 60, batches: 3, inFlight: 50, queued: 0 })
    } finally {
      client.close()
      port2.close()
    }
  })

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
