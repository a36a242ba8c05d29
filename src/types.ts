// The public types of a hub in a tab: what createHub() takes and returns.
import type { HubError } from './errors.ts'
import type { HubEventListener } from './events.ts'
import type { HubMessage } from './message.ts'
import type { HubMessageStream } from './message-stream.ts'
import type { Balance, HubEventType, HubStatus, MessageProperties, MqttConnectOptions, OutboxLimits, QoS, QueueLimits, ReconnectOptions, SubscriptionOptions } from './public-types.ts'
import type { HubInspection, HubMetrics, SessionMetrics, SessionSummary } from './reports.ts'
import type { RequestOptions, RespondOptions } from './request.ts'

export interface HubOptions {
  /**
   * ws:// or wss:// broker URL, or the URLs of a cluster's nodes: after a failed attempt or a lost
   * connection the hub tries the next one, with its reconnect backoff (see docs/brokers.md).
   */
  url: string | string[]
  /** Connection name: tabs with the same name share one connection. Default 'default'. */
  name?: string
  /** MQTT.js-style connect options (the serialisable part). */
  mqtt?: MqttConnectOptions
  /** The hub's reconnect policy; see README for the defaults. */
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
  /** publish() rejects larger payloads with INVALID_PAYLOAD (brokers often allow less than MQTT's 256 MiB). Default: MQTT's limit. */
  maxPayloadBytes?: number
  /**
   * How long the connection stays open after the last tab using it closed, so that a reload or
   * the next page of the app takes it over. Default 3000; 0 closes at once.
   */
  lingerMs?: number
  /** How long a call to the worker may take before it rejects with 'TIMEOUT'. Default 10000. */
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

export interface SubscribeOptions extends SubscriptionOptions {
  qos?: QoS
  /** Each matching message is handled by exactly one live tab of the group. */
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

export interface PublishOptions {
  qos?: QoS
  retain?: boolean
  /** QoS 1/2: called once the message is on disk (IndexedDB), before the broker's ack resolves publish(). */
  onDurable?: () => void
  /** MQTT 5 PUBLISH properties (ignored under MQTT 3.1.1). */
  properties?: MessageProperties
}

export interface MessageStreamOptions {
  qos?: QoS
  /** Messages kept for a slow consumer; past it the oldest are dropped (counted in `dropped`). Default 1000. */
  bufferSize?: number
}

export type MessageHandler = (message: HubMessage) => void | Promise<void>

export interface Subscription {
  unsubscribe(): Promise<void>
}

export interface Hub {
  readonly mode: HubMode
  readonly status: HubStatus
  /** Why the connection is not up, while it is not (refused, lost, unreachable). */
  readonly lastError: HubError | undefined
  onStatus(callback: (status: HubStatus, error?: HubError) => void): () => void
  /**
   * Errors thrown by this tab's handlers (with their message), and problems no call caused (the
   * exclusive inbox is full). Without a listener they go to `reportError`.
   */
  onError(callback: (error: unknown, message?: HubMessage) => void): () => void
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
  ready(timeoutMs?: number): Promise<void>
  subscribe(filter: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>
  close(): Promise<void>
}
