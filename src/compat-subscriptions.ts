// subscribe()'s arguments as MQTT.js takes them (a filter, a list, a map of filter to options),
// checked and turned into one wanted subscription per filter.
import { HubError } from './errors.ts'
import { checkQos, record } from './options.ts'
import type { QoS } from './public-types.ts'
import { validateTopicFilter } from './topic.ts'
import type { Hub } from './types.ts'

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
export class SubackWaiters {
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
