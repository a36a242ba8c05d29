// Named sessions in one worker: linger, events, metrics and MQTT 5 (properties, request/response,
// topic aliases, reason codes), through the real tab facade against aedes (3.1.1) and mosquitto (5).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { HubError } from '../../src/errors.ts'
import type { Delivery } from '../../src/protocol.ts'
import type { HubEvent } from '../../src/public-types.ts'
import { startAedes, startMosquitto, type TestBroker } from '../../e2e/brokers.ts'
import { TestWorker, waitFor, type OpenOptions, type TestTab } from '../support/test-tab.ts'

const text = (d: Delivery) => new TextDecoder().decode(d.payload)
const types = (tab: TestTab, session?: string) => tab.hubEvents.filter((e) => !session || e.session === session).map((e) => e.type)

let aedes: TestBroker
let mosquitto: TestBroker
const opened: TestTab[] = []

beforeAll(async () => {
  ;[aedes, mosquitto] = await Promise.all([startAedes(), startMosquitto()])
})
afterAll(() => Promise.all([aedes.close(), mosquitto.close()]))
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tab) => tab.leave()))
})

async function open(worker: TestWorker, options: OpenOptions): Promise<TestTab> {
  const tab = worker.tab()
  opened.push(tab)
  await tab.open(options)
  await tab.until(() => tab.status === 'connected', `${options.name} connected`)
  return tab
}

describe('sessions of one worker', () => {
  it('keeps a session open for lingerMs after its last tab left; a tab opening it meanwhile takes it over', async () => {
    const worker = new TestWorker()
    await aedes.resetStats()
    const first = await open(worker, { url: aedes.url, name: 'bench', lingerMs: 400 })
    await first.leave()
    expect(worker.service.session('bench')?.tabs.size).toBe(0) // lingering, not closed
    expect((await aedes.stats()).connected).toBe(1)
    const reloaded = await open(worker, { url: aedes.url, name: 'bench', lingerMs: 400 })
    const since = Date.now()
    reloaded.crash()
    await waitFor(() => worker.service.session('bench') === undefined, 'the session to close after the linger')
    // It lingered again from the second tab's end, and closed with no CONNECT but the first.
    expect(Date.now() - since).toBeGreaterThanOrEqual(350)
    expect((await aedes.stats()).connects).toBe(1)
    await aedes.stats().then((stats) => expect(stats.connected).toBe(0))
  })

  it('tells every tab of every session when a session is added and removed', async () => {
    const worker = new TestWorker()
    const prod = await open(worker, { url: mosquitto.url, name: 'prod', mqtt: { protocolVersion: 5 } })
    const bench = await open(worker, { url: aedes.url, name: 'bench', lingerMs: 100 })
    await prod.until(() => prod.hubEvents.some((e) => e.type === 'sessionAdded' && e.session === 'bench'), 'sessionAdded')
    expect(bench.hubEvents.some((e) => e.type === 'sessionAdded' && e.session === 'bench')).toBe(true)
    expect((await prod.remote.sessions()).map((s) => [s.name, s.status, s.tabs]).sort()).toEqual([['bench', 'connected', 1], ['prod', 'connected', 1]])
    await bench.leave()
    await prod.until(() => prod.hubEvents.some((e) => e.type === 'sessionRemoved' && e.session === 'bench'), 'sessionRemoved after the linger')
    expect((await prod.remote.sessions()).map((s) => s.name)).toEqual(['prod'])
  })

  it('tells connection events in order, with the error and the attempt number, and counts reconnects and errors', async () => {
    const worker = new TestWorker()
    const tab = await open(worker, { url: aedes.url, name: 'events' })
    // This tab opened the session: it was attached after 'connecting', and hears the rest.
    await tab.until(() => types(tab).length === 3, 'three events')
    expect(types(tab)).toEqual(['sessionAdded', 'connected', 'stateChanged'])
    await aedes.stop()
    await tab.until(() => tab.status === 'offline', 'offline')
    await aedes.start()
    await tab.until(() => tab.hubEvents.some((e) => e.type === 'stateChanged' && e.to === 'connected' && e.from === 'reconnecting'), 'connected again', 8000)
    const after = tab.hubEvents.slice(3)
    const disconnected = after.find((e) => e.type === 'disconnected') as Extract<HubEvent, { type: 'disconnected' }>
    expect(disconnected.error.code).toBe('CONNECTION_LOST')
    expect(after.find((e) => e.type === 'reconnecting')).toMatchObject({ attempt: 1, session: 'events' })
    expect(after.filter((e) => e.type === 'stateChanged').map((e) => e.type === 'stateChanged' && `${e.from}>${e.to}`))
      .toEqual(['connected>offline', 'offline>reconnecting', 'reconnecting>connected'])
    const { traffic } = await tab.remote.metrics()
    expect(traffic.reconnects).toBeGreaterThanOrEqual(1)
    expect(traffic.errors).toBeGreaterThanOrEqual(1)
    expect(traffic.lastError?.code).toBe('CONNECTION_LOST')
  })

  it('tells SUBACK and UNSUBACK as subscribed/unsubscribed with the granted QoS, and counts local against broker subscriptions', async () => {
    const worker = new TestWorker()
    const [a, b] = [await open(worker, { url: aedes.url, name: 'subs' }), await open(worker, { url: aedes.url, name: 'subs' })]
    const filter = `subs/${Date.now()}/#`
    const ida = await a.subscribe(filter, 1)
    await b.subscribe(filter, 0)
    await b.subscribe(`${filter.slice(0, -2)}/x`)
    await b.until(() => b.hubEvents.filter((e) => e.type === 'subscribed').length === 2, 'two SUBACKs')
    expect(b.hubEvents.find((e) => e.type === 'subscribed')).toMatchObject({ filter, qos: 1, session: 'subs' })
    expect((await a.remote.metrics()).subscriptions).toEqual({ local: 3, broker: 2 })
    await a.remote.unsubscribe(ida)
    await b.leave()
    await a.until(() => a.hubEvents.some((e) => e.type === 'unsubscribed' && e.filter === filter), 'UNSUBACK')
    expect((await a.remote.metrics()).subscriptions).toEqual({ local: 0, broker: 0 })
  })

  it('counts messages and bytes in and out as the broker saw them, per session and for the whole hub', async () => {
    const worker = new TestWorker()
    const tab = await open(worker, { url: aedes.url, name: 'count' })
    const other = await open(worker, { url: mosquitto.url, name: 'other', mqtt: { protocolVersion: 5 } })
    await aedes.resetStats()
    const topic = `count/${Date.now()}`
    const id = await tab.subscribe(topic, 1)
    for (let i = 0; i < 10; i++) await tab.remote.publish({ topic, payload: '12345', qos: 1, retain: false })
    await tab.until(() => tab.received(id).length === 10, 'the messages back')
    await other.remote.publish({ topic: 'count/other', payload: 'abc', qos: 0, retain: false })
    await waitFor(async () => (await other.remote.metrics()).traffic.messagesOut === 1, 'the other session\'s publish sent')
    const { traffic } = await tab.remote.metrics()
    expect((await aedes.stats()).published).toBe(10)
    expect(traffic).toMatchObject({ messagesOut: 10, bytesOut: 50, messagesIn: 10, bytesIn: 50, errors: 0 })
    expect(traffic.messagesInPerSecond).toBe(2) // 10 messages over the 5-second window
    expect(traffic.lastMessageAt).toBeGreaterThan(Date.now() - 5_000)
    const all = await other.remote.hubMetrics()
    expect(all.sessions.map((s) => s.name).sort()).toEqual(['count', 'other'])
    expect(all.totals).toMatchObject({ sessions: 2, tabs: 2, messagesOut: 11, bytesOut: 53, messagesIn: 10 })
  })
})

describe('MQTT 5', () => {
  it('carries PUBLISH properties to every subscriber, QoS 0 and stored QoS 1 alike', async () => {
    const worker = new TestWorker()
    const [a, b] = [await open(worker, { url: mosquitto.url, name: 'p5', mqtt: { protocolVersion: 5 } }), await open(worker, { url: mosquitto.url, name: 'p5', mqtt: { protocolVersion: 5 } })]
    const topic = `props/${Date.now()}`
    const id = await b.subscribe(topic, 1)
    const properties = { contentType: 'application/json', userProperties: { tenant: 'acme', tags: ['a', 'b'] }, messageExpiryInterval: 60, payloadFormatIndicator: true }
    await a.remote.publish({ topic, payload: '{}', qos: 0, retain: false, properties })
    await a.remote.publish({ topic, payload: '{}', qos: 1, retain: false, properties: { ...properties, correlationData: new Uint8Array([1, 2, 3]) } })
    await b.until(() => b.received(id).length === 2, 'both messages')
    const [zero, one] = b.deliveries
    expect(zero!.properties).toMatchObject({ contentType: 'application/json', userProperties: { tenant: 'acme', tags: ['a', 'b'] }, payloadFormatIndicator: true })
    expect(zero!.properties?.messageExpiryInterval).toBeLessThanOrEqual(60)
    expect(Array.from(one!.properties!.correlationData!)).toEqual([1, 2, 3])
  })

  it('answers a request of one tab by another: one reply subscription per session, the answer only to the requester [MQTT-4.10]', async () => {
    const worker = new TestWorker()
    await mosquitto.resetStats()
    const options = { url: mosquitto.url, name: 'rpc', mqtt: { protocolVersion: 5 as const } }
    const [requester, responder] = [await open(worker, options), await open(worker, options)]
    const service = `rpc/${Date.now()}/echo`
    const id = await responder.subscribe(service, 1)
    let answered = 0
    responder.until(() => {
      for (const d of responder.deliveries.slice(answered)) {
        answered++
        void responder.remote.publish({ topic: d.properties!.responseTopic!, payload: `echo ${text(d)}`, qos: 1, retain: false, properties: { correlationData: d.properties!.correlationData! } })
      }
      return false
    }, 'never', 20_000).catch(() => {})
    const [one, two] = await Promise.all([
      requester.remote.request({ topic: service, payload: 'one', qos: 1, timeoutMs: 5_000 }),
      requester.remote.request({ topic: service, payload: 'two', qos: 0, timeoutMs: 5_000 }),
    ])
    expect([text(one), text(two)]).toEqual(['echo one', 'echo two'])
    expect(responder.received(id)).toHaveLength(2)
    expect(requester.deliveries).toHaveLength(0) // answers come back as the call's result, not as deliveries
    expect(responder.deliveries.every((d) => d.topic === service)).toBe(true)
    const replySubscribes = (await mosquitto.stats()).subscribes.filter((s) => s.filter.startsWith('mqtt-hub/replies/'))
    expect(replySubscribes).toHaveLength(1)
  })

  it('times out a request nobody answers with TIMEOUT, and refuses request() under MQTT 3.1.1 with MQTT5_REQUIRED', async () => {
    const worker = new TestWorker()
    const v5 = await open(worker, { url: mosquitto.url, name: 'lonely', mqtt: { protocolVersion: 5 } })
    const v4 = await open(worker, { url: aedes.url, name: 'old' })
    const codes = await Promise.all([
      v5.remote.request({ topic: 'nobody/listens', payload: 'x', qos: 0, timeoutMs: 200 }),
      v4.remote.request({ topic: 'x', payload: 'x', qos: 0, timeoutMs: 200 }),
    ].map((call) => call.then(() => 'answered', (error: HubError) => error.code)))
    expect(codes).toEqual(['TIMEOUT', 'MQTT5_REQUIRED'])
  })

  it('sends repeated topics with a topic alias where the broker offers them, and they arrive under their topic [MQTT-3.3.2-12]', async () => {
    const worker = new TestWorker()
    const [a, b] = [await open(worker, { url: mosquitto.url, name: 'alias', mqtt: { protocolVersion: 5 } }), await open(worker, { url: mosquitto.url, name: 'watch', mqtt: { protocolVersion: 5 } })]
    const topic = `alias/${Date.now()}/a/rather/long/topic/name`
    const id = await b.subscribe(topic)
    for (let i = 0; i < 5; i++) await a.remote.publish({ topic, payload: `m${i}`, qos: i % 2 === 0 ? 0 : 1, retain: false })
    await b.until(() => b.received(id).length === 5, 'all five')
    expect(b.received(id)).toEqual([0, 1, 2, 3, 4].map((i) => `${topic} m${i}`))
    expect((await a.remote.metrics()).traffic.messagesOutAliased).toBe(5) // mosquitto offers 10 aliases
  })

  it('refuses one filter with two different subscription options, and sends noLocal to the broker [MQTT-3.8.3-3]', async () => {
    const worker = new TestWorker()
    const [a, b] = [await open(worker, { url: mosquitto.url, name: 'nl', mqtt: { protocolVersion: 5 } }), await open(worker, { url: mosquitto.url, name: 'nl', mqtt: { protocolVersion: 5 } })]
    const topic = `nl/${Date.now()}`
    const own = 1
    await a.remote.subscribe({ id: own, filter: topic, qos: 0, options: { noLocal: true } })
    const code = await b.remote.subscribe({ id: 1, filter: topic, qos: 0 }).then(() => 'accepted', (e: HubError) => e.code)
    expect(code).toBe('INVALID_OPTIONS')
    await a.remote.publish({ topic, payload: 'mine', qos: 1, retain: false })
    await mosquitto.publish(topic, 'theirs')
    await a.until(() => a.received(own).length === 1, 'the other publisher\'s message')
    // mosquitto forwards in order: had 'mine' come back, it would be first.
    expect(a.received(own)).toEqual([`${topic} theirs`])
  })

  it('refuses bad MQTT 5 properties, subscription options and linger with INVALID_OPTIONS, and the connection lives on [MQTT-3.3.2-14]', async () => {
    const worker = new TestWorker()
    const tab = await open(worker, { url: mosquitto.url, name: 'bad', mqtt: { protocolVersion: 5 } })
    const publish = (properties: object) => tab.remote.publish({ topic: 'bad/x', payload: 'x', qos: 0, retain: false, properties } as never)
    const codes = await Promise.all([
      publish({ responseTopic: 'replies/+' }),
      publish({ correlationData: 'not bytes' }),
      publish({ messageExpiryInterval: -1 }),
      publish({ userProperties: { n: 1 } }),
      publish({ topicAlias: 3 }),
      tab.remote.subscribe({ id: 7, filter: 'bad/#', qos: 0, options: { retainHandling: 3 as 0 } }),
      tab.remote.request({ topic: 'bad/svc', payload: 'x', qos: 0, timeoutMs: 100, properties: { responseTopic: 'mine' } as never }),
      worker.tab().open({ url: aedes.url, name: 'linger', lingerMs: -5 }),
    ].map((call) => call.then(() => 'accepted', (error: HubError) => error.code)))
    expect(codes).toEqual(['INVALID_TOPIC_NAME', ...Array(7).fill('INVALID_OPTIONS')])
    expect(tab.status).toBe('connected')
    expect((await tab.remote.metrics()).traffic.errors).toBe(0)
  })

  it('gives the broker\'s reason code with a refused CONNECT (error.reasonCode) [MQTT-3.2.2-6]', async () => {
    const worker = new TestWorker()
    const tab = worker.tab()
    opened.push(tab)
    // mosquitto without an auth plugin refuses an enhanced authentication method: 0x8C Bad authentication method.
    await tab.open({ url: mosquitto.url, name: 'refused', mqtt: { protocolVersion: 5, properties: { authenticationMethod: 'SCRAM-SHA-1' } } })
    await tab.until(() => tab.statuses.some((s) => s.error?.code === 'CONNECTION_REFUSED'), 'the refusal')
    expect(tab.statuses.find((s) => s.error?.code === 'CONNECTION_REFUSED')!.error!.reasonCode).toBe(0x8c)
    expect((await tab.remote.metrics()).traffic.lastError).toMatchObject({ code: 'CONNECTION_REFUSED', reasonCode: 0x8c })
  })

  it('refuses a persistent session without a client id with INVALID_OPTIONS (MQTT.js would throw inside the worker) [MQTT-3.1.3-8]', async () => {
    const tab = new TestWorker().tab()
    opened.push(tab)
    const code = await tab.open({ url: aedes.url, name: 'noid', mqtt: { clientId: '', clean: false } }).then(() => 'opened', (e: HubError) => e.code)
    expect(code).toBe('INVALID_OPTIONS')
  })
})
