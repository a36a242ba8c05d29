/**
 * The tab ⇄ worker contract, and nothing else: read this file first.
 *
 * Two channels connect a tab's Hub to the SharedWorker:
 * - RPC: the worker exposes one narrow `TabApi` facade per connecting port (Comlink). Every call
 *   is made by the tab and answered by the worker.
 * - Events: a plain MessagePort the tab hands over in `open()`. The worker pushes `WorkerEvent`s
 *   on it (status changes, batches of messages); the tab answers exclusive work with `TabEvent`s
 *   on the same port. Pushes need no reply, so they bypass Comlink: no pending promise per
 *   message, and one postMessage carries a whole batch.
 */
import type { WireError } from './errors.ts'
import type {
  ExclusiveSpec, HubEvent, HubStatus, MessageFields, MessageProperties, MqttConnectOptions, OutboxLimits, QoS, QueueLimits, ReconnectOptions,
  SubscriptionOptions,
} from './public-types.ts'
import type { HubInspection, HubMetrics, SessionMetrics, SessionSummary } from './reports.ts'

export const PROTOCOL_VERSION = 3

export interface StatusEvent {
  type: 'status'
  status: HubStatus
  /** Why the connection is not up (refused, lost, unreachable); absent when connected. */
  error?: WireError
}

/** One message for one tab: sent once, with the ids of every subscription of that tab it matches. */
export interface Delivery extends MessageFields {
  subs: number[]
  /** Exclusive work: the tab answers with a `settled` event for this job once the handler finished. */
  job?: number
  /** The job was given to another member before (that tab died, hung, or the handler failed). */
  redelivered?: boolean
  /** QoS 1/2: the broker's packet id of the PUBLISH. */
  messageId?: number
}

/**
 * A batch of deliveries, packed into one transferred buffer (src/delivery-batch.ts holds the
 * layout): one transfer per batch instead of a structured clone per message.
 */
export interface MessagesEvent {
  type: 'messages'
  count: number
  /** Transferred with the event. */
  buffer: ArrayBuffer
  /** MQTT 5 properties of the deliveries that have them, in order. */
  properties?: MessageProperties[]
}

/** Something went wrong that no call of this tab caused (the inbox overflowed, say). */
export interface WarningEvent {
  type: 'warning'
  error: WireError
}

/** The broker acknowledged stored publishes (PUBACK, PUBCOMP), or refused them (`error`). */
export interface PublishedEvent {
  type: 'published'
  /** `messageId`: the packet id the broker's PUBACK / PUBCOMP acknowledged. */
  results: Array<{ seq: number; messageId?: number; error?: WireError }>
}

export interface HubEventMessage {
  type: 'event'
  event: HubEvent
}

/**
 * Worker → tab: exclusive jobs of subscription `sub` given to this tab went to another member
 * (the page was frozen or cached, read nothing for a while, or finished nothing in time). The tab
 * must not start them (see DispatchedEvent).
 */
export interface WithdrawnEvent {
  type: 'withdrawn'
  sub: number
  jobs: number[]
}

/**
 * Worker → tab, on the events port: the worker read the tab's `received` for its oldest batch with
 * exclusive jobs. Those jobs start only now: a `withdrawn` for them, sent earlier on this port,
 * has been read by then.
 */
export interface DispatchedEvent {
  type: 'dispatched'
}

/** Where a hub worker runs: a tab opens it with `new SharedWorker(url, { type: 'module', name })`. */
export interface WorkerAddress {
  url: string
  name: string
  /** The tab ⇄ worker protocol it speaks (PROTOCOL_VERSION). */
  protocol: number
}

/**
 * Worker → tab: a newer hub worker of this origin (a new version of the app) took this
 * connection over. The tab opens its hub there, with its subscriptions and the acks it waits
 * for; `worker` is absent when the newer worker did not say where it is (the tab reloads to reach it).
 */
export interface SupersededEvent {
  type: 'superseded'
  worker?: WorkerAddress
}

export type WorkerEvent =
  | StatusEvent | MessagesEvent | WarningEvent | PublishedEvent | HubEventMessage | WithdrawnEvent | DispatchedEvent | SupersededEvent

/** Tab → worker, on the same events port: an exclusive handler finished (returned or settled). */
export interface SettledEvent {
  type: 'settled'
  sub: number
  job: number
  /** The handler threw or rejected: its message. */
  error?: string
}

/** Tab → worker, on the events port: the page became visible or hidden (`visibilitychange`); sticky exclusive work prefers visible tabs. */
export interface VisibilityEvent {
  type: 'visibility'
  visible: boolean
}

/**
 * Tab → worker: the page was frozen, went into the back/forward cache or is closing (`freeze`,
 * `pagehide`), or came back (`resume`, `pageshow` with `persisted`). Away, it starts none of the
 * exclusive jobs it holds: the worker gives them to other members.
 */
export interface LifecycleEvent {
  type: 'lifecycle'
  active: boolean
}

/** Tab → worker, on the events port: one `messages` event was handled; the worker may send more. */
export interface ReceivedEvent {
  type: 'received'
}

export type TabEvent = SettledEvent | VisibilityEvent | LifecycleEvent | ReceivedEvent

export interface SubscriptionSpec {
  /** Chosen by the tab, unique within that tab's Hub. */
  id: number
  filter: string
  qos: QoS
  exclusive?: ExclusiveSpec
  options?: SubscriptionOptions
}

export interface OpenRequest {
  protocol: number
  name: string
  /** One broker, or the nodes of a cluster tried in turn. */
  url: string[]
  /** Larger incoming packets close the connection; MQTT 5 sends it as Maximum Packet Size. */
  maxIncomingPacketBytes?: number
  /** The lowest QoS of any broker subscription of the connection. */
  minSubscriptionQos?: QoS
  mqtt: MqttConnectOptions
  reconnect: ReconnectOptions
  /** Web Lock the tab holds for its whole life; the worker's request for it is granted when the tab is gone. */
  tabLock: string
  /** Subscriptions to restore (after the worker restarted). */
  subscriptions: SubscriptionSpec[]
  /** Stored publishes (outbox seq) whose ack this tab still waits for (after the worker restarted). */
  awaiting: number[]
  outbox: OutboxLimits
  /** This tab's delivery queue in the worker. */
  queue: QueueLimits
  /** How long the session stays after its last tab left, should this tab be the last. */
  lingerMs: number
  /** Transferred: the worker pushes WorkerEvents here. */
  events: MessagePort
}

export interface OpenResult {
  /** Web Lock the worker holds for its whole life; granted to the tab when the worker dies. */
  workerLock: string
  status: StatusEvent
}

export type PublishRequest = MessageFields<string | Uint8Array>

/** MQTT 5 request/response: the worker sets the response topic and correlation data. */
export interface RequestRequest extends Omit<MessageFields<string | Uint8Array>, 'retain' | 'properties'> {
  properties?: Omit<MessageProperties, 'responseTopic' | 'correlationData'>
  timeoutMs: number
}

export interface SubscribeResult {
  /** The QoS the broker granted the filter (it may be less than asked); null while offline (it is sent on connect). */
  granted: QoS | null
}

/** The facade the worker exposes on each port. One port serves one Hub instance of one tab. */
export interface TabApi {
  open(request: OpenRequest): Promise<OpenResult>
  /** Resolves when the broker granted the subscription (or, while offline, once it is registered), with the grant. */
  subscribe(spec: SubscriptionSpec): Promise<SubscribeResult>
  unsubscribe(id: number): Promise<void>
  /**
   * QoS 0: resolves with null once sent (or queued while offline). QoS 1/2: resolves with the
   * outbox seq once the message is on disk; a `published` event tells the broker's ack.
   */
  publish(request: PublishRequest): Promise<number | null>
  metrics(): Promise<SessionMetrics>
  /** Metrics of every session of the worker. */
  hubMetrics(): Promise<HubMetrics>
  /** Every session of the worker. */
  sessions(): Promise<SessionSummary[]>
  /** Publishes a request and resolves with the one answer to it (only this tab gets it). */
  request(request: RequestRequest): Promise<Delivery>
  /** Tabs, subscriptions and broker state of this hub's connection. */
  inspect(): Promise<HubInspection>
  close(): Promise<void>
}

/**
 * Fallback where SharedWorker is missing: the first and only message a tab posts to its own
 * dedicated worker. The worker then serves `TabApi` on `port` as a SharedWorker serves a tab.
 */
export interface DedicatedWorkerInit {
  port: MessagePort
  /** Names this tab's own session (outbox, inbox, client id) in the worker; kept across reloads. */
  tabSession: string
}
