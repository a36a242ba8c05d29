// The public types of a hub in a tab: what createHub() takes and returns.
import type { HubError } from './errors.ts'
import type { HubMessage } from './message.ts'
import type {
  Balance, HubInspection, HubStatus, MqttConnectOptions, OutboxLimits, QoS, ReconnectOptions, SessionMetrics,
} from './protocol.ts'

export interface HubOptions {
  /** ws:// or wss:// broker URL. */
  url: string
  /** Connection name: tabs with the same name share one connection. Default 'default'. */
  name?: string
  /** MQTT.js-style connect options (the serialisable part). */
  mqtt?: MqttConnectOptions
  /** The hub's reconnect policy; see README for the defaults. */
  reconnect?: Partial<ReconnectOptions>
  /** Limits of the QoS 1/2 outbox; past them publish() rejects with OUTBOX_FULL. Default 10,000 messages, 16 MiB. */
  outbox?: Partial<OutboxLimits>
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

export interface SubscribeOptions {
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
  /** Counters of this tab's connection: exclusive groups, inbox, subscriptions. */
  metrics(): Promise<SessionMetrics>
  /** Who shares this tab's connection (tabs, their visibility and subscriptions) and what the broker holds. */
  inspect(): Promise<HubInspection>
  ready(timeoutMs?: number): Promise<void>
  subscribe(filter: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>
  close(): Promise<void>
}
