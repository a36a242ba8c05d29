import { HubError } from './errors.ts'
import type { MessageProperties, QoS } from './public-types.ts'

export interface HubMessage {
  readonly topic: string
  readonly payload: Uint8Array
  readonly qos: QoS
  /** True only for a retained message sent because this subscription was made. */
  readonly retain: boolean
  /** Exclusive only: another tab may have started this message before (it closed, crashed or hung). */
  readonly redelivered: boolean
  /** MQTT 5 properties the publisher set (user properties, content type, response topic...). */
  readonly properties?: MessageProperties
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
  ) {}

  withQos(qos: QoS): Message {
    return new Message(this.topic, this.payload, qos, this.retain, this.redelivered, this.properties)
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
