// The test brokers report what clients really sent, and behave as the hub's tests assume.
// Every broker fact the hub relies on is pinned here, against the real aedes and mosquitto.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt'
import { startAedes, startMosquitto, type TestBroker } from './brokers.ts'

interface Received { topic: string; payload: string; retain: boolean; qos: number; subscriptionId?: number }

const BROKERS = [
  { kind: 'aedes', protocolVersion: 4 }, // aedes 1.x refuses MQTT 5
  { kind: 'mosquitto', protocolVersion: 4 },
  { kind: 'mosquitto', protocolVersion: 5 },
] as const

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

describe.each(BROKERS)('$kind test broker, MQTT v$protocolVersion', ({ kind, protocolVersion }) => {
  let broker: TestBroker
  let clients: MqttClient[] = []
  let topicCount = 0
  /** a topic prefix no other test uses (retained messages outlive tests) */
  const freshTopic = () => `test${++topicCount}`

  beforeAll(async () => {
    broker = kind === 'aedes' ? await startAedes() : await startMosquitto()
  })
  afterAll(() => broker.close())
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)))
    clients = []
    await waitFor(async () => (await broker.stats()).connected === 0, 'clients to go')
    await broker.resetStats()
  })

  async function connect(clientId: string): Promise<MqttClient> {
    // reconnectPeriod 0: MQTT.js would otherwise skip a SUBSCRIBE to a filter it already holds.
    const client = await mqtt.connectAsync(`${broker.url}/mqtt`, {
      clientId, protocolVersion, reconnectPeriod: 0, connectTimeout: 2000,
    }, false)
    clients.push(client)
    return client
  }

  function record(client: MqttClient): Received[] {
    const received: Received[] = []
    client.on('message', (topic, payload, packet) => {
      const ids = packet.properties?.subscriptionIdentifier
      received.push({
        topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos,
        ...(ids === undefined ? {} : { subscriptionId: Array.isArray(ids) ? ids[0] : ids }),
      })
    })
    return received
  }

  it('counts connections, each SUBSCRIBE and UNSUBSCRIBE entry, and client publishes', async () => {
    const t = freshTopic()
    const a = await connect('stats-a')
    const b = await connect('stats-b')
    await a.subscribeAsync({ [`${t}/+/x`]: { qos: 1 }, [`${t}/#`]: { qos: 0 } })
    await b.subscribeAsync(`${t}/a/x`, { qos: 2 })
    await a.unsubscribeAsync(`${t}/#`)
    await b.publishAsync(`${t}/a/x`, 'from a client', { qos: 1 })
    await broker.publish(`${t}/a/x`, 'from the broker side')

    const stats = await broker.stats()
    expect(stats.connected).toBe(2)
    expect(stats.connects).toBe(2)
    expect([...stats.clients].sort()).toEqual(['stats-a', 'stats-b'])
    expect(stats.subscribes.map(({ clientId, filter, qos }) => ({ clientId, filter, qos }))).toEqual([
      { clientId: 'stats-a', filter: `${t}/+/x`, qos: 1 },
      { clientId: 'stats-a', filter: `${t}/#`, qos: 0 },
      { clientId: 'stats-b', filter: `${t}/a/x`, qos: 2 },
    ])
    expect(stats.unsubscribes.map(({ clientId, filter }) => ({ clientId, filter }))).toEqual([
      { clientId: 'stats-a', filter: `${t}/#` },
    ])
    expect(stats.published).toBe(1)

    await a.endAsync()
    expect(await broker.stats()).toMatchObject({ connected: 1, clients: ['stats-b'] })
    b.stream.destroy() // a tab that crashes sends no DISCONNECT
    await waitFor(async () => (await broker.stats()).connected === 0, 'the dropped client to be gone')
    // Going away is not an UNSUBSCRIBE (aedes emits one internally; it must not count).
    expect((await broker.stats()).unsubscribes).toHaveLength(1)
  })

  it('resetStats() forgets counted events but not who is connected', async () => {
    const a = await connect('reset-a')
    await a.subscribeAsync(`${freshTopic()}/x`)
    await broker.resetStats()
    expect(await broker.stats()).toEqual({
      connected: 1, connects: 0, clients: ['reset-a'], subscribes: [], unsubscribes: [], published: 0,
    })
  })

  it('counts a client id taken over by a new connection once [MQTT-3.1.4-2]', async () => {
    const first = await connect('takeover')
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()))
    const second = await connect('takeover')
    await firstClosed
    expect(await broker.stats()).toMatchObject({ connected: 1, connects: 2, clients: ['takeover'] })
    await second.endAsync()
    expect((await broker.stats()).connected).toBe(0)
  })

  it('stop() drops every connection and refuses new ones; start() accepts them again', async () => {
    const a = await connect('outage-a')
    const dropped = new Promise<void>((resolve) => a.once('close', () => resolve()))
    await broker.stop()
    await dropped
    expect(await broker.stats()).toMatchObject({ connected: 0, clients: [] })
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 1000 }, false)).rejects.toThrow()

    await broker.start()
    await connect('outage-b')
    expect(await broker.stats()).toMatchObject({ connected: 1, clients: ['outage-b'], connects: 2 })
  })

  it('sends retained messages with retain=1 on subscription and retain=0 when forwarding live [MQTT-3.3.1-8, MQTT-3.3.1-9]', async () => {
    const t = freshTopic()
    await broker.publish(`${t}/r`, 'stored', { qos: 1, retain: true })
    const a = await connect('retain-sub')
    const received = record(a)
    await a.subscribeAsync(`${t}/#`, { qos: 1 })
    await waitFor(() => received.length === 1, 'the retained message')

    const publisher = await connect('retain-pub')
    const retained: IClientPublishOptions = { qos: 1, retain: true }
    await publisher.publishAsync(`${t}/r`, 'live from a client', retained)
    await broker.publish(`${t}/r`, 'live from the broker side', { qos: 1, retain: true })
    await waitFor(() => received.length === 3, 'the live messages')

    expect(received.map(({ payload, retain }) => ({ payload, retain }))).toEqual([
      { payload: 'stored', retain: true },
      { payload: 'live from a client', retain: false },
      { payload: 'live from the broker side', retain: false },
    ])
  })

  it('re-sends retained messages when the same filter is subscribed again [MQTT-3.8.4-3]', async () => {
    const t = freshTopic()
    await broker.publish(`${t}/r`, 'stored', { qos: 1, retain: true })
    const a = await connect('resubscribe')
    const received = record(a)
    await a.subscribeAsync(`${t}/#`, { qos: 1 })
    await waitFor(() => received.length === 1, 'the retained message')
    await a.subscribeAsync(`${t}/#`, { qos: 1 })
    await waitFor(() => received.length === 2, 'the retained message again')

    expect(received.map(({ payload, retain }) => ({ payload, retain }))).toEqual([
      { payload: 'stored', retain: true },
      { payload: 'stored', retain: true },
    ])
    expect((await broker.stats()).subscribes).toHaveLength(2)
  })

  it('sends SUBACK before the retained messages of the subscription', async () => {
    // On the wire SUBACK comes first on both brokers. MQTT.js 5.16 settles the subscribe promise
    // (and calls the callback) a microtask later, so retained PUBLISHes read in the same chunk are
    // emitted as 'message' before it (always seen on mosquitto, on aedes for a re-subscribe): a
    // retained message can reach 'message' before subscribe() resolves.
    const t = freshTopic()
    await broker.publish(`${t}/one`, '1', { qos: 1, retain: true })
    await broker.publish(`${t}/two`, '2', { qos: 0, retain: true })
    const a = await connect('suback-order')
    const wire: string[] = []
    a.on('packetreceive', (packet) => {
      if (packet.cmd === 'suback' || packet.cmd === 'publish') wire.push(packet.cmd)
    })
    await a.subscribeAsync(`${t}/#`, { qos: 1 })
    await waitFor(() => wire.length === 3, 'SUBACK and two retained messages')
    await a.subscribeAsync(`${t}/#`, { qos: 1 })
    await waitFor(() => wire.length === 6, 'SUBACK and two retained messages again')
    expect(wire).toEqual(['suback', 'publish', 'publish', 'suback', 'publish', 'publish'])
  })

  it(protocolVersion === 5
    ? 'sends one copy per matching subscription, the subscription identifier on its own copy (MQTT 5)'
    : 'sends one copy of a message that matches overlapping subscriptions (MQTT 3.1.1)', async () => {
    const t = freshTopic()
    const a = await connect('overlap')
    const received = record(a)
    await a.subscribeAsync({ [`${t}/+/c`]: { qos: 1 }, [`${t}/#`]: { qos: 1 } })
    await a.subscribeAsync(`${t}/b/+`, { qos: 1, ...(protocolVersion === 5 ? { properties: { subscriptionIdentifier: 7 } } : {}) })
    const publisher = await connect('overlap-pub')
    await publisher.publishAsync(`${t}/b/c`, 'once', { qos: 1 })

    const copies = protocolVersion === 5 ? 3 : 1
    await waitFor(() => received.length === copies, `${copies} copies`)
    await sleep(100) // and no more
    expect(received).toHaveLength(copies)
    if (protocolVersion === 5) {
      expect(received.map((m) => m.subscriptionId ?? null).sort()).toEqual([7, null, null])
    }
  })
})
