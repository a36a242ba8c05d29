// Every use of MQTT.js's private API, in one file. MQTT.js 5 has no supported way to send a
// PUBLISH or PUBREL whose packet id the caller owns: its publish() takes an id from its own
// allocator, keeps the packet in its own outgoing store and ack table, and answers PUBREC
// itself. The hub's outbox must be the only owner of those ids (they are on disk, and re-sent
// with DUP after a restart [MQTT-2.3.1-3]), so it writes its packets through this one private.
// mqtt-internals.test.ts pins the MQTT.js version and fails loudly when the private changes.
import type { MqttClient, Packet } from 'mqtt'
import type { MessageProperties } from '../../src/public-types.ts'

/** The MQTT.js version whose internals were checked (mqtt-internals.test.ts fails on any other). */
export const CHECKED_MQTT_VERSION = '5.16.0'

interface ClientInternals {
  /** `noStore`: write at once, past MQTT.js's outgoing store and ack table (topic alias and `packetsend` still apply). */
  _sendPacket(packet: Packet, cb: ((error?: Error) => void) | undefined, cbStorePut: undefined, noStore: true): void
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
