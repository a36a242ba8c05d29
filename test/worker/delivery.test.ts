// A tab that stops reading (main thread blocked) must not cost the worker unbounded memory nor
// delay the other tabs: per-tab bounded queues, drop-oldest for QoS 0, and its exclusive work
// handed to members that keep up. Queue rules first, then through the real facade against aedes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { startAedes, type TestBroker } from '../../e2e/brokers.ts'
import type { Delivery } from '../../src/protocol.ts'
import type { QoS } from '../../src/public-types.ts'
import { DeliveryQueue } from '../../worker/routing/delivery-queue.ts'
import { TestWorker, type TestTab } from '../support/test-tab.ts'

const bytes = new TextEncoder().encode('x')
const message = (n: number, qos: QoS, job?: number): Delivery =>
  ({ subs: [1], topic: `t/${n}`, payload: bytes, qos, retain: false, ...(job !== undefined && { job }) })
const topics = (list: Delivery[]) => list.map((d) => d.topic)

describe('a tab delivery queue', () => {
  it('drops the oldest QoS 0 message first, then the oldest QoS 1/2, and never an exclusive job', () => {
    const queue = new DeliveryQueue({ maxMessages: 3, maxBytes: 1e9 })
    queue.push(message(1, 1))
    queue.push(message(2, 0, 7)) // an exclusive job
    queue.push(message(3, 0))
    expect(queue.push(message(4, 2))).toBe(1) // t/3, the only plain QoS 0, goes
    expect(queue.push(message(5, 1))).toBe(1) // then the oldest QoS 1/2: t/1
    expect(topics(queue.take(10, 1e9).deliveries)).toEqual(['t/2', 't/4', 't/5'])
    expect(queue.dropped).toEqual({ qos0: 1, qos12: 1 })
  })

  it('keeps to its byte limit too, and sends at least one message per batch even when it is larger than the batch limit', () => {
    const big = new Uint8Array(1000)
    const queue = new DeliveryQueue({ maxMessages: 100, maxBytes: 2500 })
    for (let n = 0; n < 5; n++) queue.push({ ...message(n, 0), payload: big })
    expect(queue.length).toBe(2)
    expect(queue.bytes).toBeLessThanOrEqual(2500)
    expect(topics(queue.take(10, 10).deliveries)).toEqual(['t/3'])
  })

  it('lets a tab that keeps confirming past maxMessages and maxBytes, bounded by burstMaxBytes alone', () => {
    const queue = new DeliveryQueue({ maxMessages: 3, maxBytes: 4 * 75, burstMaxBytes: 10 * 75 })
    for (let n = 10; n < 18; n++) expect(queue.push(message(n, 0), false)).toBe(0)
    expect(queue.length).toBe(8)
    let dropped = 0
    for (let n = 18; n < 30; n++) dropped += queue.push(message(n, 0), false)
    expect(dropped).toBeGreaterThan(0)
    expect(queue.bytes).toBeLessThanOrEqual(10 * 75)
    expect(queue.push(message(30, 0), true)).toBeGreaterThan(0) // stopped confirming: the count and maxBytes bind
    expect(queue.length).toBe(3)
  })

  it('stays bounded and in order while a stalled tab gets a million messages', () => {
    const queue = new DeliveryQueue({ maxMessages: 10_000, maxBytes: 1e9 })
    for (let n = 0; n < 1_000_000; n++) queue.push(message(n, 0))
    expect(queue.length).toBe(10_000)
    expect(queue.dropped.qos0).toBe(990_000)
    const taken = queue.take(20_000, 1e9).deliveries
    expect(taken[0]!.topic).toBe('t/990000')
    expect(taken.at(-1)!.topic).toBe('t/999999')
  })

  it('gives back the queued jobs of one subscription when its group takes them back', () => {
    const queue = new DeliveryQueue({ maxMessages: 100, maxBytes: 1e9 })
    queue.push(message(1, 0, 1))
    queue.push({ ...message(2, 0, 2), subs: [2] })
    queue.push(message(3, 0))
    queue.withdraw((d) => d.job !== undefined && d.subs[0] === 1)
    expect(topics(queue.take(10, 1e9).deliveries)).toEqual(['t/2', 't/3'])
  })
})

describe('a tab that stops reading, through the worker against aedes', () => {
  let broker: TestBroker
  const opened: TestTab[] = []
  let run = 0

  beforeAll(async () => {
    broker = await startAedes()
  })
  afterAll(() => broker.close())
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((tab) => tab.leave()))
  })

  async function openTabs(count: number, queue: { maxMessages: number; stalledAfterMs?: number } = { maxMessages: 1_000, stalledAfterMs: 1 }): Promise<TestTab[]> {
    const worker = new TestWorker()
    const tabs = Array.from({ length: count }, () => worker.tab())
    opened.push(...tabs)
    for (const tab of tabs) await tab.open({ url: broker.url, queue })
    await tabs[0]!.until(() => tabs[0]!.status === 'connected', 'connected')
    return tabs
  }

  async function flood(topic: string, count: number): Promise<void> {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    for (let n = 0; n < count; n++) client.publish(topic, `${n}`)
    await client.endAsync()
  }

  it('delivers a burst of 20 times maxMessages in full to two tabs that keep confirming: only the byte budget bounds them', async () => {
    const topic = `flow-${++run}-${Date.now()}/steady`
    const tabs = await openTabs(2, { maxMessages: 1_000 })
    const subs = [await tabs[0]!.subscribe(topic), await tabs[1]!.subscribe(topic)]
    const total = 20_000
    await flood(topic, total)
    for (const [i, tab] of tabs.entries()) {
      await tab.until(() => tab.received(subs[i]!).length === total, 'every message', 20_000)
      expect((await tab.remote.metrics()).delivery.dropped).toEqual({ qos0: 0, qos12: 0 })
    }
  })

  it('cuts the queue of a tab that stopped confirming to maxMessages once stalledAfterMs has passed, also when no message arrives any more', async () => {
    const topic = `flow-${++run}-${Date.now()}/quiet`
    const [frozen] = await openTabs(1, { maxMessages: 100, stalledAfterMs: 300 })
    const f = await frozen!.subscribe(topic)
    frozen!.freeze()
    await flood(topic, 3_000)
    await expect.poll(async () => (await frozen!.remote.metrics()).delivery.inFlight + (await frozen!.remote.metrics()).delivery.queued
      + (await frozen!.remote.metrics()).delivery.dropped.qos0, { timeout: 10_000 }).toBe(3_000)
    await expect.poll(async () => (await frozen!.remote.metrics()).delivery.queued, { timeout: 5_000 }).toBeLessThanOrEqual(100)
    const metrics = (await frozen!.remote.metrics()).delivery
    expect(metrics.stalls).toBe(1)
    expect(metrics.dropped.qos0).toBeGreaterThan(0)
    frozen!.thaw()
    await frozen!.until(() => frozen!.received(f).at(-1) === `${topic} 2999`, 'the newest message')
  })

  it('drops the frozen tab\'s oldest QoS 0 messages, counts them, tells the tab, and delivers every message to the other tab', async () => {
    const topic = `flow-${++run}-${Date.now()}/burst`
    const [frozen, reader] = await openTabs(2)
    const [f, r] = [await frozen!.subscribe(topic), await reader!.subscribe(topic)]
    frozen!.freeze()
    const total = 20_000
    await flood(topic, total)
    await reader!.until(() => reader!.received(r).length === total, 'every message at the reading tab', 20_000)

    const stalled = (await frozen!.remote.metrics()).delivery
    expect(stalled.queued).toBeLessThanOrEqual(1_000)
    expect(stalled.inFlight).toBeLessThanOrEqual(2_000)
    expect(stalled.stalls).toBe(1)
    expect(stalled.dropped.qos0 + stalled.queued + stalled.inFlight).toBe(total)

    frozen!.thaw()
    await frozen!.until(() => frozen!.warnings.some((w) => w.includes('dropped')), 'the MESSAGES_DROPPED warning')
    await frozen!.until(() => frozen!.received(f).length === total - stalled.dropped.qos0, 'the queued messages')
    // What it got is the newest, in order: the oldest were dropped.
    const got = frozen!.received(f).map((line) => Number(line.split(' ')[1]))
    expect(got).toEqual([...got].sort((a, b) => a - b))
    expect(got.at(-1)).toBe(total - 1)
    expect((await reader!.remote.metrics()).delivery.dropped).toEqual({ qos0: 0, qos12: 0 })
  })

  it('hands the exclusive work of a tab that stopped reading to a member that keeps up', async () => {
    const p = `flow-${++run}-${Date.now()}`
    const [frozen, other] = await openTabs(2, { maxMessages: 50, stalledAfterMs: 1 })
    const jobsOf = async (tab: TestTab) => tab.subscribe(`${p}/jobs`, 1, { group: 'work', balance: 'sticky' })
    await jobsOf(frozen!) // the sticky owner
    await jobsOf(other!)
    await frozen!.subscribe(`${p}/chatter`)
    frozen!.freeze()
    await broker.publish(`${p}/jobs`, 'job-1', { qos: 1 })
    await frozen!.until(() => frozen!.jobs().length === 1, 'the owner got the job')
    expect(other!.jobs()).toHaveLength(0)

    await flood(`${p}/chatter`, 3_000) // overflows the frozen tab's queue of 50
    await other!.until(() => other!.jobs().some((d) => d.redelivered === true), 'the job at the member that keeps up')
    await broker.publish(`${p}/jobs`, 'job-2', { qos: 1 })
    await other!.until(() => other!.jobs().length === 2, 'the next job at the member that keeps up')
    expect(other!.jobs().map((d) => new TextDecoder().decode(d.payload))).toEqual(['job-1', 'job-2'])
  })
})
