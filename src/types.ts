// The public types of a hub in a tab: what createHub() takes and returns.
import type { HubError } from './errors.ts'
import type { HubEventListener } from './events.ts'
import type { HubMessage } from './message.ts'
import type { HubMessageStream } from './message-stream.ts'
import type { Balance, HubEventType, HubStatus, MessageProperties, MqttConnectOptions, OutboxLimits, QoS, QueueLimits, ReconnectOptions, SubscriptionOptions } from './public-types.ts'
import type { HubInspection, HubMetrics, SessionMetrics, SessionSummary } from './reports.ts'
import type { RequestOptions, RespondOptions } from './request.ts'

/**
 * What `createHub()` takes. Every key is checked: an unknown key (anywhere, also a typo or an
 * MQTT.js habit such as a top-level `username`) throws `INVALID_OPTIONS` naming it.
 */
export interface HubOptions {
  /**
   * The broker's `ws://` or `wss://` URL, e.g. `ws://localhost:8080/mqtt`, or the URLs of a
   * cluster's nodes: after a failed attempt or a lost connection the hub tries the next one, with
   * its reconnect backoff (see docs/brokers.md). Required.
   */
  url: string | string[]
  /** Connection name: tabs of one origin with the same name share one connection. Default `'default'`. */
  name?: string
  /** MQTT connect options (client id, credentials, keepalive...), the serialisable part of MQTT.js's. Default: none. */
  mqtt?: MqttConnectOptions
  /** The hub's reconnect policy. Default: 500 ms doubling to 30 s, ±25 % jitter, reset after 10 s up. */
  reconnect?: Partial<ReconnectOptions>
  /** Limits of the QoS 1/2 outbox; past them publish() rejects with OUTBOX_FULL. Default 10,000 messages, 16 MiB. */
  outbox?: Partial<OutboxLimits>
  /**
   * This tab's queue in the worker, for messages it has not read yet (its main thread is busy or
   * frozen). Past it the oldest QoS 0 messages are dropped, then QoS 1/2 ones, counted and reported
   * to onError as MESSAGES_DROPPED. Default 10,000 messages, 8 MiB.
   */
  queue?: Partial<QueueLimits>
  /**
   * The largest packet the hub takes from the broker; a larger one is a protocol violation that
   * closes the connection (PROTOCOL_VIOLATION). Sent as Maximum Packet Size under MQTT 5. Default 8 MiB.
   */
  maxIncomingPacketBytes?: number
  /**
   * The lowest QoS the hub asks the broker for, whatever the tabs ask. Set 1 for RabbitMQ, which
   * sends one copy per distinct QoS of overlapping subscriptions (see docs/brokers.md). Default 0.
   */
  minSubscriptionQos?: QoS
  /** Bytes: publish() rejects larger payloads with INVALID_PAYLOAD (brokers often allow less than MQTT's 256 MiB). Default: MQTT's limit. */
  maxPayloadBytes?: number
  /**
   * How long the connection stays open after the last tab using it closed, so that a reload or
   * the next page of the app takes it over, in milliseconds. Default 3000; 0 closes at once.
   */
  lingerMs?: number
  /** Milliseconds a call to the worker may take before it rejects with 'TIMEOUT'. Default 10000. */
  callTimeoutMs?: number
  /** How to start the hub worker; default: the package's own worker (a dedicated one per tab where SharedWorker is missing). */
  worker?: () => SharedWorker
}

/**
 * How this tab reaches the broker: 'shared-worker' (one connection for every tab), or
 * 'dedicated-worker' where the browser has no SharedWorker (one connection per tab; exclusive
 * handlers still run in one tab at a time, see README "Browsers without SharedWorker").
 */
export type HubMode = 'shared-worker' | 'dedicated-worker'

/** Options of `hub.subscribe()`. */
export interface SubscribeOptions extends SubscriptionOptions {
  /** The most QoS this subscription wants (the broker grants at most this). Default 0. */
  qos?: QoS
  /** Each matching message is handled by exactly one live tab of the group. Default false. */
  exclusive?: boolean
  /** Exclusive subscriptions of one connection and group share the work. Default: the filter. */
  group?: string
  /** Exclusive only: 'sticky' (default) or 'round-robin'. */
  balance?: Balance
  /** Exclusive only: a tab that finishes nothing for this long loses its messages to another tab. Default 30000. */
  timeoutMs?: number
  /** Exclusive only: times a message whose handler threw is handled again. Default 0. */
  retries?: number
}

/** Options of `hub.publish()`. */
export interface PublishOptions {
  /** 0 (default): at most once, not stored. 1 or 2: stored in IndexedDB until the broker acknowledges it. */
  qos?: QoS
  /** The broker keeps the message as the topic's current value for later subscribers. Default false. */
  retain?: boolean
  /** QoS 1/2: called once the message is on disk (IndexedDB), before the broker's ack resolves publish(). */
  onDurable?: () => void
  /** QoS 1/2: called with the packet id the broker's PUBACK or PUBCOMP acknowledged, just before publish() resolves. */
  onAcked?: (messageId: number | undefined) => void
  /** MQTT 5 PUBLISH properties (ignored under MQTT 3.1.1). */
  properties?: MessageProperties
}

/** Options of `hub.messages()`. */
export interface MessageStreamOptions {
  /** Default 0. */
  qos?: QoS
  /** Messages kept for a slow consumer; past it the oldest are dropped (counted in `dropped`). Default 1000. */
  bufferSize?: number
}

/** Called for each matching message; an exclusive message is handled once the returned promise settles. */
export type MessageHandler = (message: HubMessage) => void | Promise<void>

/** What `hub.subscribe()` resolves with. */
export interface Subscription {
  /** The QoS the broker granted (at most the QoS asked for); absent while offline, when the broker has not answered yet. */
  readonly granted?: QoS
  /** Stops the handler; the last tab to leave a filter causes one UNSUBSCRIBE. Rejects with NOT_SUBSCRIBED the second time. */
  unsubscribe(): Promise<void>
}

/** A tab's handle on the shared connection, from `createHub()`. */
export interface Hub {
  /** How this tab reaches the broker (see {@link HubMode}). */
  readonly mode: HubMode
  /** The shared connection's status, the same in every tab. Starts as `'connecting'`. */
  readonly status: HubStatus
  /** Why the connection is not up, while it is not (refused, lost, unreachable). */
  readonly lastError: HubError | undefined
  /** Calls `callback` at each status change, with the reason when the connection is not up. Returns the function that stops it. */
  onStatus(callback: (status: HubStatus, error?: HubError) => void): () => void
  /**
   * Errors no call of yours can reject with: a handler of this tab threw (`HANDLER_FAILED`, the
   * message it was handling, the thrown value as `cause`), messages were dropped for a tab too
   * slow to read them (`MESSAGES_DROPPED`). Without a listener they go to `reportError`.
   * Returns the function that stops it.
   */
  onError(callback: (error: HubError, message?: HubMessage) => void): () => void
  /** Session events: connection, state changes, broker subscriptions, sessions added and removed. Returns the unsubscribe function. */
  on<K extends HubEventType>(type: K, listener: HubEventListener<K>): () => void
  /** Every named session of the hub worker, with its state. */
  sessions(): Promise<SessionSummary[]>
  /** Counters of this tab's connection: traffic, subscriptions, exclusive groups, inbox, outbox. */
  metrics(): Promise<SessionMetrics>
  /** Counters of every session of the hub worker, with totals. */
  metrics(options: { all: true }): Promise<HubMetrics>
  /** The messages of `filter` as an async iterator; `break` unsubscribes, the hub's close ends it. */
  messages(filter: string, options?: MessageStreamOptions): HubMessageStream
  /** MQTT 5: publishes a request (response topic, correlation data) and resolves with its one answer. */
  request(topic: string, payload: string | Uint8Array, options?: RequestOptions): Promise<HubMessage>
  /** MQTT 5: publishes the answer to a request received by a handler (to its response topic, with its correlation data). */
  respond(request: HubMessage, payload: string | Uint8Array, options?: RespondOptions): Promise<void>
  /** Who shares this tab's connection (tabs, their visibility and subscriptions) and what the broker holds. */
  inspect(): Promise<HubInspection>
  /**
   * Resolves once the shared connection is up (at once if it is). Rejects promptly when an
   * attempt fails while it waits: `BROKER_UNREACHABLE` (never reached), `CONNECTION_REFUSED`
   * (credentials); with `CLOSED` at close; with `TIMEOUT` after `timeoutMs` (default 30000).
   * The hub keeps retrying after a rejection: call `ready()` again to wait for the next attempt.
   */
  ready(timeoutMs?: number): Promise<void>
  /**
   * Calls `handler` exactly once for every message matching `filter` (MQTT wildcards `+` and `#`),
   * also when filters overlap. Resolves once the broker granted the subscription (or at once when
   * another tab holds it). Rejects with INVALID_TOPIC_FILTER, INVALID_QOS, INVALID_OPTIONS,
   * SUBSCRIBE_REJECTED. With `exclusive: true` each message is handled by one live tab of the group.
   */
  subscribe(filter: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>
  /**
   * Publishes `payload` (text is sent as UTF-8; for an object, `JSON.stringify` it). QoS 0 resolves
   * once handed to the connection; QoS 1/2 are stored first and resolve at the broker's ack, even
   * across outages and reloads. Rejects with INVALID_TOPIC_NAME, INVALID_PAYLOAD, OUTBOX_FULL, PUBLISH_FAILED.
   */
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>
  /**
   * Ends this tab's use of the hub: its subscriptions go, and a publish still waiting for its ack
   * rejects with CLOSED (a QoS 1/2 message stays stored and is sent). The connection stays for other tabs.
   */
  close(): Promise<void>
}
