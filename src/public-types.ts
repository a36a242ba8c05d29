/**
 * The vocabulary tab and worker share with the app: QoS, status, a message's fields, connection,
 * subscription and queue options, and session events. No behaviour here.
 */
import type { WireError } from './errors.ts'

export type QoS = 0 | 1 | 2
export type HubStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed'

/** MQTT 5 properties and will are passed through to MQTT.js as given (serialisable values only). */
export type MqttProperties = Record<string, unknown>

export interface WillMessage {
  topic: string
  payload: string | Uint8Array
  qos?: QoS
  retain?: boolean
  properties?: MqttProperties
}

/** The serialisable part of MQTT.js's connect options. */
export interface MqttConnectOptions {
  clientId?: string
  username?: string
  password?: string
  keepalive?: number
  clean?: boolean
  protocolVersion?: 4 | 5
  connectTimeout?: number
  will?: WillMessage
  properties?: MqttProperties
}

/** The hub's own reconnect policy (MQTT.js's fixed `reconnectPeriod` is switched off). */
export interface ReconnectOptions {
  /** First delay after a lost connection. */
  minDelayMs: number
  /** Cap of the delay. */
  maxDelayMs: number
  /** Delay grows as `minDelayMs * factor ** attempt`. */
  factor: number
  /** Fraction of the delay that is randomised (0 = none, 0.5 = ±25 %). */
  jitter: number
  /** The attempt counter resets only after a connection stayed up this long. */
  stableAfterMs: number
}

/** MQTT 5 PUBLISH properties a tab can set and receive (serialisable; topic aliases are the worker's business). */
export interface MessageProperties {
  /** true: the payload is UTF-8 text [MQTT-3.3.2.3.2]. */
  payloadFormatIndicator?: boolean
  /** Seconds the broker keeps the message for subscribers that are away. */
  messageExpiryInterval?: number
  contentType?: string
  /** Where the receiver should publish its answer (request/response). */
  responseTopic?: string
  /** Echoed in the answer so that the requester can tell which request it answers. */
  correlationData?: Uint8Array
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
   * oldest QoS 0 message is dropped (then QoS 1/2). A tab that keeps confirming is bound by `maxBytes` alone.
   */
  maxMessages: number
  /** Bytes of payload and topic waiting for a tab that stopped confirming. */
  maxBytes: number
  /**
   * Bytes waiting for a tab that keeps confirming, merely slower than a burst: the worker's
   * memory budget per tab. Default 32 MiB (a 100,000-message burst of 100 B fits).
   */
  burstMaxBytes?: number
  /** A tab that has confirmed nothing posted to it for this long has stopped confirming. Default 3000. */
  stalledAfterMs?: number
}

export interface OutboxLimits {
  maxMessages: number
  maxBytes: number
}

/**
 * What happens to a session, told to every tab of it (`sessionAdded`/`sessionRemoved`: to every
 * tab of every session). `session` names the session, `at` is the worker's clock (epoch ms).
 */
export type HubEvent = { session: string; at: number } & (
  | { type: 'connecting' }
  | { type: 'connected'; sessionPresent: boolean }
  /** A connection that was up went down. */
  | { type: 'disconnected'; error: WireError }
  /** A new attempt after a lost or failed connection; `attempt` counts from 1 and resets after a stable connection. */
  | { type: 'reconnecting'; attempt: number }
  | { type: 'offline'; error?: WireError }
  | { type: 'closed' }
  | { type: 'stateChanged'; from: HubStatus; to: HubStatus }
  | { type: 'sessionAdded' }
  | { type: 'sessionRemoved' }
  /** The broker granted a SUBSCRIBE (SUBACK) with this QoS. */
  | { type: 'subscribed'; filter: string; qos: QoS }
  /** The broker refused a SUBSCRIBE. */
  | { type: 'subscribeRefused'; filter: string; reasonCode: number }
  /** The broker acknowledged an UNSUBSCRIBE (UNSUBACK). */
  | { type: 'unsubscribed'; filter: string }
)

export type HubEventType = HubEvent['type']
