// The MQTT.js packet shapes mqtt-hub/compat passes to callbacks and events. The worker holds
// the only connection, so a tab sees the packets of its own calls as the hub reports them.
import type { QoS } from './public-types.ts'

/** A message payload: bytes like MQTT.js's Buffer, and `toString()` decodes UTF-8 as Buffer's does. */
export class MessagePayload extends Uint8Array {
  override toString(): string {
    return new TextDecoder().decode(this)
  }
}

/** MQTT.js's error for a refused CONNACK or publish: `code` is the MQTT return or reason code. */
export class ErrorWithReasonCode extends Error {
  constructor(message: string, readonly code: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ErrorWithReasonCode'
  }
}

export interface IPublishPacket {
  cmd: 'publish'
  topic: string
  payload: MessagePayload
  qos: QoS
  retain: boolean
  /** The broker re-sent it, or an exclusive job was given again. */
  dup: boolean
  /** QoS 1/2: the packet id [MQTT-2.3.1-1]; absent at QoS 0 [MQTT-2.3.1-5]. */
  messageId?: number
}

export interface IConnackPacket {
  cmd: 'connack'
  /** MQTT 3.1.1 */
  returnCode?: 0
  /** MQTT 5 */
  reasonCode?: 0
  sessionPresent: boolean
}

export interface ISubscriptionGrant {
  topic: string
  /** What the broker granted (at most what was asked for). */
  qos: QoS
  /** MQTT 5: the subscription options as asked for. */
  nl?: boolean
  rap?: boolean
  rh?: 0 | 1 | 2
}

/** A QoS 2 publish is acknowledged by PUBCOMP: MQTT.js then passes the PUBREL its store held. */
export interface IPubrelPacket { cmd: 'pubrel'; qos: 2; messageId?: number }
export interface IPubackPacket { cmd: 'puback' | 'pubcomp'; messageId?: number }
export interface ISubscribePacket { cmd: 'subscribe'; messageId: number; subscriptions: ISubscriptionGrant[] }
export interface ISubackPacket { cmd: 'suback'; messageId: number; granted: number[] }
export interface IUnsubscribePacket { cmd: 'unsubscribe'; messageId: number; unsubscriptions: string[] }
export interface IUnsubackPacket { cmd: 'unsuback'; messageId: number }

/** A PUBLISH as this tab handed it to the hub (the worker gives it its packet id when it sends it). */
export type IOutgoingPublishPacket = Omit<IPublishPacket, 'payload'> & { payload: string | Uint8Array }

/** The packets `packetsend` and `packetreceive` tell of. */
export type Packet =
  | IPublishPacket | IOutgoingPublishPacket | IConnackPacket | IPubrelPacket | IPubackPacket | ISubscribePacket | ISubackPacket | IUnsubscribePacket
  | IUnsubackPacket
