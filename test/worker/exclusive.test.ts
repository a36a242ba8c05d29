// Exclusive groups through the worker's real facade, against in-process aedes, with IndexedDB
// from fake-indexeddb: assignment, redelivery, the timeout, retries, and the inbox.
import 'fake-indexeddb/auto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startAedes, type TestBroker } from '../../e2e/brokers.ts'
import type { Delivery } from '../../src/protocol.ts'
import { openHubDatabase } from '../../worker/storage/hub-db.ts'
import { ExclusiveGroup } from '../../worker/routing/exclusive-group.ts'
import { Inbox } from '../../worker/storage/inbox.ts'
import type { SessionStorage } from '../../worker/session/session.ts'
import { TestWorker, waitFor, type TestTab } from '../support/test-tab.ts'

const text = (d: Delivery) => new TextDecoder().decode(d.payload)

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

async function storage(name: string, limit?: number): Promise<SessionStorage> {
  const db = await openHubDatabase(name)
  return { db, inbox: await Inbox.open(db, limit) }
}

async function tabs(worker: TestWorker, count: number, mqtt = {}): Promise<TestTab[]> {
  const list = Array.from({ length: count }, () => worker.tab())
  opened.push(...list)
  for (const tab of list) await tab.open({ url: broker.url, mqtt })
  await list[0]!.until(() => list[0]!.status === 'connected', 'connected')
  return list
}

async function publish(topic: string, count: number, qos: 0 | 1 = 1): Promise<void> {
  for (let i = 0; i < count; i++) await broker.publish(topic, `m${i}`, { qos })
}

describe('exclusive groups', () => {
  it('sticky: one member gets every message in order; ordinary subscriptions of the filter still get all', async () => {
    const worker = new TestWorker(storage(`db-${++run}`))
    const topic = `x/${run}/job`
    const [a, b, c] = await tabs(worker, 3)
    for (const tab of [a, b, c]) await tab!.subscribe(topic, 1, {})
    const plain = await b!.subscribe(topic, 0)
    await publish(topic, 10)
    await a!.until(() => a!.jobs().length === 10, 'ten jobs in the first member')
    expect(a!.jobs().map(text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`))
    // Every message was routed before the first member got the last one: what the worker sent the others is final.
    const routed = async (tab: TestTab) => (({ delivered, queued }) => delivered + queued)((await tab.remote.metrics()).delivery)
    expect(await routed(b!)).toBe(10) // the plain subscription's ten, no job
    expect(await routed(c!)).toBe(0)
    await b!.until(() => b!.received(plain).length === 10, 'the plain subscription\'s ten')
    expect(b!.jobs()).toHaveLength(0)
  })

  it('round-robin spreads the messages over the members, each once', async () => {
    const worker = new TestWorker(storage(`db-${++run}`))
    const topic = `x/${run}/job`
    const members = await tabs(worker, 3)
    for (const tab of members) await tab.subscribe(topic, 1, { balance: 'round-robin' })
    await publish(topic, 9)
    await waitFor(() => members.reduce((n, t) => n + t.jobs().length, 0) === 9, 'nine jobs in all')
    expect(members.map((t) => t.jobs().length)).toEqual([3, 3, 3])
    expect(members.flatMap((t) => t.jobs().map(text)).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `m${i}`).sort())
  })

  it('gives the unfinished jobs of a tab that crashed to another member, marked redelivered', async () => {
    const worker = new TestWorker(storage(`db-${++run}`))
    const topic = `x/${run}/job`
    const [a, b] = await tabs(worker, 2)
    await a!.subscribe(topic, 1, {})
    await b!.subscribe(topic, 1, {})
    await publish(topic, 5)
    await a!.until(() => a!.jobs().length === 5, 'five jobs in the first member')
    a!.settle(a!.jobs()[0]!)
    a!.settle(a!.jobs()[0]!)
    await waitFor(async () => (await b!.remote.metrics()).exclusive[topic]?.handled === 2, 'two jobs handled')
    a!.crash()
    await b!.until(() => b!.jobs().length === 3, 'the three unfinished jobs in the second member')
    expect(b!.jobs().map((d) => [text(d), d.redelivered])).toEqual([['m2', true], ['m3', true], ['m4', true]])
    await publish(topic, 1)
    await b!.until(() => b!.jobs().length === 4, 'a new job in the new owner')
    expect(b!.jobs()[3]!.redelivered).toBe(false)
  })

  it('moves the work of a member that finishes nothing within timeoutMs, and ignores its late answer', async () => {
    const worker = new TestWorker(storage(`db-${++run}`))
    const topic = `x/${run}/job`
    const [a, b] = await tabs(worker, 2)
    await a!.subscribe(topic, 1, { timeoutMs: 300 })
    await b!.subscribe(topic, 1, { timeoutMs: 300 })
    await publish(topic, 2)
    await a!.until(() => a!.jobs().length === 2, 'two jobs in the first member')
    const started = Date.now()
    await b!.until(() => b!.jobs().length === 2, 'the hung member’s jobs', 3000)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(b!.jobs().every((d) => d.redelivered)).toBe(true)
    for (const job of a!.jobs()) a!.settle(job) // the frozen tab resumes: too late, ignored
    for (const job of b!.jobs()) b!.settle(job)
    await waitFor(async () => (await b!.remote.metrics()).exclusive[topic]?.pending === 0, 'nothing pending')
    const metrics = (await b!.remote.metrics()).exclusive[topic]!
    expect(metrics).toMatchObject({ handled: 2, timeouts: 1, redelivered: 2, pending: 0 })
  })

  it('retries a failed handler as often as asked, then counts it failed', async () => {
    const worker = new TestWorker(storage(`db-${++run}`))
    const topic = `x/${run}/job`
    const [a] = await tabs(worker, 1)
    await a!.subscribe(topic, 1, { retries: 1 })
    await publish(topic, 1)
    await a!.until(() => a!.jobs().length === 1, 'the job')
    a!.settle(a!.jobs()[0]!, 'boom')
    await a!.until(() => a!.jobs().length === 1, 'the retry')
    expect(a!.jobs()[0]!.redelivered).toBe(true)
    a!.settle(a!.jobs()[0]!, 'boom again')
    await waitFor(async () => (await a!.remote.metrics()).exclusive[topic]?.failed === 1, 'the job counted failed')
    expect(a!.jobs()).toHaveLength(0)
    expect((await a!.remote.metrics()).exclusive[topic]).toMatchObject({ failed: 1, handled: 0, redelivered: 1, pending: 0 })
  })

  it('keeps QoS 1 messages in the inbox while no member is alive and hands them to the next member', async () => {
    const store = storage(`db-${++run}`)
    const worker = new TestWorker(store)
    const topic = `x/${run}/job`
    const [keeper, a] = await tabs(worker, 2)
    await keeper!.subscribe(`x/${run}/other`)
    await a!.subscribe(topic, 1, {})
    a!.crash() // no member left; the group and its broker subscription stay
    await waitFor(async () => (await keeper!.remote.metrics()).tabs === 1, 'the crashed tab released')
    await publish(topic, 5)
    await waitFor(async () => (await keeper!.remote.metrics()).inbox.depth === 5, 'five messages in the inbox')
    expect((await keeper!.remote.metrics()).inbox).toMatchObject({ depth: 5, durable: true })

    const [b] = await tabs(worker, 1)
    await b!.subscribe(topic, 1, {})
    await b!.until(() => b!.jobs().length === 5, 'the waiting messages')
    expect(b!.jobs().map(text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])
    for (const job of b!.jobs()) b!.settle(job)
    await waitFor(async () => (await b!.remote.metrics()).inbox.depth === 0, 'the inbox emptied')
  })

  it('a worker that starts again hands the inbox it finds to the first member, marked redelivered', async () => {
    const name = `db-${++run}`
    const topic = `x/${run}/job`
    const first = new TestWorker(storage(name))
    const [a] = await tabs(first, 1)
    await a!.subscribe(topic, 1, {})
    await publish(topic, 3)
    await a!.until(() => a!.jobs().length === 3, 'three jobs')
    a!.settle(a!.jobs()[0]!)
    await waitFor(async () => (await a!.remote.metrics()).inbox.depth === 2, 'the handled job deleted from the inbox')
    // The browser closes: the worker ends with two jobs unfinished.

    const second = new TestWorker(storage(name))
    const [b] = await tabs(second, 1)
    await b!.subscribe(topic, 1, {})
    await b!.until(() => b!.jobs().length === 2, 'the two unfinished jobs')
    expect(b!.jobs().map((d) => [text(d), d.redelivered])).toEqual([['m1', true], ['m2', true]])
  })

  it('with clean: false, messages published while every tab was closed reach the group when a tab returns', async () => {
    const name = `db-${++run}`
    const topic = `x/${run}/job`
    const first = new TestWorker(storage(name))
    const [a] = await tabs(first, 1, { clean: false })
    await a!.subscribe(topic, 1, {})
    await a!.remote.close() // the last tab leaves: the connection closes, the broker keeps the session
    await waitFor(async () => (await broker.stats()).connected === 0, 'the broker to see the connection gone')
    await publish(topic, 4)

    const second = new TestWorker(storage(name))
    const [b] = await tabs(second, 1, { clean: false })
    await b!.subscribe(topic, 1, {})
    await b!.until(() => b!.jobs().length === 4, 'the messages the broker queued')
    expect(b!.jobs().map(text)).toEqual(['m0', 'm1', 'm2', 'm3'])
  })

  it('counts and reports a full inbox instead of losing the message silently', async () => {
    const worker = new TestWorker(storage(`db-${++run}`, 2))
    const topic = `x/${run}/job`
    const [a] = await tabs(worker, 1)
    await a!.subscribe(topic, 1, {})
    await publish(topic, 3)
    await a!.until(() => a!.jobs().length === 3, 'all three jobs, one from memory')
    expect((await a!.remote.metrics()).inbox).toMatchObject({ depth: 2, overflowed: 1, limit: 2 })
    await a!.until(() => a!.warnings.length === 1, 'a warning')
    expect(a!.warnings[0]).toContain('inbox is full')
  })

  it('rejects a member whose filter differs from its group’s with INVALID_OPTIONS', async () => {
    const worker = new TestWorker(storage(`db-${++run}`))
    const [a] = await tabs(worker, 1)
    await a!.subscribe(`x/${run}/a`, 0, { group: 'g' })
    const error = await a!.subscribe(`x/${run}/b`, 0, { group: 'g' }).catch((e: { code: string }) => e.code)
    expect(error).toBe('INVALID_OPTIONS')
  })
})

describe('ExclusiveGroup and broker re-sends', () => {
  const spec = { group: 'g', balance: 'sticky' as const, timeoutMs: 30_000, retries: 0 }
  /** A QoS 1 message with packet id `id`, as connection `connection` received it. */
  const message = (payload: string, id: number, connection: number, justConnected = false) =>
    ({ topic: 'j', payload: new TextEncoder().encode(payload), qos: 1 as const, retain: false, packetId: id, connection, justConnected })

  function groupWithMember() {
    const got: Delivery[] = []
    const group = new ExclusiveGroup('s', 'g', 'j', spec, null)
    group.join({ tab: { deliver: (d) => got.push(d), withdraw: () => {}, warn: () => {}, visible: true, active: true }, id: 1, outstanding: new Set(), stalled: false })
    return { group, got }
  }

  it('drops a QoS 1 message the broker sends again after a reconnect: same packet id, topic and payload [MQTT-4.4.0-1]', () => {
    const { group, got } = groupWithMember()
    group.receive(message('a', 7, 1))
    group.receive(message('a', 7, 2)) // re-sent on the next connection (aedes: without DUP)
    group.receive(message('b', 7, 2)) // the id reused for another message
    group.receive(message('a', 8, 2)) // another id
    expect(got.map((d) => new TextDecoder().decode(d.payload))).toEqual(['a', 'b', 'a'])
    expect(group.metrics.duplicates).toBe(1)
  })

  it('keeps an identical message under a reused id on the same connection once it is past its first seconds', () => {
    const { group, got } = groupWithMember()
    group.receive(message('tick', 7, 1))
    group.receive(message('tick', 7, 1, false))
    group.receive(message('tick', 7, 1, true)) // in a connection's first seconds: a re-send
    expect(got).toHaveLength(2)
  })
})
