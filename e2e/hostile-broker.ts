// A broker that breaks the MQTT protocol on command: a small WebSocket server that speaks just
// enough MQTT (CONNACK, SUBACK, UNSUBACK, PINGRESP, the QoS 1/2 acks) to keep a client
// connected, and then sends the bad packet a test asks for.
import mqttPacket, { type Packet } from 'mqtt-packet'
import { WebSocketServer, type WebSocket } from 'ws'

/** The bad packets the fixture can send, each breaking one rule. */
export const BAD_PACKETS = {
  /** [MQTT-3.3.2-2] */
  'wildcard # in a topic name': () => publish(text('h/#')),
  /** [MQTT-3.3.2-2] */
  'wildcard + in a topic name': () => publish(text('h/+/x')),
  /** [MQTT-4.7.3-2] */
  'U+0000 in a topic name': () => publish(text('h/a\u0000b')),
  /** [MQTT-1.5.3-1]: 0xC3 0x28 is not UTF-8 (MQTT.js would hand on "h/\uFFFD(") */
  'a topic name that is not UTF-8': () => publish(Uint8Array.from([0x68, 0x2f, 0xc3, 0x28])),
  /** [MQTT-1.5.3-1]: U+D800 encoded as UTF-8 */
  'a surrogate in a topic name': () => publish(Uint8Array.from([0x68, 0x2f, 0xed, 0xa0, 0x80])),
  /** reserved in MQTT 3.1.1, AUTH (never asked for) in MQTT 5 */
  'a packet of type 15': () => Uint8Array.from([0xf0, 0x00]),
  /** reserved in both versions */
  'a packet of type 0': () => Uint8Array.from([0x00, 0x00]),
  /** the largest remaining length MQTT can encode (268,435,455), and then nothing */
  'a remaining length of 268 MB': () => Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0x7f]),
  /** [MQTT-3.3.1-4] */
  'a PUBLISH with QoS 3': () => Uint8Array.from([0x36, 0x05, 0x00, 0x01, 0x68, 0x00, 0x01]),
} as const

export type BadPacket = keyof typeof BAD_PACKETS

export interface HostileBroker {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string
  /** WebSocket connections accepted so far. */
  readonly connections: number
  /** The CONNECT packets received, newest last. */
  readonly connects: Array<{ clientId: string; protocolVersion: number; maximumPacketSize: number | undefined }>
  /** Connections open now. */
  readonly open: number
  /** Sends raw bytes (a bad packet, or a valid PUBLISH) on every open connection; returns how many. */
  send(bytes: Uint8Array): number
  /** A well-formed PUBLISH on every open connection. */
  publish(topic: string, payload: string, protocolVersion?: 4 | 5): number
  close(): Promise<void>
}

export async function startHostileBroker(): Promise<HostileBroker> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  let connections = 0
  const connects: HostileBroker['connects'] = []
  const live = new Set<WebSocket>()

  server.on('connection', (socket) => {
    connections++
    live.add(socket)
    socket.on('close', () => live.delete(socket))
    socket.on('error', () => socket.terminate())
    let protocolVersion = 4
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    const reply = (packet: object): void => {
      socket.send(mqttPacket.generate(packet as Packet, { protocolVersion }))
    }
    parser.on('error', () => socket.terminate())
    parser.on('packet', (packet: Packet) => {
      switch (packet.cmd) {
        case 'connect':
          protocolVersion = packet.protocolVersion ?? 4
          connects.push({ clientId: packet.clientId, protocolVersion, maximumPacketSize: packet.properties?.maximumPacketSize })
          reply({ cmd: 'connack', sessionPresent: false, ...(protocolVersion === 5 ? { reasonCode: 0 } : { returnCode: 0 }) })
          break
        case 'subscribe':
          reply({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) })
          break
        case 'unsubscribe':
          reply({ cmd: 'unsuback', messageId: packet.messageId, ...(protocolVersion === 5 && { granted: packet.unsubscriptions.map(() => 0) }) })
          break
        case 'pingreq':
          reply({ cmd: 'pingresp' })
          break
        case 'publish':
          if (packet.qos === 1) reply({ cmd: 'puback', messageId: packet.messageId })
          if (packet.qos === 2) reply({ cmd: 'pubrec', messageId: packet.messageId })
          break
        case 'pubrel':
          reply({ cmd: 'pubcomp', messageId: packet.messageId })
          break
        default:
          break
      }
    })
    socket.on('message', (data: Buffer) => parser.parse(data))
  })

  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const send = (bytes: Uint8Array): number => {
    for (const socket of live) socket.send(bytes)
    return live.size
  }
  return {
    url: `ws://127.0.0.1:${port}`,
    get connections() { return connections },
    get open() { return live.size },
    connects,
    send,
    publish: (topic, payload, protocolVersion = 4) => send(mqttPacket.generate(
      { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false } as Packet, { protocolVersion })),
    close: () => new Promise<void>((resolve) => {
      for (const socket of live) socket.terminate()
      server.close(() => resolve())
    }),
  }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A QoS 0 PUBLISH (MQTT 3.1.1 layout; MQTT 5 reads the first payload byte as an empty property list) with these topic bytes. */
function publish(topic: Uint8Array): Uint8Array {
  const body = [topic.length >> 8, topic.length & 0xff, ...topic, 0x00, 0x78]
  return Uint8Array.from([0x30, body.length, ...body])
}
