/** Every way a hub call can fail. The code is stable API: apps switch on it. */
export type HubErrorCode =
  | 'INVALID_TOPIC_NAME'
  | 'INVALID_TOPIC_FILTER'
  | 'INVALID_QOS'
  | 'INVALID_PAYLOAD'
  | 'INVALID_OPTIONS'
  | 'INVALID_URL'
  | 'INVALID_HANDLER'
  | 'INVALID_JSON'
  | 'CLOSED'
  | 'CONFIG_MISMATCH'
  | 'WORKER_UNAVAILABLE'
  | 'TIMEOUT'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_LOST'
  /** The broker broke the MQTT protocol: the hub closed the connection [MQTT-4.8.0-1] and reconnects. */
  | 'PROTOCOL_VIOLATION'
  | 'SESSION_BUSY'
  | 'SUBSCRIBE_REJECTED'
  | 'PUBLISH_FAILED'
  | 'OUTBOX_FULL'
  | 'NOT_SUBSCRIBED'
  | 'MESSAGES_DROPPED'
  /** A QoS 2 message was published again after the broker lost its session: it may arrive twice. */
  | 'POSSIBLE_DUPLICATE'
  | 'MQTT5_REQUIRED'
  | 'NO_RESPONSE_TOPIC'

export class HubError extends Error {
  readonly code: HubErrorCode
  /** MQTT 5 reason code (or MQTT 3.1.1 return code) when the broker refused something. */
  readonly reasonCode?: number

  constructor(code: HubErrorCode, message: string, reasonCode?: number) {
    super(message)
    this.name = 'HubError'
    this.code = code
    if (reasonCode !== undefined) this.reasonCode = reasonCode
  }
}

export function isHubError(value: unknown): value is HubError {
  return value instanceof HubError
}

/** A HubError as it crosses between worker and tab (postMessage drops an Error's own fields). */
export interface WireError {
  code: HubErrorCode
  message: string
  /** MQTT 5 reason code (or MQTT 3.1.1 return code) the broker answered with, when it refused. */
  reasonCode?: number
}

export function toWire(error: HubError): WireError {
  return { code: error.code, message: error.message, ...(error.reasonCode !== undefined && { reasonCode: error.reasonCode }) }
}

export function fromWire(error: WireError): HubError {
  return new HubError(error.code, error.message, error.reasonCode)
}
