// The worker's behaviour through its real tab facade (Comlink over MessageChannel), against real
// brokers: aedes in-process (MQTT 3.1.1) and a mosquitto process (MQTT 3.1.1 and 5).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { HubError } from '../../src/errors.ts'
import { startAedes, startMosquitto, type TestBroker } from '../../e2e/brokers.ts'
import { TestWorker, waitFor, type TestTab } from '../support/test-tab.ts'


const targets = [
  { broker: 'aedes', protocolVersion: 4 },
  { broker: 'mosquitto', protocolVersion: 4 },
  { broker: 'mosquitto', protocolVersion: 5 },
] as const

describe.each(targets)('hub worker on $broker with MQTT protocol $protocolVersion', ({ broker: kind, protocolVersion }) => {
  let broker: TestBroker
  let worker: TestWorker
  const opened: TestTab[] = []

  beforeAll(async () => {
    broker = kind === 'aedes' ? await startAedes() : await startMosquitto()
  })
  afterAll(() => broker.close())
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((tab) => tab.leave()))
  })

  async function openTabs(count: number, name = 'default'): Promise<TestTab[]> {
    worker ??= new TestWorker()
    const tabs = Array.from({ length: count }, () => worker.tab())
    opened.push(...tabs)
    for (const tab of tabs) await tab.open({ url: broker.url, name, mqtt: { protocolVersion } })
    await tabs[0]!.until(() => tabs[0]!.status === 'connected', 'connected')
    return tabs
  }

  /** Distinct per test, so that retained messages and subscriptions of other tests do not interfere. */
  let run = 0
  const prefix = (): string => `t${protocolVersion}-${++run}-${Date.now()}`

  it('opens one broker connection and one SUBSCRIBE for a filter held by 4 tabs', async () => {
    worker = new TestWorker()
    await broker.resetStats()
    const p = prefix()
    const tabs = await openTabs(4)
    const ids: number[] = []
    for (const tab of tabs) ids.push(await tab.subscribe(`${p}/+`, 1))
    await broker.publish(`${p}/x`, 'hello', { qos: 1 })
    for (const [i, tab] of tabs.entries()) await tab.until(() => tab.received(ids[i]!).length === 1, 'the message')

    const stats = await broker.stats()
    expect(stats.connects).toBe(1)
    expect(stats.subscribes.filter((s) => s.filter === `${p}/+`)).toHaveLength(1)
  })

  it('sends UNSUBSCRIBE only after the last tab leaves, also when a tab crashes', async () => {
    worker = new TestWorker()
    const p = prefix()
    const [a, b, c] = await openTabs(3)
    const filter = `${p}/#`
    await a!.subscribe(filter)
    await b!.subscribe(filter)
    await c!.subscribe(filter)
    await broker.resetStats()

    await a!.remote.close()
    b!.crash() // the tab's Web Lock was released: closed, reloaded or crashed
    await waitFor(async () => (await c!.remote.metrics()).tabs === 1, 'two tabs released')
    expect((await c!.remote.metrics()).subscriptions).toEqual({ local: 1, broker: 1 })

    await c!.remote.unsubscribe(1)
    await waitFor(async () => (await broker.stats()).unsubscribes.some((u) => u.filter === filter), 'the UNSUBSCRIBE')
    // Nothing was sent for the first two: the broker saw exactly one UNSUBSCRIBE, after the last tab.
    expect((await broker.stats()).unsubscribes.filter((u) => u.filter === filter)).toHaveLength(1)
  })

  it('holds the highest QoS any tab asked for, raising and lowering it with SUBSCRIBE', async () => {
    worker = new TestWorker()
    const p = prefix()
    const [a, b] = await openTabs(2)
    const filter = `${p}/q`
    await broker.resetStats()
    await a!.subscribe(filter, 0)
    const high = await b!.subscribe(filter, 2)
    await b!.remote.unsubscribe(high)
    await waitFor(async () => (await broker.stats()).subscribes.filter((s) => s.filter === filter).length === 3, 'the third SUBSCRIBE')
    const qosSent = (await broker.stats()).subscribes.filter((s) => s.filter === filter).map((s) => s.qos)
    expect(qosSent).toEqual([0, 2, 0])
  })

  it('calls every handler exactly once per matching message when filters of several tabs overlap', async () => {
    worker = new TestWorker()
    const p = prefix()
    const [a, b] = await openTabs(2)
    const subs = [
      [a!, await a!.subscribe(`${p}/+/c`)],
      [a!, await a!.subscribe(`${p}/#`)],
      [b!, await b!.subscribe(`${p}/b/+`)],
      [b!, await b!.subscribe(`${p}/#`, 1)],
      [b!, await b!.subscribe(`${p}/x/+`)],
    ] as const
    await broker.publish(`${p}/b/c`, 'one', { qos: 1 })
    await broker.publish(`${p}/z/c`, 'two', { qos: 0 })
    // A last message every tab gets on its `#` filter: once it is there, everything before it is too.
    await broker.publish(`${p}/end`, 'end', { qos: 1 })
    await a!.until(() => a!.received(subs[1][1]).length === 3, 'the end marker in the first tab')
    await b!.until(() => b!.received(subs[3][1]).length === 3, 'the end marker in the second tab')

    expect(subs.map(([tab, id]) => tab.received(id))).toEqual([
      [`${p}/b/c one`, `${p}/z/c two`],
      [`${p}/b/c one`, `${p}/z/c two`, `${p}/end end`],
      [`${p}/b/c one`],
      [`${p}/b/c one`, `${p}/z/c two`, `${p}/end end`],
      [],
    ])
    // One delivery per tab and copy, however many of the tab's filters it matches. mosquitto
    // with MQTT 5 sends a copy per matching subscription (a/+/c and a/#), the others one copy.
    expect(a!.deliveries.filter((d) => d.topic === `${p}/b/c`)).toHaveLength(kind === 'mosquitto' && protocolVersion === 5 ? 2 : 1)
  })

  it('gives a later tab the retained messages once, and the other tabs not again [MQTT-3.8.4-3]', async () => {
    worker = new TestWorker()
    const p = prefix()
    await broker.publish(`${p}/1`, 'r1', { qos: 1, retain: true })
    await broker.publish(`${p}/2`, 'r2', { qos: 1, retain: true })
    const [a, b, c] = await openTabs(3)
    const first = await a!.subscribe(`${p}/+`, 1)
    await a!.until(() => a!.received(first).length === 2, 'retained for the first tab')
    const second = await b!.subscribe(`${p}/+`, 1)
    await b!.until(() => b!.received(second).length === 2, 'retained for the second tab')
    const overlapping = await c!.subscribe(`${p}/1`)
    await c!.until(() => c!.received(overlapping).length === 1, 'retained for an overlapping filter')
    await broker.publish(`${p}/1`, 'live', { qos: 1 })
    await a!.until(() => a!.received(first).length === 3, 'the live message in the first tab')
    await b!.until(() => b!.received(second).length === 3, 'the live message in the second tab')
    await c!.until(() => c!.received(overlapping).length === 2, 'the live message in the third tab')

    expect(a!.received(first).sort()).toEqual([`${p}/1 live`, `${p}/1 r1`, `${p}/2 r2`])
    expect(b!.received(second).sort()).toEqual([`${p}/1 live`, `${p}/1 r1`, `${p}/2 r2`])
    expect(c!.received(overlapping)).toEqual([`${p}/1 r1`, `${p}/1 live`])
    expect(a!.deliveries.filter((d) => d.retain)).toHaveLength(2)
    expect(b!.deliveries.filter((d) => d.retain).map((d) => d.topic).sort()).toEqual([`${p}/1`, `${p}/2`])
  })

  it('rejects a tab asking for the same name with another URL or options with CONFIG_MISMATCH, without secrets', async () => {
    worker = new TestWorker()
    await openTabs(1, 'shared')
    const other = worker.tab()
    opened.push(other)
    const error = await other
      .open({ url: broker.url, name: 'shared', mqtt: { protocolVersion, password: 'hunter2', username: 'u' } })
      .catch((e: HubError) => e)
    expect(error).toMatchObject({ name: 'HubError', code: 'CONFIG_MISMATCH' })
    expect((error as Error).message).toContain('mqtt.password')
    expect((error as Error).message).not.toContain('hunter2')
    // The rejected tab can still open its own connection under another name.
    await other.open({ url: broker.url, name: 'other', mqtt: { protocolVersion } })
    await other.until(() => other.status === 'connected', 'the second connection')
  })

  it('checks what a tab sends even when it bypasses the stub, so the shared connection survives [MQTT-4.7.1-2] [MQTT-3.3.2-2]', async () => {
    worker = new TestWorker()
    const p = prefix()
    const [rogue, good] = await openTabs(2)
    const id = await good!.subscribe(`${p}/#`)
    const codes = await Promise.all([
      rogue!.remote.subscribe({ id: 90, filter: 'a/#/b', qos: 0 }),
      rogue!.remote.subscribe({ id: 91, filter: 'ok', qos: 3 as 0 }),
      rogue!.remote.publish({ topic: 'a/+', payload: 'x', qos: 0, retain: false }),
      rogue!.remote.publish({ topic: 'ok', payload: { not: 'bytes' } as unknown as string, qos: 0, retain: false }),
    ].map((call) => call.then(() => 'accepted', (error: HubError) => error.code)))
    expect(codes).toEqual(['INVALID_TOPIC_FILTER', 'INVALID_QOS', 'INVALID_TOPIC_NAME', 'INVALID_PAYLOAD'])
    await rogue!.remote.publish({ topic: `${p}/fine`, payload: 'still shared', qos: 1, retain: false })
    await good!.until(() => good!.received(id).length === 1, 'a message after the rejected calls')
    expect(good!.status).toBe('connected')
    expect((await broker.stats()).connected).toBe(1)
  })

  it('reconnects after a broker outage, subscribes again and delivers again', async () => {
    worker = new TestWorker()
    const p = prefix()
    const [a, b] = await openTabs(2)
    const ida = await a!.subscribe(`${p}/#`, 1)
    const idb = await b!.subscribe(`${p}/#`)
    await broker.stop()
    await a!.until(() => a!.status === 'offline', 'offline')
    expect(a!.statuses.at(-1)?.error?.code).toBe('CONNECTION_LOST')
    await broker.start()
    await a!.until(() => a!.status === 'connected', 'connected again', 8000)
    await b!.until(() => b!.status === 'connected', 'connected again in the other tab')
    // The re-SUBSCRIBE goes out right after CONNACK: wait for the broker to hold it.
    await waitFor(async () => (await a!.remote.inspect()).broker.some((f) => f.filter === `${p}/#`), 'the filter subscribed again')
    await broker.publish(`${p}/after`, 'back', { qos: 1 })
    await a!.until(() => a!.received(ida).length === 1, 'a message after the outage')
    await b!.until(() => b!.received(idb).length === 1, 'a message after the outage')
    expect(a!.statuses.map((s) => s.status)).toEqual(expect.arrayContaining(['offline', 'reconnecting', 'connected']))
  })
})
