// The bytes a broker sends are checked before MQTT.js parses them [MQTT-4.8.0-1].
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { IncomingCheck } from './incoming-check.ts'

const MAX = 1024

/** A PUBLISH whose topic name is these raw bytes. */
function rawPublish(topic: Uint8Array, payload = new Uint8Array(3), qos = 0): Uint8Array {
  const body = [topic.length >> 8, topic.length & 0xff, ...topic, ...(qos > 0 ? [0, 1] : []), ...payload]
  return Uint8Array.from([0x30 | (qos << 1), ...remainingLength(body.length), ...body])
}

function remainingLength(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return out
}

const text = (s: string) => new TextEncoder().encode(s)
const generate = (packet: object, protocolVersion = 4) => Uint8Array.from(mqttPacket.generate(packet as mqttPacket.Packet, { protocolVersion }))

describe('IncomingCheck', () => {
  it('passes well-formed packets, also split across frames and several in one frame', () => {
    const packets = [
      generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
      generate({ cmd: 'suback', messageId: 1, granted: [1] }),
      generate({ cmd: 'publish', topic: 'a/b/ünï/€', payload: Buffer.alloc(200), qos: 1, messageId: 7, retain: false, dup: false }),
      generate({ cmd: 'pubrel', messageId: 7 }),
      generate({ cmd: 'pingresp' }),
    ]
    const all = Uint8Array.from(packets.flatMap((p) => [...p]))
    const check = new IncomingCheck(MAX, 4)
    for (let i = 0; i < all.length; i += 3) expect(check.feed(all.subarray(i, i + 3))).toBeNull()
    expect(new IncomingCheck(MAX, 4).feed(all)).toBeNull()
  })

  it.each([
    ['a wildcard # in a topic name [MQTT-3.3.2-2]', text('h/#'), 'MQTT-3.3.2-2'],
    ['a wildcard + in a topic name [MQTT-3.3.2-2]', text('h/+/x'), 'MQTT-3.3.2-2'],
    ['U+0000 in a topic name [MQTT-4.7.3-2]', text('h/a\u0000b'), 'MQTT-4.7.3-2'],
    ['a topic name that is not UTF-8 [MQTT-1.5.3-1]', Uint8Array.from([0x68, 0x2f, 0xc3, 0x28]), 'MQTT-1.5.3-1'],
    ['a UTF-8-encoded surrogate U+D800 [MQTT-1.5.3-1]', Uint8Array.from([0x68, 0x2f, 0xed, 0xa0, 0x80]), 'MQTT-1.5.3-1'],
    ['a truncated 4-byte sequence [MQTT-1.5.3-1]', Uint8Array.from([0x68, 0xf0, 0x9f, 0x98]), 'MQTT-1.5.3-1'],
    ['an empty topic name under MQTT 3.1.1 [MQTT-4.7.3-1]', new Uint8Array(0), 'MQTT-4.7.3-1'],
  ])('finds %s', (_, topic, rule) => {
    expect(new IncomingCheck(MAX, 4).feed(rawPublish(topic))).toMatchObject({ rule })
  })

  it('finds a bad topic name split across frames', () => {
    const packet = rawPublish(text('h/+/x'))
    const check = new IncomingCheck(MAX, 4)
    expect(check.feed(packet.subarray(0, 4))).toBeNull()
    expect(check.feed(packet.subarray(4))).toMatchObject({ rule: 'MQTT-3.3.2-2' })
  })

  it('finds reserved packet types 0 and 15 (MQTT 3.1.1), and AUTH under MQTT 5 without enhanced authentication', () => {
    expect(new IncomingCheck(MAX, 4).feed(Uint8Array.from([0xf0, 0x00]))).toMatchObject({ rule: 'MQTT-2.2.1' })
    expect(new IncomingCheck(MAX, 4).feed(Uint8Array.from([0x00, 0x00]))).toMatchObject({ rule: 'MQTT-2.2.1' })
    expect(new IncomingCheck(MAX, 5).feed(Uint8Array.from([0xf0, 0x00]))).toMatchObject({ rule: 'MQTT-4.12.0-1' })
  })

  it('finds packets only a client sends, invalid flags and QoS 3 [MQTT-2.2.2-2, MQTT-3.3.1-4]', () => {
    expect(new IncomingCheck(MAX, 4).feed(Uint8Array.from([0x82, 0x00]))).toMatchObject({ rule: 'MQTT-2.2.1' }) // SUBSCRIBE
    expect(new IncomingCheck(MAX, 4).feed(Uint8Array.from([0xd1, 0x00]))).toMatchObject({ rule: 'MQTT-2.2.2-2' }) // PINGRESP, flags 1
    expect(new IncomingCheck(MAX, 4).feed(Uint8Array.from([0x36, 0x00]))).toMatchObject({ rule: 'MQTT-3.3.1-4' })
  })

  it('finds a remaining length over the maximum as soon as the length is read, without waiting for the bytes', () => {
    // 268,435,455 bytes announced: the largest remaining length MQTT can encode.
    expect(new IncomingCheck(MAX, 4).feed(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0x7f]))).toMatchObject({ rule: 'MQTT-3.1.2-24' })
    expect(new IncomingCheck(MAX, 4).feed(rawPublish(text('a'), new Uint8Array(MAX)))).toMatchObject({ rule: 'MQTT-3.1.2-24' })
    expect(new IncomingCheck(MAX, 4).feed(rawPublish(text('a'), new Uint8Array(MAX - 10)))).toBeNull()
  })

  it('finds a remaining length of more than 4 bytes (malformed)', () => {
    expect(new IncomingCheck(2 ** 30, 4).feed(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toMatchObject({ rule: 'MQTT-2.2.3' })
  })

  it('says in its message which rule the broker broke', () => {
    expect(new IncomingCheck(MAX, 4).feed(rawPublish(text('h/#')))?.message).toBe(
      'The broker broke the MQTT protocol [MQTT-3.3.2-2]: it sent a topic name with a wildcard character (+ or #)')
  })
})
