// Every use of MQTT.js's private API, in one file: its `_sendPacket`.
// - MQTT.js 5 has no supported way to send a PUBLISH or PUBREL whose packet id the caller owns:
//   its publish() takes an id from its own allocator, keeps the packet in its own outgoing store
//   and ack table, and answers PUBREC itself. The hub's outbox must be the only owner of those
//   ids (they are on disk, and re-sent with DUP after a restart [MQTT-2.3.1-3]).
// - MQTT.js reads the next packet only once the ack of the last one is written, and writes that
//   ack when `handleMessage` calls back: a message that must be on disk before its ack would
//   hold every later packet for one IndexedDB transaction each. The ack gate lets MQTT.js read on
//   while such acks wait, so that the writes of many messages share one transaction.
// mqtt-internals.test.ts pins the MQTT.js version and fails loudly when the private changes.
import type { MqttClient, Packet } from 'mqtt'
import type { MessageProperties } from '../../src/public-types.ts'

/** The MQTT.js version whose internals were checked (mqtt-internals.test.ts fails on any other). */
export const CHECKED_MQTT_VERSION = '5.16.0'

interface ClientInternals {
  /** `noStore`: write at once, past MQTT.js's outgoing store and ack table (topic alias and `packetsend` still apply). */
  _sendPacket(packet: Packet, cb?: (error?: Error) => void, cbStorePut?: () => void, noStore?: boolean): void
}

/** A stored publish, or its release: the only packets the hub writes itself. */
export type OwnedPacket =
  | { cmd: 'publish'; topic: string; payload: Uint8Array; qos: 1 | 2; retain: boolean; dup: boolean; messageId: number; properties?: MessageProperties }
  | { cmd: 'pubrel'; messageId: number }

/**
 * Writes a packet the hub owns (a PUBLISH with the outbox's packet id, or its PUBREL). MQTT.js
 * does not see its id: it ignores the broker's PUBACK, PUBREC and PUBCOMP for it (the hub reads
 * them from `packetreceive`) and never sends a PUBREL of its own.
 */
export function writeOwnedPacket(client: MqttClient, packet: OwnedPacket): void {
  // mqtt-packet writes a Uint8Array (payload, correlation data) as it writes a Buffer.
  ;(client as unknown as ClientInternals)._sendPacket(packet as Packet, undefined, undefined, true)
}

/** Holds the acks of messages being written; see gateAcks. */
export interface AckGate {
  /** The ack MQTT.js sends next for `messageId` (PUBACK, or PUBCOMP at QoS 2) waits until `written` settles. */
  holdUntil(messageId: number, written: Promise<unknown>): void
}

/**
 * Installs the ack gate on one client (one connection). The acks of received messages (PUBACK,
 * PUBREC, PUBCOMP) leave in the order MQTT.js sends them [MQTT-4.6.0-2] [MQTT-4.6.0-3]; one held
 * by `holdUntil` waits until its write settles, and every later ack waits behind it. MQTT.js is
 * told at once that a waiting ack went out, so it reads the next packet meanwhile. An ack still
 * waiting when the connection closes is dropped: the broker sends that message again [MQTT-4.4.0-1].
 */
export function gateAcks(client: MqttClient): AckGate {
  const internals = client as unknown as ClientInternals
  const send = internals._sendPacket.bind(client)
  const holds = new Map<number, Promise<unknown>>()
  const waiting: Array<{ packet: Packet; ready: boolean }> = []
  const release = (): void => {
    while (waiting.length > 0 && waiting[0]!.ready) {
      const { packet } = waiting.shift()!
      if (client.connected) send(packet)
    }
  }
  internals._sendPacket = (packet, cb, cbStorePut, noStore) => {
    const ack = packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp'
    const hold = ack ? holds.get(packet.messageId!) : undefined
    if (!ack || (hold === undefined && waiting.length === 0)) {
      send(packet, cb, cbStorePut, noStore)
      return
    }
    holds.delete(packet.messageId!)
    const entry = { packet, ready: hold === undefined }
    waiting.push(entry)
    hold?.then(() => {}, () => {}).then(() => {
      entry.ready = true
      release()
    })
    cb?.()
  }
  return { holdUntil: (messageId, written) => void holds.set(messageId, written) }
}
