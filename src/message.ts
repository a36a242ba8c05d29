import { HubError } from './errors.ts'
import type { QoS } from './protocol.ts'

export interface HubMessage {
  readonly topic: string
  readonly payload: Uint8Array
  readonly qos: QoS
  /** True only for a retained message sent because this subscription was made. */
  readonly retain: boolean
  /** Exclusive only: another tab may have started this message before (it closed, crashed or hung). */
  readonly redelivered: boolean
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
  ) {}

  withQos(qos: QoS): Message {
    return new Message(this.topic, this.payload, qos, this.retain, this.redelivered)
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
