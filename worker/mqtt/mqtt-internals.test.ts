// The contract of the one MQTT.js private the hub uses (see mqtt-internals.ts), checked against
// the installed MQTT.js through an in-memory stream and a scripted broker. When MQTT.js changes,
// this fails before any delivery test does: re-check the private, then update CHECKED_MQTT_VERSION.
import { createRequire } from 'node:module'
import type { Duplex } from 'node:stream'
import mqtt, { type MqttClient } from 'mqtt'
import mqttPacket, { type Packet } from 'mqtt-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { streamPair } from '../../test/support/memory-stream.ts'
import { CHECKED_MQTT_VERSION, gateAcks, writeOwnedPacket } from './mqtt-internals.ts'

const installed = (createRequire(import.meta.url)('mqtt/package.json') as { version: string }).version

/** The broker side of the stream: reads the client's packets in order, writes packets to it. */
class ScriptedBroker {
  private readonly received: Packet[] = []
  private readonly waiting: Array<(packet: Packet) => void> = []

  constructor(private readonly stream: Duplex, protocolVersion: 4 | 5) {
    const parser = mqttPacket.parser({ protocolVersion })
    parser.on('packet', (packet: Packet) => {
      const waiter = this.waiting.shift()
      if (waiter) waiter(packet)
      else this.received.push(packet)
    })
    stream.on('data', (chunk: Buffer) => parser.parse(chunk))
  }

  /** The client's next packet. */
  next(): Promise<Packet> {
    const packet = this.received.shift()
    return packet ? Promise.resolve(packet) : new Promise((resolve) => this.waiting.push(resolve))
  }

  send(packet: Packet): void {
    this.stream.write(mqttPacket.generate(packet))
  }
}

let client: MqttClient | undefined

afterEach(() => {
  client?.end(true)
  client = undefined
})

async function connected(): Promise<{ client: MqttClient; broker: ScriptedBroker }> {
  const [clientSide, brokerSide] = streamPair()
  const broker = new ScriptedBroker(brokerSide, 4)
  client = new mqtt.MqttClient(() => clientSide, { protocolVersion: 4, reconnectPeriod: 0, keepalive: 0 })
  const connect = await broker.next()
  expect(connect.cmd).toBe('connect')
  const up = new Promise<void>((resolve) => client!.once('connect', () => resolve()))
  broker.send({ cmd: 'connack', returnCode: 0, sessionPresent: false })
  await up
  return { client, broker }
}

describe('MQTT.js internals the outbox relies on', () => {
  it(`are those of the MQTT.js version they were checked against (${CHECKED_MQTT_VERSION})`, () => {
    expect(installed).toBe(CHECKED_MQTT_VERSION)
  })

  it('writes a PUBLISH with the id and DUP flag the hub chose [MQTT-2.3.1-3] [MQTT-3.3.1-1], past MQTT.js\'s store', async () => {
    const { client, broker } = await connected()
    writeOwnedPacket(client, { cmd: 'publish', topic: 'a/b', payload: new Uint8Array([1, 2]), qos: 1, retain: false, dup: true, messageId: 4242 })
    const packet = await broker.next()
    expect(packet).toMatchObject({ cmd: 'publish', topic: 'a/b', qos: 1, dup: true, messageId: 4242 })
    expect(Object.keys(client.outgoing)).toEqual([]) // MQTT.js holds no ack entry for it
  })

  it('leaves the broker\'s PUBACK, PUBREC and PUBCOMP of those ids to the hub: no PUBREL of its own, no error', async () => {
    const { client, broker } = await connected()
    const seen: string[] = []
    const errors: Error[] = []
    client.on('packetreceive', (packet) => seen.push(`${packet.cmd}:${packet.messageId}`))
    client.on('error', (error) => errors.push(error))
    writeOwnedPacket(client, { cmd: 'publish', topic: 't', payload: new Uint8Array(0), qos: 2, retain: false, dup: false, messageId: 7 })
    writeOwnedPacket(client, { cmd: 'publish', topic: 't', payload: new Uint8Array(0), qos: 1, retain: false, dup: false, messageId: 8 })
    expect((await broker.next()).cmd).toBe('publish')
    expect((await broker.next()).cmd).toBe('publish')
    const acked = new Promise<void>((resolve) => client.on('packetreceive', (packet) => packet.cmd === 'puback' && resolve()))
    broker.send({ cmd: 'pubrec', messageId: 7 })
    broker.send({ cmd: 'puback', messageId: 8 })
    await acked
    // Had MQTT.js answered the PUBREC, its PUBREL would be on the wire before our PUBREL.
    writeOwnedPacket(client, { cmd: 'pubrel', messageId: 7 })
    expect(await broker.next()).toMatchObject({ cmd: 'pubrel', messageId: 7 })
    const completed = new Promise<void>((resolve) => client.on('packetreceive', (packet) => packet.cmd === 'pubcomp' && resolve()))
    broker.send({ cmd: 'pubcomp', messageId: 7 })
    await completed
    expect(seen).toEqual(['pubrec:7', 'puback:8', 'pubcomp:7'])
    expect(errors).toEqual([])
  })

  it('reads on while an ack waits for its write, and acks in the order of the publishes [MQTT-4.6.0-2] [MQTT-4.6.0-3]', async () => {
    const { client, broker } = await connected()
    const acks = gateAcks(client)
    const handled: number[] = []
    let written!: () => void
    const write = new Promise<void>((resolve) => (written = resolve))
    client.handleMessage = (packet, done) => {
      handled.push(packet.messageId!)
      if (packet.messageId === 1) acks.holdUntil(1, write)
      done()
    }
    const read = new Promise<void>((resolve) => client.on('packetreceive', (packet) => packet.messageId === 3 && resolve()))
    broker.send({ cmd: 'publish', topic: 't', payload: Buffer.from('a'), qos: 1, dup: false, retain: false, messageId: 1 })
    broker.send({ cmd: 'publish', topic: 't', payload: Buffer.from('b'), qos: 1, dup: false, retain: false, messageId: 2 })
    broker.send({ cmd: 'publish', topic: 't', payload: Buffer.from('c'), qos: 2, dup: false, retain: false, messageId: 3 })
    await read
    expect(handled).toEqual([1, 2]) // the second was handled while the first one's ack waits
    // Nothing was acked yet: a packet the client writes now reaches the broker first.
    client.subscribe('x')
    expect(await broker.next()).toMatchObject({ cmd: 'subscribe' })
    written()
    expect(await broker.next()).toMatchObject({ cmd: 'puback', messageId: 1 })
    expect(await broker.next()).toMatchObject({ cmd: 'puback', messageId: 2 })
    expect(await broker.next()).toMatchObject({ cmd: 'pubrec', messageId: 3 })
  })
})
