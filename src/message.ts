import { HubError } from './errors.ts'
import type { QoS } from './protocol.ts'

export interface HubMessage {
  readonly topic: string
  readonly payload: Uint8Array
  readonly qos: QoS
  /** True only for a retained message sent because this subscription was made. */
  readonly retain: boolean
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
  ) {}

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
