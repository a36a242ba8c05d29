// The session's own MQTT state (packet ids, in-flight window, QoS 2 release) against a real aedes,
// through in-memory streams: no network, no browser.
import 'fake-indexeddb/auto'
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { streamPair } from '../../test/support/memory-stream.ts'
import { BrokerConnection, type ConnectionListener, type Transport } from '../mqtt/broker-connection.ts'
import { openHubDatabase } from '../storage/hub-db.ts'
import { Outbox } from '../storage/outbox.ts'
import { PacketIds } from './packet-ids.ts'
import { Publisher } from './publisher.ts'

const RECONNECT = { minDelayMs: 10, maxDelayMs: 10, factor: 1, jitter: 0, stableAfterMs: 1_000 }
const LIMITS = { maxMessages: 10_000, maxBytes: 16 * 1024 * 1024 }

let broker: Aedes
let closers: Array<() => unknown> = []
/** The client's end of the newest connection: destroying it drops that connection. */
let clientEnd: { destroy(): void } | undefined

/** Connects an MQTT.js client to aedes through a fresh in-memory stream. */
const toAedes: Transport = (_url, options) => {
  const [clientSide, brokerSide] = streamPair()
  clientEnd = clientSide
  broker.handle(brokerSide)
  return new mqtt.MqttClient(() => clientSide, options)
}

beforeEach(async () => {
  broker = await Aedes.createBroker()
  closers = []
})

afterEach(async () => {
  for (const close of closers.reverse()) await close()
  await new Promise<void>((resolve) => broker.close(() => resolve()))
})

/** A witness on the same broker: every payload it receives on `topic`, in order. */
async function witness(topic: string): Promise<string[]> {
  const got: string[] = []
  const client = toAedes('memory', { protocolVersion: 4, reconnectPeriod: 0, clientId: `witness-${crypto.randomUUID()}` })
  closers.push(() => client.end(true))
  client.on('message', (_topic, payload) => got.push(payload.toString()))
  await client.subscribeAsync(topic, { qos: 2 })
  return got
}

async function publisherOnAedes(
  seed: (outbox: Outbox) => Promise<void> = async () => {},
  onPossibleDuplicate: (topic: string) => void = () => {},
  /** Hears each stored PUBLISH the connection writes, and each ack before the Publisher does. */
  watch: {
    published?(qos: 1 | 2): void
    beforeAck?(publisher: Publisher, cmd: 'puback' | 'pubrec' | 'pubcomp'): void
    /** After the Publisher heard a CONNACK. */
    connected?(sessionPresent: boolean): void
    /** clean: false, and the Publisher persists QoS 2 packet ids before sending. */
    persistent?: boolean
  } = {},
): Promise<{ publisher: Publisher; ids: PacketIds; connection: BrokerConnection }> {
  const ids = new PacketIds()
  const outbox = await Outbox.open(await openHubDatabase(`publisher-${crypto.randomUUID()}`), 'test', LIMITS)
  await seed(outbox)
  let publisher: Publisher | undefined
  let up: () => void = () => {}
  const connectedOnce = new Promise<void>((resolve) => (up = resolve))
  const listener: ConnectionListener = {
    statusChanged: () => {},
    connected: (info) => {
      publisher!.connected(info.sessionPresent, info.receiveMaximum, info.protocolVersion)
      watch.connected?.(info.sessionPresent)
      up()
    },
    disconnected: () => publisher!.disconnected(),
    unsubscribeAcked: () => {},
    message: () => {},
    subscribeAcked: () => {},
    publishAcked: (cmd, id, reasonCode) => {
      watch.beforeAck?.(publisher!, cmd)
      publisher!.acked(cmd, id, reasonCode)
    },
  }
  const connection = new BrokerConnection({ urls: ['memory'], maxIncomingPacketBytes: 1 << 20 }, { protocolVersion: 4, clientId: `hub-${crypto.randomUUID()}`, clean: !watch.persistent }, RECONNECT, listener, ids, toAedes)
  const write = connection.publishWithId.bind(connection)
  connection.publishWithId = (topic, payload, qos, ...rest) => {
    watch.published?.(qos)
    write(topic, payload, qos, ...rest)
  }
  publisher = new Publisher(outbox, connection, ids, watch.persistent === true, (record) => onPossibleDuplicate(record.topic))
  closers.push(() => connection.close())
  connection.start()
  await connectedOnce
  return { publisher, ids, connection }
}

describe('Publisher over MQTT.js, in memory to aedes', () => {
  it('delivers stored QoS 1 and QoS 2 publishes once each, in order, and frees every packet id [MQTT-4.3.2] [MQTT-4.3.3] [MQTT-4.6.0-1]', async () => {
    const got = await witness('out/#')
    const { publisher, ids } = await publisherOnAedes()
    const acked: number[] = []
    const all = Promise.all(Array.from({ length: 60 }, (_, i) => new Promise<void>((resolve, reject) => {
      void publisher.publish({ topic: `out/${i}`, payload: `m${i}`, qos: i % 2 === 0 ? 1 : 2, retain: false }, (seq, error) => {
        if (error) reject(error)
        acked.push(seq)
        resolve()
      })
    })))
    await all
    await expect.poll(() => got.length).toBe(60)
    expect(new Set(got).size).toBe(60)
    expect(got.filter((p) => Number(p.slice(1)) % 2 === 0)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i * 2}`))
    expect(publisher.outbox.depth).toBe(0)
    expect(publisher.inFlightCount).toBe(0)
    expect(ids.inFlight).toBe(0)
  })

  it('sends an outbox larger than its window once each, in order, never more than 1,000 in flight and one QoS 2 flow at a time (MQTT 3.1.1) [MQTT-4.3.2] [MQTT-4.3.3]', async () => {
    const got = await witness('big/#')
    const qos = (i: number): 1 | 2 => (i >= 2_000 && i < 2_010 ? 2 : 1)
    let most = 0
    let qos2Flows = 0
    let mostQos2Flows = 0
    const { publisher, ids } = await publisherOnAedes(async (outbox) => {
      const payload = (i: number) => new TextEncoder().encode(`m${i}`)
      await Promise.all(Array.from({ length: 2_400 }, (_, i) => outbox.add(`big/${qos(i)}`, payload(i), qos(i), false, null)))
    }, () => {}, {
      published: (q) => {
        if (q === 2) mostQos2Flows = Math.max(mostQos2Flows, ++qos2Flows)
      },
      beforeAck: (p, cmd) => {
        most = Math.max(most, p.inFlightCount)
        if (cmd === 'pubcomp') qos2Flows--
      },
    })
    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(2_400)
    await expect.poll(() => publisher.outbox.depth).toBe(0)
    expect(new Set(got).size).toBe(2_400)
    const qos1 = Array.from({ length: 2_400 }, (_, i) => i).filter((i) => qos(i) === 1).map((i) => `m${i}`)
    expect(got.filter((p) => qos(Number(p.slice(1))) === 1)).toEqual(qos1)
    expect(most).toBeGreaterThan(900) // the window was used, and refilled while records waited
    expect(most).toBeLessThanOrEqual(1_000)
    expect(mostQos2Flows).toBe(1) // MQTT 3.1.1: one QoS 2 flow at a time (see Publisher)
    expect(publisher.inFlightCount).toBe(0)
    expect(ids.inFlight).toBe(0)
  })

  it('a QoS 2 publish resumed by a CONNACK while its packet id was being stored keeps that id, and frees it at PUBCOMP [MQTT-4.4.0-1]', async () => {
    const got = await witness('q2/resumed')
    let storing: () => void = () => {}
    const stored = new Promise<void>((resolve) => (storing = resolve))
    let connects = 0
    const { publisher, ids, connection } = await publisherOnAedes(async () => {}, () => {}, {
      persistent: true,
      // The id's write commits only after the connection came back (the second CONNACK).
      connected: (sessionPresent) => {
        if (++connects === 2) {
          expect(sessionPresent).toBe(true)
          storing()
        }
      },
    })
    // aedes resumes a session (CONNACK sessionPresent) that holds a subscription.
    connection.subscribe('q2/resumed/none', 1)
    const { persistence } = broker as unknown as { persistence: { subscriptionsByClient(client: { id: string }): Promise<unknown[] | null> } }
    const subscriptions = () => persistence.subscriptionsByClient({ id: connection.clientId })
    await expect.poll(async () => (await subscriptions())?.length ?? 0).toBe(1)
    const assign = publisher.outbox.assign.bind(publisher.outbox)
    publisher.outbox.assign = async (records) => {
      await assign(records)
      clientEnd?.destroy() // the connection drops while the write is pending
      await stored
    }
    const acked = new Promise<void>((resolve, reject) => {
      void publisher.publish({ topic: 'q2/resumed', payload: 'once', qos: 2, retain: false }, (_seq, error) => (error ? reject(error) : resolve()))
    })
    await acked
    await expect.poll(() => got).toEqual(['once'])
    expect(connection.connectionSeq).toBe(2)
    expect(publisher.inFlightCount).toBe(0)
    expect(ids.inFlight).toBe(0)
  })

  it('sends the PUBREL itself after PUBREC: a QoS 2 publish reaches the subscriber exactly once and leaves the outbox at PUBCOMP [MQTT-4.3.3]', async () => {
    const got = await witness('q2')
    const { publisher } = await publisherOnAedes()
    await new Promise<void>((resolve, reject) => {
      void publisher.publish({ topic: 'q2', payload: 'once', qos: 2, retain: false }, (_seq, error) => (error ? reject(error) : resolve()))
    })
    await expect.poll(() => got).toEqual(['once'])
    expect(publisher.outbox.depth).toBe(0)
  })

  it('publishes a QoS 2 message again, counted as a possible duplicate, when the broker answered PUBREC and then lost the session (CONNACK sessionPresent false)', async () => {
    const got = await witness('q2/lost')
    const duplicates: string[] = []
    // A record past PUBREC, as a worker that stopped before PUBCOMP left it on disk.
    const { publisher } = await publisherOnAedes(async (outbox) => {
      const record = await outbox.add('q2/lost', new TextEncoder().encode('kept'), 2, false, 7)
      await outbox.released(record)
    }, (topic) => duplicates.push(topic))
    await expect.poll(() => got).toEqual(['kept'])
    await expect.poll(() => publisher.outbox.depth).toBe(0)
    expect(publisher.possibleDuplicates).toBe(1)
    expect(duplicates).toEqual(['q2/lost'])
  })

  it('counts a QoS 2 message sent before PUBREC as a possible duplicate when the session is gone: the broker may have forwarded it at PUBLISH [MQTT-4.3.3]', async () => {
    const got = await witness('q2/sent')
    const duplicates: string[] = []
    // A record with a packet id and no PUBREC, as a worker that stopped right after the PUBLISH left it.
    const { publisher } = await publisherOnAedes(async (outbox) => {
      await outbox.add('q2/sent', new TextEncoder().encode('sent'), 2, false, 8)
    }, (topic) => duplicates.push(topic))
    await expect.poll(() => got).toEqual(['sent'])
    await expect.poll(() => publisher.outbox.depth).toBe(0)
    expect(publisher.possibleDuplicates).toBe(1)
    expect(duplicates).toEqual(['q2/sent'])
  })

  it('does not count a QoS 2 message that was never sent (no packet id) when the session is gone', async () => {
    const got = await witness('q2/queued')
    const { publisher } = await publisherOnAedes(async (outbox) => {
      await outbox.add('q2/queued', new TextEncoder().encode('queued'), 2, false, null)
    })
    await expect.poll(() => got).toEqual(['queued'])
    await expect.poll(() => publisher.outbox.depth).toBe(0)
    expect(publisher.possibleDuplicates).toBe(0)
  })
})
