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
import type { HubErrorCode } from './errors.ts'

export const PROTOCOL_VERSION = 2

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

export interface WireError {
  code: HubErrorCode
  message: string
  /** MQTT 5 reason code (or MQTT 3.1.1 return code) the broker answered with, when it refused. */
  reasonCode?: number
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

/** MQTT 5 subscription options [MQTT-3.8.3.1]. One filter held by several tabs is one broker subscription: they must agree. */
export interface SubscriptionOptions {
  /** Do not receive what this connection published (every tab of the session shares the connection). */
  noLocal?: boolean
  /** Keep the RETAIN flag as the publisher set it. */
  retainAsPublished?: boolean
  /** 0: send retained messages at subscribe (default); 1: only if the subscription is new; 2: never. */
  retainHandling?: 0 | 1 | 2
}

export interface StatusEvent {
  type: 'status'
  status: HubStatus
  /** Why the connection is not up (refused, lost, unreachable); absent when connected. */
  error?: WireError
}

/** One message for one tab: sent once, with the ids of every subscription of that tab it matches. */
export interface Delivery {
  subs: number[]
  topic: string
  payload: Uint8Array
  qos: QoS
  retain: boolean
  /** Exclusive work: the tab answers with a `settled` event for this job once the handler finished. */
  job?: number
  /** The job was given to another member before (that tab died, hung, or the handler failed). */
  redelivered?: boolean
  /** MQTT 5 properties the publisher set. */
  properties?: MessageProperties
}

export interface MessagesEvent {
  type: 'messages'
  deliveries: Delivery[]
}

/** Something went wrong that no call of this tab caused (the inbox overflowed, say). */
export interface WarningEvent {
  type: 'warning'
  error: WireError
}

/** The broker acknowledged stored publishes (PUBACK, PUBCOMP), or refused them (`error`). */
export interface PublishedEvent {
  type: 'published'
  results: Array<{ seq: number; error?: WireError }>
}

/**
 * What happens to a session, told to every tab of it (`sessionAdded`/`sessionRemoved`: to every
 * tab of every session). `session` names the session, `at` is the worker's clock (epoch ms).
 */
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
  /** The broker granted a SUBSCRIBE (SUBACK) with this QoS. */
  | { type: 'subscribed'; filter: string; qos: QoS }
  /** The broker refused a SUBSCRIBE. */
  | { type: 'subscribeRefused'; filter: string; reasonCode: number }
  /** The broker acknowledged an UNSUBSCRIBE (UNSUBACK). */
  | { type: 'unsubscribed'; filter: string }
)

export type HubEventType = HubEvent['type']

export interface HubEventMessage {
  type: 'event'
  event: HubEvent
}

export type WorkerEvent = StatusEvent | MessagesEvent | WarningEvent | PublishedEvent | HubEventMessage

/** Tab → worker, on the same events port: an exclusive handler finished (returned or settled). */
export interface SettledEvent {
  type: 'settled'
  sub: number
  job: number
  /** The handler threw or rejected: its message. */
  error?: string
}

/** Tab → worker, on the events port: the page became visible or hidden (`visibilitychange`), for inspection. */
export interface VisibilityEvent {
  type: 'visibility'
  visible: boolean
}

/** Tab → worker, on the events port: one `messages` event was handled; the worker may send more. */
export interface ReceivedEvent {
  type: 'received'
}

export type TabEvent = SettledEvent | VisibilityEvent | ReceivedEvent

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

export interface SubscriptionSpec {
  /** Chosen by the tab, unique within that tab's Hub. */
  id: number
  filter: string
  qos: QoS
  exclusive?: ExclusiveSpec
  options?: SubscriptionOptions
}

export interface ExclusiveMetrics {
  /** Handlers that finished. */
  handled: number
  /** Handlers that threw or rejected (after their retries). */
  failed: number
  /** Messages given to another member (tab gone, hung, or retried). */
  redelivered: number
  /** Members that finished nothing within the timeout. */
  timeouts: number
  /** Messages the broker sent again after a reconnect (same packet id, topic and payload), not handled twice. */
  duplicates: number
  /** Messages waiting for a member or running. */
  pending: number
}

/** How a tab's messages wait in the worker: bounded, so that a frozen tab cannot exhaust its memory. */
export interface QueueLimits {
  /** Messages waiting for the tab; past it the oldest QoS 0 message is dropped (then QoS 1/2). Default 10000. */
  maxMessages: number
  /** The same, counted in bytes of payload and topic. Default 8 MiB. */
  maxBytes: number
}

/** This tab's deliveries, as the worker counts them. */
export interface DeliveryMetrics {
  /** Waiting in the worker for the tab to read what it was sent. */
  queued: number
  queuedBytes: number
  /** Sent to the tab and not yet confirmed by it. */
  inFlight: number
  /** Sent to the tab, in all. */
  delivered: number
  /** Dropped because the tab did not read them while its queue was full. */
  dropped: { qos0: number; qos12: number }
  /** Times the queue overflowed (the tab's exclusive work then went to other members). */
  stalls: number
}

/** Traffic of one session (or of the whole hub) since its connection was first made. */
export interface TrafficMetrics {
  messagesIn: number
  messagesOut: number
  /** MQTT 5: PUBLISHes sent with a topic alias instead of the topic (the broker's CONNACK offered aliases). */
  messagesOutAliased: number
  bytesIn: number
  bytesOut: number
  /** Over the last 5 seconds. */
  messagesInPerSecond: number
  messagesOutPerSecond: number
  /** Connection failures, refused subscriptions and refused publishes. */
  errors: number
  lastError: (WireError & { at: number }) | null
  /** Broker connections made after the first one. */
  reconnects: number
  /** When the latest message arrived (epoch ms), null before the first. */
  lastMessageAt: number | null
}

export interface SessionMetrics {
  name: string
  status: HubStatus
  tabs: number
  brokerSubscriptions: number
  /** Subscriptions the tabs hold (every `subscribe()`), against filters the broker holds for them. */
  subscriptions: { local: number; broker: number }
  traffic: TrafficMetrics
  /** Per exclusive group name. */
  exclusive: Record<string, ExclusiveMetrics>
  inbox: { depth: number; limit: number; overflowed: number; durable: boolean }
  /** QoS 1/2 publishes not yet acknowledged by the broker. */
  outbox: {
    depth: number
    bytes: number
    /** Age of the oldest message waiting, null when none waits. */
    oldestAgeMs: number | null
    inFlight: number
    maxMessages: number
    maxBytes: number
    durable: boolean
    /** QoS 0 messages dropped while offline (over 10,000 waiting). */
    droppedQos0: number
  }
  /** The asking tab's deliveries; `handlerErrors` is counted by the tab itself. */
  delivery: DeliveryMetrics & { handlerErrors: number }
}

/** One Hub instance of one tab, as the worker sees it. */
export interface InspectedTab {
  /** Given by the worker when the hub opened; stable for this worker's life. */
  id: number
  /** The hub that asked for this inspection. */
  self: boolean
  /** The page's `document.visibilityState` was 'visible' at its last report. */
  visible: boolean
  subscriptions: Array<{ filter: string; qos: QoS; group?: string }>
}

/** The tabs' subscriptions of one filter (and exclusive group): what the registry counts. */
export interface InspectedFilter {
  filter: string
  /** Exclusive group name; absent for plain subscriptions. */
  group?: string
  /** Highest QoS asked for. */
  qos: QoS
  /** Tabs holding at least one such subscription. */
  tabs: number
  /** Subscriptions in all (a tab may subscribe to one filter more than once). */
  subscriptions: number
}

/** What one connection looks like from the inside: who shares it and what the broker holds. */
export interface HubInspection {
  name: string
  /** Without credentials. */
  url: string
  clientId: string
  protocolVersion: 4 | 5
  status: HubStatus
  /** When the current broker connection was made (epoch ms), null while not connected. */
  connectedAt: number | null
  /** Broker connections made after the first one. */
  reconnects: number
  tabs: InspectedTab[]
  subscriptions: InspectedFilter[]
  /** Filters the broker has granted to this connection, with the granted QoS. */
  broker: Array<{ filter: string; qos: QoS }>
}

/** Every session of the worker, with totals. */
export interface HubMetrics {
  sessions: SessionMetrics[]
  totals: Omit<TrafficMetrics, 'lastError' | 'lastMessageAt'> & { sessions: number; tabs: number; outboxDepth: number; inboxDepth: number }
}

/** One named session as any tab can see it. */
export interface SessionSummary {
  name: string
  /** Without credentials. */
  url: string
  status: HubStatus
  tabs: number
  protocolVersion: 4 | 5
  /** No tab is left: it closes when the linger ends, unless a tab opens it again. */
  lingering: boolean
}

/** Limits of the QoS 1/2 outbox in IndexedDB; past either, publish() rejects with OUTBOX_FULL. */
export interface OutboxLimits {
  /** Default 10000. */
  maxMessages: number
  /** Payload bytes. Default 16 MiB. */
  maxBytes: number
}

export interface OpenRequest {
  protocol: number
  name: string
  url: string
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

export interface PublishRequest {
  topic: string
  payload: string | Uint8Array
  qos: QoS
  retain: boolean
  properties?: MessageProperties
}

/** MQTT 5 request/response: the worker sets the response topic and correlation data. */
export interface RequestRequest {
  topic: string
  payload: string | Uint8Array
  qos: QoS
  properties?: Omit<MessageProperties, 'responseTopic' | 'correlationData'>
  timeoutMs: number
}

/** The facade the worker exposes on each port. One port serves one Hub instance of one tab. */
export interface TabApi {
  open(request: OpenRequest): Promise<OpenResult>
  /** Resolves when the broker granted the subscription (or, while offline, once it is registered). */
  subscribe(spec: SubscriptionSpec): Promise<void>
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
