// Tabs that are hidden, frozen or in the back/forward cache, as the worker sees them through its
// real facade (the tab stub reports `visibilitychange` and the Page Lifecycle), against aedes.
import 'fake-indexeddb/auto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startAedes, type TestBroker } from '../../e2e/brokers.ts'
import type { Delivery } from '../../src/protocol.ts'
import { openHubDatabase } from '../../worker/storage/hub-db.ts'
import { Inbox } from '../../worker/storage/inbox.ts'
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

async function tabs(count: number): Promise<TestTab[]> {
  const db = await openHubDatabase(`lifecycle-${++run}`)
  const worker = new TestWorker(Promise.resolve({ db, inbox: await Inbox.open(db) }))
  const list = Array.from({ length: count }, () => worker.tab())
  opened.push(...list)
  for (const tab of list) await tab.open({ url: broker.url })
  await list[0]!.until(() => list[0]!.status === 'connected', 'connected')
  return list
}

async function publish(topic: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await broker.publish(topic, `m${i}`, { qos: 1 })
}

describe('hidden tabs', () => {
  it('a sticky group gives its work to the oldest visible member, not to an older hidden one', async () => {
    const [hidden, visible] = await tabs(2)
    const topic = `life/${run}/jobs`
    hidden!.setVisible(false)
    await hidden!.subscribe(topic, 1, {})
    await visible!.subscribe(topic, 1, {})
    await waitFor(async () => (await visible!.remote.inspect()).tabs.some((t) => !t.visible), 'the hidden tab reported')
    await publish(topic, 0, 5)
    await visible!.until(() => visible!.jobs().length === 5, 'five jobs in the visible member')
    expect(hidden!.jobs()).toEqual([])
  })

  it('moves the owner between jobs only: a new owner starts once the previous one finished, in order', async () => {
    const [a, b] = await tabs(2)
    const topic = `life/${run}/order`
    await a!.subscribe(topic, 1, {})
    await b!.subscribe(topic, 1, {})
    await publish(topic, 0, 3)
    await a!.until(() => a!.jobs().length === 3, 'three jobs in the owner')
    a!.setVisible(false) // b is now the oldest visible member, but a still holds three jobs
    await waitFor(async () => (await b!.remote.inspect()).tabs.some((t) => !t.visible), 'the hidden tab reported')
    await publish(topic, 3, 5)
    await waitFor(async () => (await b!.remote.metrics()).exclusive[topic]?.pending === 5, 'five jobs pending')
    expect(b!.jobs()).toEqual([])
    for (const job of a!.jobs()) a!.settle(job)
    await b!.until(() => b!.jobs().length === 2, 'the next jobs in the new owner')
    expect(b!.jobs().map(text)).toEqual(['m3', 'm4'])
  })
})

describe('frozen and cached tabs', () => {
  it('a frozen tab\'s exclusive jobs go to another member at once, and it holds no queue while frozen', async () => {
    const [a, b] = await tabs(2)
    const topic = `life/${run}/freeze`
    const plain = await a!.subscribe(`life/${run}/plain`, 0)
    await a!.subscribe(topic, 1, {})
    await b!.subscribe(topic, 1, {})
    await publish(topic, 0, 2)
    await a!.until(() => a!.jobs().length === 2, 'two jobs in the owner')
    a!.setLifecycle(false) // pagehide into the back/forward cache, or freeze
    await b!.until(() => b!.jobs().length === 2, 'the frozen tab\'s jobs in the other member')
    expect(b!.jobs().every((d) => d.redelivered)).toBe(true)
    await publish(topic, 2, 4)
    for (let i = 0; i < 50; i++) await broker.publish(`life/${run}/plain`, `p${i}`)
    await b!.until(() => b!.jobs().length === 4, 'new jobs in the other member')
    const { delivery, tabs: count } = await a!.remote.metrics()
    expect(count).toBe(2) // still a tab of the session: its Web Lock is held
    expect(delivery.queued).toBe(0)
    await waitFor(async () => (await a!.remote.metrics()).delivery.dropped.qos0 === 50, 'the frozen tab\'s messages counted')
    expect((await b!.remote.inspect()).tabs.find((t) => !t.self)?.active).toBe(false)
    const before = a!.received(plain).length

    expect(a!.jobs()).toEqual([]) // told that the jobs it held went to the other member: it will not start them
    a!.setLifecycle(true) // pageshow from the back/forward cache, or resume
    await a!.until(() => a!.warnings.some((w) => w.startsWith('50 messages for this tab were dropped while the page was frozen')), 'told what it missed')
    await broker.publish(`life/${run}/plain`, 'after')
    await a!.until(() => a!.received(plain).length === before + 1, 'messages again after it is back')
    for (const job of b!.jobs()) b!.settle(job)
    await publish(topic, 4, 5)
    await a!.until(() => a!.jobs().some((d) => text(d) === 'm4'), 'work again for the oldest member, back')
    expect(a!.jobs().map(text)).toEqual(['m4'])
  })

  it('a blocked tab also loses a job that waits in the worker behind the two batches it has not confirmed', async () => {
    const [a, b] = await tabs(2)
    const topic = `life/${run}/behind`
    await a!.subscribe(`${topic}/plain`, 0)
    await a!.subscribe(topic, 1, {})
    await b!.subscribe(topic, 1, {})
    a!.freeze()
    // Two batches of plain messages it reads and does not confirm; the worker posts no third one.
    for (const n of [1, 2]) {
      await broker.publish(`${topic}/plain`, `p${n}`)
      await a!.until(() => a!.deliveries.length === n, `plain message ${n} posted`)
    }
    const sent = Date.now()
    await publish(topic, 0, 1)
    await b!.until(() => b!.jobs().length === 1, 'the job in the other member', 8_000)
    expect(Date.now() - sent).toBeGreaterThanOrEqual(2_500)
    expect(b!.jobs().map(text)).toEqual(['m0'])
    expect(a!.deliveries.filter((d) => d.job !== undefined)).toEqual([]) // never posted to it
  })

  it('a tab that leaves its exclusive work unconfirmed for 3 s (frozen with no event, or blocked) loses it to another member until it reads again', async () => {
    const [a, b] = await tabs(2)
    const topic = `life/${run}/blocked`
    await a!.subscribe(topic, 1, {})
    await b!.subscribe(topic, 1, {})
    a!.freeze() // its main thread stops: it confirms nothing
    const sent = Date.now()
    await publish(topic, 0, 2)
    await b!.until(() => b!.jobs().length === 2, 'the blocked tab\'s jobs in the other member', 8_000)
    expect(Date.now() - sent).toBeGreaterThanOrEqual(2_500)
    expect(b!.jobs().every((d) => d.redelivered)).toBe(true)
    // The jobs it had not read are withdrawn (told on its own port, which b's delivery may overtake): it will not start them.
    await a!.until(() => a!.jobs().length === 0, 'the blocked tab told that its jobs were withdrawn')
    a!.thaw()
    for (const job of b!.jobs()) b!.settle(job)
    await publish(topic, 2, 3)
    await a!.until(() => a!.jobs().length === 1, 'work again once it reads')
    expect(a!.jobs().map(text)).toEqual(['m2'])
  })
})
