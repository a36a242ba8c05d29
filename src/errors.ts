/**
 * Every way a hub call can fail. The code is stable API: apps switch on it.
 *
 * - `INVALID_*`: a call's argument was wrong (the message names it); nothing was sent.
 * - `BROKER_UNREACHABLE`: this connection has never reached the broker (nothing listens, the
 *   host is unknown, TLS or the WebSocket upgrade failed, no CONNACK within `connectTimeout`).
 *   `ready()` rejects with it as soon as an attempt fails; the hub keeps retrying.
 * - `CONNECTION_REFUSED`: the broker answered and refused (credentials, client id); `reasonCode` says why.
 * - `CONNECTION_LOST`: the connection was up and was lost (the hub reconnects by itself).
 * - `HANDLER_FAILED`: one of this tab's handlers or listeners threw; `cause` is what it threw.
 */
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
  | 'BROKER_UNREACHABLE'
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
  /** A QoS 2 message in flight was published again after the broker lost its session: it may arrive twice. */
  | 'POSSIBLE_DUPLICATE'
  | 'MQTT5_REQUIRED'
  | 'NO_RESPONSE_TOPIC'
  | 'HANDLER_FAILED'

/** Every error the hub reports, thrown, rejected or passed to `onError`: switch on `code`. */
export class HubError extends Error {
  /** What went wrong, as a stable code (see {@link HubErrorCode}). */
  readonly code: HubErrorCode
  /** MQTT 5 reason code (or MQTT 3.1.1 return code) when the broker refused something. */
  readonly reasonCode?: number

  constructor(code: HubErrorCode, message: string, reasonCode?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HubError'
    this.code = code
    if (reasonCode !== undefined) this.reasonCode = reasonCode
  }
}

/** True for a {@link HubError}: narrows an `unknown` from a `catch` so that `error.code` compiles. */
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

/** What a handler or listener threw, as a HubError ('HANDLER_FAILED', its message, the thrown value as `cause`). */
export function handlerFailed(thrown: unknown): HubError {
  if (thrown instanceof HubError) return thrown
  const message = thrown instanceof Error ? thrown.message : String(thrown)
  return new HubError('HANDLER_FAILED', message, undefined, { cause: thrown })
}
