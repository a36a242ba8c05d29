// subscribe()'s arguments as MQTT.js takes them (a filter, a list, a map of filter to options),
// checked and turned into one wanted subscription per filter, and the filters a client holds.
import type { ISubscriptionGrant } from './compat-packets.ts'
import { HubError } from './errors.ts'
import type { HubMessage } from './message.ts'
import { checkQos, record } from './options.ts'
import type { QoS } from './public-types.ts'
import { topicMatches, validateTopicFilter } from './topic.ts'
import type { Hub, Subscription } from './types.ts'

/** MQTT.js's subscribe options; `nl`, `rap`, `rh` are MQTT 5's subscription options [MQTT-3.8.3.1]. */
export interface IClientSubscribeOptions {
  qos?: QoS
  /** No Local: do not receive what this connection published (every tab of the session shares it). */
  nl?: boolean
  /** Retain As Published. */
  rap?: boolean
  /** Retain Handling: 0 send retained messages, 1 only for a new subscription, 2 never. */
  rh?: 0 | 1 | 2
}

export type ISubscriptionMap = Record<string, IClientSubscribeOptions>

export interface WantedSubscription extends IClientSubscribeOptions {
  topic: string
  qos: QoS
}

/** Throws a HubError for an empty list, an invalid filter or an option the hub cannot honour. */
export function subscriptionList(topics: string | string[] | ISubscriptionMap, options: IClientSubscribeOptions, v5: boolean): WantedSubscription[] {
  const shared = record(options, 'subscribe options')
  if (shared.properties !== undefined) {
    // One broker subscription serves every tab: its identifier is the hub's, its user properties cannot be per tab.
    throw new HubError('INVALID_OPTIONS', 'Subscribe option properties is not supported by mqtt-hub: the hub sets the subscription identifier of the shared subscription')
  }
  const list = typeof topics === 'string'
    ? [[topics, shared] as const]
    : Array.isArray(topics) ? topics.map((topic) => [topic, shared] as const) : Object.entries(record(topics, 'subscription map')).map(([topic, o]) => [topic, record(o, `options of ${topic}`)] as const)
  if (list.length === 0) throw new HubError('INVALID_TOPIC_FILTER', 'subscribe() needs at least one topic filter')
  return list.map(([topic, o]) => {
    validateTopicFilter(topic)
    const wanted: WantedSubscription = { topic, qos: checkQos(o.qos) }
    if (!v5) return wanted // MQTT 3.1.1 has no subscription options; MQTT.js drops them too
    for (const key of ['nl', 'rap'] as const) {
      if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new HubError('INVALID_OPTIONS', `${key} must be a boolean`)
    }
    if (o.rh !== undefined && o.rh !== 0 && o.rh !== 1 && o.rh !== 2) throw new HubError('INVALID_OPTIONS', 'rh must be 0, 1 or 2')
    return { ...wanted, ...(o.nl !== undefined && { nl: o.nl as boolean }), ...(o.rap !== undefined && { rap: o.rap as boolean }), ...(o.rh !== undefined && { rh: o.rh as 0 | 1 | 2 }) }
  })
}

interface Waiter {
  resolve(qos: QoS): void
  reject(error: HubError): void
}

/**
 * The broker's answers to SUBSCRIBE as the hub's events tell them. A subscribe() made while
 * offline resolves before the broker answered; MQTT.js calls back only after the SUBACK.
 */
class SubackWaiters {
  private readonly waiting = new Map<string, Set<Waiter>>()

  constructor(hub: Hub) {
    hub.on('subscribed', ({ filter, qos }) => this.settle(filter, (waiter) => waiter.resolve(qos)))
    hub.on('subscribeRefused', ({ filter, reasonCode }) => this.settle(filter, (waiter) => waiter.reject(
      new HubError('SUBSCRIBE_REJECTED', `The broker refused the subscription to "${filter}" (reason code ${reasonCode})`, reasonCode))))
  }

  /** The next SUBACK for `filter`: ask before subscribing, so that an answer that overtakes the reply is not missed. */
  next(filter: string): { granted: Promise<QoS>; cancel(): void } {
    let waiter!: Waiter
    const granted = new Promise<QoS>((resolve, reject) => (waiter = { resolve, reject }))
    granted.catch(() => {}) // a cancelled or unused waiter is no unhandled rejection
    const set = this.waiting.get(filter) ?? new Set()
    set.add(waiter)
    this.waiting.set(filter, set)
    return { granted, cancel: () => set.delete(waiter) }
  }

  rejectAll(error: HubError): void {
    for (const set of this.waiting.values()) for (const waiter of set) waiter.reject(error)
    this.waiting.clear()
  }

  private settle(filter: string, answer: (waiter: Waiter) => void): void {
    const set = this.waiting.get(filter)
    this.waiting.delete(filter)
    for (const waiter of set ?? []) answer(waiter)
  }
}

/**
 * The filters one compat client holds, over the hub it currently uses. Kept across end() so that
 * reconnect() makes them again, as MQTT.js resubscribes.
 */
export class ClientSubscriptions {
  /** Each filter with the token of the subscription that speaks for it (a re-subscribe replaces it). */
  private readonly filters = new Map<string, WantedSubscription & { token: object }>()
  private readonly subscriptions = new Map<string, Subscription>()
  /** The hub in use, and its SUBACKs. */
  private attached: { hub: Hub; subacks: SubackWaiters } | null = null

  constructor(private readonly v5: boolean, private readonly onMessage: (message: HubMessage) => void) {}

  /** The QoS this client holds `topic` at, if it does. */
  heldQos(topic: string): QoS | undefined {
    return this.filters.get(topic)?.qos
  }

  /** Uses `hub` from now on; returns the filters held before, to make again on it. */
  attach(hub: Hub): WantedSubscription[] {
    this.attached = { hub, subacks: new SubackWaiters(hub) }
    return [...this.filters.values()]
  }

  /** The hub is gone: none of its subscriptions remain; subscribes waiting for a SUBACK fail. */
  detach(): void {
    this.attached?.subacks.rejectAll(new HubError('CLOSED', 'The client ended before the broker answered the subscription'))
    this.attached = null
    this.subscriptions.clear()
  }

  async add(wanted: WantedSubscription): Promise<ISubscriptionGrant> {
    const { topic, qos, nl, rap, rh } = wanted
    if (!this.attached) throw new HubError('CLOSED', 'Not connected: call connect() or reconnect() first')
    const { hub, subacks } = this.attached
    // Registered first: retained messages can arrive before subscribe() resolves.
    const token = {}
    const previous = this.filters.get(topic)
    this.filters.set(topic, { ...wanted, token })
    const restore = (): void => {
      if (this.filters.get(topic)?.token !== token) return
      if (previous) this.filters.set(topic, previous)
      else this.filters.delete(topic)
    }
    const suback = subacks.next(topic)
    let subscription: Subscription
    try {
      const options = { ...(nl && { noLocal: true }), ...(rap && { retainAsPublished: true }), ...(rh && { retainHandling: rh }) }
      subscription = await hub.subscribe(topic, (message) => this.deliver(topic, token, message), { qos, ...options })
    } catch (error) {
      suback.cancel()
      restore()
      throw error
    }
    // Subscribing again replaces the subscription [MQTT-3.8.4-3]: the new one is in place before the old one goes.
    const replaced = this.subscriptions.get(topic)
    this.subscriptions.set(topic, subscription)
    await replaced?.unsubscribe().catch(() => {})
    let granted = subscription.granted
    if (granted !== undefined) suback.cancel()
    else {
      // Made while offline: MQTT.js calls back after the SUBACK, so that is waited for.
      try {
        granted = Math.min(qos, await suback.granted) as QoS
      } catch (error) {
        restore()
        if (this.subscriptions.get(topic) === subscription) this.subscriptions.delete(topic)
        await subscription.unsubscribe().catch(() => {})
        throw error
      }
    }
    return this.v5 ? { topic, qos: granted, nl: nl ?? false, rap: rap ?? false, rh: rh ?? 0 } : { topic, qos: granted }
  }

  /** Like MQTT.js, a filter this client does not hold is no error. */
  async remove(topic: string): Promise<void> {
    const subscription = this.subscriptions.get(topic)
    this.subscriptions.delete(topic)
    this.filters.delete(topic)
    await subscription?.unsubscribe()
  }

  /**
   * MQTT.js emits one `message` per PUBLISH it receives; the hub calls every matching
   * subscription's handler once per message (also on MQTT 5 brokers that send a copy per
   * subscription). So one filter speaks for each message: the matching one with the highest QoS,
   * the first subscribed on a tie. The same counts on every broker.
   */
  private deliver(filter: string, token: object, message: HubMessage): void {
    if (this.filters.get(filter)?.token === token && this.speakerFor(message.topic) === filter) this.onMessage(message)
  }

  private speakerFor(topic: string): string | undefined {
    let speaker: [string, QoS] | undefined
    for (const [filter, { qos }] of this.filters) {
      if (topicMatches(filter, topic) && (!speaker || qos > speaker[1])) speaker = [filter, qos]
    }
    return speaker?.[0]
  }
}
