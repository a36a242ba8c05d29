// What RabbitMQ 3.10 (MQTT and Web MQTT plugins) really does, measured with plain MQTT.js clients:
// the facts the hub's routing relies on there, pinned against the real broker.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient, type Packet } from 'mqtt'
import type { TestBroker } from './brokers.ts'
import { startRabbitMQ } from './rabbitmq.ts'

interface Received { topic: string; payload: string; retain: boolean; qos: number }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

describe('RabbitMQ 3.10 test broker (MQTT 3.1.1)', { timeout: 90_000 }, () => {
  let broker: TestBroker
  let clients: MqttClient[] = []
  let topicCount = 0
  const freshTopic = () => `rabbit${Date.now()}x${++topicCount}`

  beforeAll(async () => {
    broker = await startRabbitMQ()
  }, 90_000)
  afterAll(() => broker?.close(), 30_000)
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)))
    clients = []
    await waitFor(async () => (await broker.stats()).connected === 0, 'clients to go')
    await broker.resetStats()
  })

  async function connect(clientId: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const client = await mqtt.connectAsync(broker.url, { clientId, reconnectPeriod: 0, connectTimeout: 5000, ...options }, false)
    clients.push(client)
    return client
  }

  function record(client: MqttClient): Received[] {
    const received: Received[] = []
    client.on('message', (topic, payload, packet) => {
      received.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos })
    })
    return received
  }

  /**
   * Publishes `payload` and then an end marker to one topic, and waits for `copies` copies of the
   * marker: each of RabbitMQ's per-QoS queues delivers in order, so every copy of the payload is in.
   */
  async function copiesOf(publisher: MqttClient, received: Received[], topic: string, payload: string, qos: 0 | 1, copies: number): Promise<Received[]> {
    await publisher.publishAsync(topic, payload, { qos })
    await publisher.publishAsync(topic, `${payload}-end`, { qos })
    await waitFor(() => received.filter((m) => m.payload === `${payload}-end`).length >= copies, `${copies} end markers`)
    return received.filter((m) => m.payload === payload)
  }

  it('counts connections, SUBSCRIBE and UNSUBSCRIBE entries and client publishes through its proxy', async () => {
    const t = freshTopic()
    const a = await connect('stats-a')
    await a.subscribeAsync({ [`${t}/+/x`]: { qos: 1 }, [`${t}/#`]: { qos: 0 } })
    await a.unsubscribeAsync(`${t}/#`)
    await a.publishAsync(`${t}/a/x`, 'from a client', { qos: 1 })
    await broker.publish(`${t}/a/x`, 'from the broker side')
    const stats = await broker.stats()
    expect(stats).toMatchObject({ connected: 1, connects: 1, clients: ['stats-a'], published: 1 })
    expect(stats.subscribes.map(({ filter, qos }) => ({ filter, qos }))).toEqual([{ filter: `${t}/+/x`, qos: 1 }, { filter: `${t}/#`, qos: 0 }])
    expect(stats.unsubscribes.map(({ filter }) => filter)).toEqual([`${t}/#`])
  })

  it('sends one copy per distinct granted QoS among the overlapping subscriptions of one client', async () => {
    const t = freshTopic()
    const a = await connect('overlap')
    const received = record(a)
    await a.subscribeAsync({
      [`${t}/mixed/+`]: { qos: 0 }, [`${t}/mixed/#`]: { qos: 1 },
      [`${t}/same/+`]: { qos: 1 }, [`${t}/same/#`]: { qos: 1 },
      [`${t}/two/+`]: { qos: 2 }, [`${t}/two/#`]: { qos: 1 },
    })
    const publisher = await connect('overlap-pub')
    // QoS 0 and QoS 1 filters: two copies, at QoS 0 and 1 for a QoS 1 message, both QoS 0 for a QoS 0 one.
    expect((await copiesOf(publisher, received, `${t}/mixed/x`, 'm1', 1, 2)).map((m) => m.qos).sort()).toEqual([0, 1])
    expect((await copiesOf(publisher, received, `${t}/mixed/x`, 'm0', 0, 2)).map((m) => m.qos)).toEqual([0, 0])
    // Filters of one QoS: one copy; QoS 2 is granted as 1, so 2 and 1 are one QoS.
    expect(await copiesOf(publisher, received, `${t}/same/x`, 's1', 1, 1)).toHaveLength(1)
    expect(await copiesOf(publisher, received, `${t}/two/x`, 't1', 1, 1)).toHaveLength(1)
  })

  it('keeps the old QoS of a filter subscribed again at another QoS (not replaced, unlike [MQTT-3.8.4-3]); UNSUBSCRIBE drops both', async () => {
    const t = freshTopic()
    const a = await connect('raise')
    const received = record(a)
    await a.subscribeAsync({ [`${t}/+`]: { qos: 0 }, [`${t}/#`]: { qos: 1 } })
    const publisher = await connect('raise-pub')
    expect(await copiesOf(publisher, received, `${t}/x`, 'before', 1, 2)).toHaveLength(2)
    await a.subscribeAsync(`${t}/+`, { qos: 1 })
    expect(await copiesOf(publisher, received, `${t}/x`, 'raised', 1, 2)).toHaveLength(2)
    await a.unsubscribeAsync(`${t}/+`)
    await a.subscribeAsync(`${t}/+`, { qos: 1 })
    expect(await copiesOf(publisher, received, `${t}/x`, 'again', 1, 1)).toHaveLength(1)
    expect(await copiesOf(publisher, received, `${t}/x`, 'again0', 0, 1)).toHaveLength(1)
  })

  it('sends retained messages for an exact-topic SUBSCRIBE, again on a re-subscribe, and none for a wildcard one', async () => {
    const t = freshTopic()
    await broker.publish(`${t}/r`, 'stored', { qos: 1, retain: true })
    const a = await connect('retain')
    const received = record(a)
    const suback = (granted: Array<{ qos: number }>) => granted.map((g) => g.qos)
    expect(suback(await a.subscribeAsync(`${t}/+`, { qos: 1 }))).toEqual([1])
    expect(suback(await a.subscribeAsync(`${t}/#`, { qos: 1 }))).toEqual([1])
    await a.subscribeAsync(`${t}/r`, { qos: 1 })
    await waitFor(() => received.length === 1, 'the retained message of the exact topic')
    await a.subscribeAsync(`${t}/r`, { qos: 1 })
    await waitFor(() => received.length === 2, 'the retained message again')
    // The wildcard subscriptions were made first and are still held: had they had the retained
    // message, it would have arrived before the exact topic's (one connection, one order).
    expect(received).toEqual([
      { topic: `${t}/r`, payload: 'stored', retain: true, qos: 1 },
      { topic: `${t}/r`, payload: 'stored', retain: true, qos: 1 },
    ])
  })

  it('grants QoS 2 as 1 and answers a QoS 2 PUBLISH with PUBACK', async () => {
    const t = freshTopic()
    const a = await connect('qos2')
    expect((await a.subscribeAsync(`${t}/q`, { qos: 2 })).map((g) => g.qos)).toEqual([1])
    const acks: string[] = []
    a.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') acks.push(packet.cmd)
    })
    const received = record(a)
    await a.publishAsync(`${t}/q`, 'two', { qos: 2 })
    await waitFor(() => received.length === 1, 'the message')
    expect(acks).toEqual(['puback'])
    expect(received[0]).toMatchObject({ payload: 'two', qos: 1 })
  })

  it("takes '.' in a topic for a level separator: a message to a.b/c arrives as a/b/c", async () => {
    const t = freshTopic()
    const a = await connect('dots')
    const received = record(a)
    await a.subscribeAsync(`${t}/v1.2/x`, { qos: 1 })
    await a.subscribeAsync(`${t}/end`, { qos: 1 })
    const publisher = await connect('dots-pub')
    await publisher.publishAsync(`${t}/v1.2/x`, 'dotted', { qos: 1 })
    await publisher.publishAsync(`${t}/end`, 'end', { qos: 1 })
    await waitFor(() => received.some((m) => m.payload === 'end'), 'the end marker')
    expect(received.map((m) => `${m.topic} ${m.payload}`)).toEqual([`${t}/v1/2/x dotted`, `${t}/end end`])
  })

  it('takes $share/group/filter as an ordinary filter: a message to the filter does not reach it', async () => {
    const t = freshTopic()
    const a = await connect('share')
    const received = record(a)
    expect((await a.subscribeAsync(`$share/g/${t}/s`, { qos: 1 })).map((g) => g.qos)).toEqual([1])
    await a.subscribeAsync(`${t}/end`, { qos: 1 })
    const publisher = await connect('share-pub')
    await publisher.publishAsync(`${t}/s`, 'shared?', { qos: 1 })
    await publisher.publishAsync(`$share/g/${t}/s`, 'literal', { qos: 1 })
    await publisher.publishAsync(`${t}/end`, 'end', { qos: 1 })
    await waitFor(() => received.some((m) => m.payload === 'end'), 'the end marker')
    expect(received.map((m) => m.payload)).toEqual(['literal', 'end'])
  })

  it('keeps a persistent session and its queued QoS 1 messages across a SIGKILL (sessionPresent true)', async () => {
    const t = freshTopic()
    const sub = await connect('persistent', { clean: false })
    await sub.subscribeAsync(`${t}/p`, { qos: 1 })
    await sub.endAsync()
    clients = clients.filter((c) => c !== sub)
    await broker.publish(`${t}/p`, 'queued', { qos: 1 })
    await broker.stop()
    await broker.start()
    const back = mqtt.connect(broker.url, { clientId: 'persistent', clean: false, reconnectPeriod: 0, manualConnect: true })
    clients.push(back)
    const received = record(back)
    const connack = new Promise<boolean>((resolve) => back.once('connect', (packet) => resolve(packet.sessionPresent)))
    back.connect()
    expect(await connack).toBe(true)
    await waitFor(() => received.length === 1, 'the queued message')
    expect(received[0]).toMatchObject({ payload: 'queued', qos: 1 })
  })
})
