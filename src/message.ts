import { HubError } from './errors.ts'
import type { MessageProperties, QoS } from './public-types.ts'

/** A message a handler receives. */
export interface HubMessage {
  /** The topic it was published to (never a filter). */
  readonly topic: string
  /** The bytes as published; see `text()` and `json()`. */
  readonly payload: Uint8Array
  /** The QoS it was delivered with: at most the QoS the subscription asked for. */
  readonly qos: QoS
  /** True only for a retained message sent because this subscription was made. */
  readonly retain: boolean
  /** Exclusive only: another tab may have started this message before (it closed, crashed or hung). */
  readonly redelivered: boolean
  /** MQTT 5 properties the publisher set (user properties, content type, response topic...). */
  readonly properties?: MessageProperties
  /** QoS 1/2: the broker's packet id of the PUBLISH (it repeats once the flow is over, and on a re-send). */
  readonly messageId?: number
  /** The payload as UTF-8 text; bytes that are not UTF-8 become U+FFFD. */
  text(): string
  /** The payload parsed as JSON; throws HubError 'INVALID_JSON' when it is not. */
  json<T = unknown>(): T
}

let decoder: TextDecoder | undefined

export class Message implements HubMessage {
  constructor(
    readonly topic: string,
    readonly payload: Uint8Array,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly redelivered = false,
    readonly properties?: MessageProperties,
    readonly messageId?: number,
  ) {}

  /** A packet id belongs to QoS 1/2 only [MQTT-2.3.1-5]: downgraded to 0, the message has none. */
  withQos(qos: QoS): Message {
    return new Message(this.topic, this.payload, qos, this.retain, this.redelivered, this.properties, qos === 0 ? undefined : this.messageId)
  }

  text(): string {
    decoder ??= new TextDecoder()
    return decoder.decode(this.payload)
  }

  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text()) as T
    } catch (error) {
      throw new HubError('INVALID_JSON', `Payload of "${this.topic}" is not JSON: ${(error as Error).message}`)
    }
  }
}
