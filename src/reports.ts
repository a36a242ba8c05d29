/** What metrics() and inspect() report: counters and snapshots, serialisable, read-only for the app. */
import type { WireError } from './errors.ts'
import type { HubStatus, QoS } from './public-types.ts'

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

/** This tab's deliveries, as the worker counts them. */
export interface DeliveryMetrics {
  /** Waiting in the worker for the tab to read what it was sent. */
  queued: number
  queuedBytes: number
  /** Sent to the tab and not yet confirmed by it. */
  inFlight: number
  /** Sent to the tab, in all. */
  delivered: number
  /** Posts (postMessage) that carried them: a tab that keeps up gets small batches, a busy one fewer, larger ones. */
  batches: number
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
    /**
     * QoS 2 messages published again because the broker's CONNACK said the session was gone
     * (sessionPresent false) after it had answered PUBREC: possibly delivered twice (at least once).
     */
    possibleDuplicates: number
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
  /** False while the page is frozen or in the back/forward cache: it gets no messages and no exclusive work. */
  active: boolean
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
