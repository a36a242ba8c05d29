/**
 * The vocabulary tab and worker share with the app: QoS, status, a message's fields, connection,
 * subscription and queue options, and session events. No behaviour here.
 */
import type { WireError } from './errors.ts'

/** MQTT quality of service: 0 at most once, 1 at least once, 2 exactly once. */
export type QoS = 0 | 1 | 2
/**
 * The shared connection's status: `connecting` (first attempt, or the worker is starting),
 * `connected` (CONNACK received), `offline` (lost, refused or never reached: waiting for the next
 * attempt), `reconnecting` (a later attempt), `closed` (`close()`, or the hub failed for good).
 */
export type HubStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed'

/** MQTT 5 properties and will are passed through to MQTT.js as given (serialisable values only). */
export type MqttProperties = Record<string, unknown>

/** The message the broker publishes for this connection when it goes without a DISCONNECT [MQTT-3.1.2-8]. */
export interface WillMessage {
  /** A topic name (no wildcards). */
  topic: string
  payload: string | Uint8Array
  /** Default 0. */
  qos?: QoS
  /** Default false. */
  retain?: boolean
  /** MQTT 5 will properties (`willDelayInterval` in seconds, ...). */
  properties?: MqttProperties
}

/**
 * MQTT connect options: the serialisable part of MQTT.js's. Every tab of one connection name
 * must pass the same ones (else CONFIG_MISMATCH). Never stored or logged.
 */
export interface MqttConnectOptions {
  /** The client identifier. Default: a random `mqtt-hub-...` id (with `clean: false`, kept in IndexedDB so the session is found again). Not empty with `clean: false`. */
  clientId?: string
  /** Sent in CONNECT; kept in the worker's memory only. */
  username?: string
  /** Sent in CONNECT; kept in the worker's memory only, never stored, logged or put in an error. */
  password?: string
  /** Seconds between PINGREQs when idle; the broker drops the connection after 1.5× this without traffic. 0 turns it off. Default 60. */
  keepalive?: number
  /** true (default): a new session at each connection. false: the broker keeps subscriptions and queued QoS 1/2 messages. */
  clean?: boolean
  /** 4 (MQTT 3.1.1, default) or 5. */
  protocolVersion?: 4 | 5
  /** Milliseconds to wait for CONNACK before the attempt counts as failed. Default 10000. */
  connectTimeout?: number
  /** The last will the broker publishes if this connection ends without a DISCONNECT. */
  will?: WillMessage
  /** MQTT 5 CONNECT properties (`sessionExpiryInterval` in seconds, `receiveMaximum`, ...). */
  properties?: MqttProperties
}

/** The hub's own reconnect policy (MQTT.js's fixed `reconnectPeriod` is switched off). */
export interface ReconnectOptions {
  /** Milliseconds: the first delay after a failed or lost connection. Default 500. */
  minDelayMs: number
  /** Milliseconds: the cap of the delay. Default 30000. */
  maxDelayMs: number
  /** Delay grows as `minDelayMs * factor ** attempt`. Default 2. */
  factor: number
  /** Fraction of the delay that is randomised (0 = none, 0.5 = ±25 %). Default 0.5. */
  jitter: number
  /** Milliseconds: the attempt counter resets only after a connection stayed up this long. Default 10000. */
  stableAfterMs: number
}

/** MQTT 5 PUBLISH properties a tab can set and receive (serialisable; topic aliases are the worker's business). */
export interface MessageProperties {
  /** true: the payload is UTF-8 text [MQTT-3.3.2.3.2]. */
  payloadFormatIndicator?: boolean
  /** Seconds the broker keeps the message for subscribers that are away. */
  messageExpiryInterval?: number
  /** The payload's MIME type, e.g. `application/json`. */
  contentType?: string
  /** Where the receiver should publish its answer (request/response). */
  responseTopic?: string
  /** Echoed in the answer so that the requester can tell which request it answers. */
  correlationData?: Uint8Array
  /** Name/value pairs the application defines. */
  userProperties?: Record<string, string | string[]>
}

/**
 * A message's fields, declared once: what a tab publishes, what the worker delivers, stores in
 * its outbox and inbox, and hands to exclusive handlers. `Payload` is a string only on the way in.
 */
export interface MessageFields<Payload = Uint8Array> {
  topic: string
  payload: Payload
  qos: QoS
  retain: boolean
  /** MQTT 5 PUBLISH properties (dropped under MQTT 3.1.1). */
  properties?: MessageProperties
}

/** MQTT 5 subscription options [MQTT-3.8.3.1]. One filter held by several tabs is one broker subscription: they must agree. */
export interface SubscriptionOptions {
  /** Do not receive what this connection published (every tab of the session shares the connection). */
  noLocal?: boolean
  /** Keep the RETAIN flag as the publisher set it. */
  retainAsPublished?: boolean
  /** 0: send retained messages at subscribe (default); 1: only if the subscription is new; 2: never. */
  retainHandling?: 0 | 1 | 2
}

/** How an exclusive group assigns messages: `sticky` (the oldest live member takes all, in order) or `round-robin`. */
export type Balance = 'sticky' | 'round-robin'

/** Exclusive subscriptions of one connection and group form a group: each message goes to one member. */
export interface ExclusiveSpec {
  group: string
  /** sticky: one member gets every message until it goes away; round-robin: spread over members. */
  balance: Balance
  /** A member that finishes nothing for this long loses its messages to another member. */
  timeoutMs: number
  /** How many times a message whose handler threw is given to a member again. */
  retries: number
}

/** How a tab's messages wait in the worker: bounded, so that a frozen tab cannot exhaust its memory. */
export interface QueueLimits {
  /**
   * Messages waiting for a tab that stopped confirming (none for `stalledAfterMs`); past it its
   * oldest QoS 0 message is dropped (then QoS 1/2). A tab that keeps confirming is bound by `burstMaxBytes` alone. Default 10000.
   */
  maxMessages: number
  /** Bytes of payload and topic waiting for a tab that stopped confirming. Default 8 MiB. */
  maxBytes: number
  /**
   * Bytes waiting for a tab that keeps confirming, merely slower than a burst: the worker's
   * memory budget per tab. Default 32 MiB (a 100,000-message burst of 100 B fits).
   */
  burstMaxBytes?: number
  /** A tab that has confirmed nothing posted to it for this long has stopped confirming. Default 3000. */
  stalledAfterMs?: number
}

/** Limits of the QoS 1/2 outbox in IndexedDB; past either, publish() rejects with OUTBOX_FULL. */
export interface OutboxLimits {
  /** Default 10000. */
  maxMessages: number
  /** Payload bytes. Default 16 MiB. */
  maxBytes: number
}

/**
 * A session event, told to every tab of the session (`hub.on(type, listener)`). Every event has
 * `type`, `session` (the connection name) and `at` (the worker's clock, epoch milliseconds).
 */
export type HubEvent = { session: string; at: number } & (
  /** The first connection attempt starts (a tab that joins later does not hear it). */
  | { type: 'connecting' }
  /** CONNACK; `sessionPresent`: the broker kept this client's session (`clean: false`). */
  | { type: 'connected'; sessionPresent: boolean }
  /** A connection that was up went down. */
  | { type: 'disconnected'; error: WireError }
  /** A new attempt after a lost or failed connection; `attempt` counts from 1 and resets after a stable connection. */
  | { type: 'reconnecting'; attempt: number }
  /** Waiting for the next attempt (the reconnect policy's delay); `error` says why. */
  | { type: 'offline'; error?: WireError }
  /** This hub closed (`close()`, or CONFIG_MISMATCH). */
  | { type: 'closed' }
  /** Every status change. */
  | { type: 'stateChanged'; from: HubStatus; to: HubStatus }
  /** A session (connection name) was opened in the worker: told to every tab of every session. */
  | { type: 'sessionAdded' }
  /** A session closed (its last tab left and its linger ended): told to every tab of every session. */
  | { type: 'sessionRemoved' }
  /**
   * A newer version of the app (its own hub worker) took this connection over. The hub moves to
   * it by itself; `reloadNeeded`: it cannot (another protocol), and the page should reload.
   */
  | { type: 'superseded'; reloadNeeded: boolean }
  /** The broker granted a SUBSCRIBE (SUBACK) with this QoS. */
  | { type: 'subscribed'; filter: string; qos: QoS }
  /** The broker refused a SUBSCRIBE. */
  | { type: 'subscribeRefused'; filter: string; reasonCode: number }
  /** The broker acknowledged an UNSUBSCRIBE (UNSUBACK). */
  | { type: 'unsubscribed'; filter: string }
)

export type HubEventType = HubEvent['type']
