import type { MessageFields } from '../../src/public-types.ts'

/** A PUBLISH from the broker, as the session routes it. */
export interface InboundMessage extends MessageFields {
  /** The broker's packet id, at QoS 1/2: a message it re-sends after a reconnect keeps it [MQTT-4.4.0-1]. */
  packetId?: number
  /** Which broker connection of this worker it arrived on (counted from 1; 0 is an earlier worker's). */
  connection: number
  /** That connection is in its first seconds, when a broker re-sends what it had not seen acked. */
  justConnected: boolean
}

/**
 * Whatever a broker subscription delivers to: a tab, an exclusive group (which picks one member),
 * the request helper (which answers one pending request). Routing knows nothing else of them.
 */
export interface MessageSubscriber {
  /**
   * One message, once, with the ids of this subscriber's subscriptions it matched. A promise
   * delays the broker's ack (PUBACK, PUBREC) until it settles: only for the inbox write.
   */
  receive(message: InboundMessage, subs: number[]): Promise<void> | void
}
