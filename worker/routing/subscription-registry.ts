import { HubError } from '../../src/errors.ts'
import type { QoS, SubscriptionOptions } from '../../src/public-types.ts'
import type { MessageSubscriber } from './subscriber.ts'
import { TopicTree } from './topic-tree.ts'

/**
 * One claim on a broker subscription: a tab's `subscribe()`, an exclusive group's own
 * subscription, or the request helper's reply topic. The registry counts them per filter.
 */
export interface RoutedSubscription {
  readonly subscriber: MessageSubscriber
  /** The subscriber's own id for it (a tab's subscription id), passed back with each message. */
  readonly id: number
  readonly filter: string
  readonly qos: QoS
  /** MQTT 5 subscription options; every subscription of one filter must have the same. */
  readonly options?: SubscriptionOptions
}

/** What the registry needs from the broker connection. */
export interface BrokerSubscriber {
  readonly isConnected: boolean
  subscribe(filter: string, qos: QoS, subscriptionIdentifier?: number, options?: SubscriptionOptions): void
  unsubscribe(filter: string): Promise<void>
}

interface Waiter {
  resolve(): void
  reject(error: HubError): void
}

/** The broker-side subscription for one filter, shared by every tab subscription of that filter. */
class FilterEntry {
  readonly subs = new Set<RoutedSubscription>()
  /** QoS the hub asked the broker for and got a SUBACK; null when the broker holds nothing. */
  held: QoS | null = null
  /** QoS the broker granted (it may grant less than asked). */
  granted: QoS | null = null
  /** The SUBSCRIBE or UNSUBSCRIBE in flight: one at a time per filter. */
  inFlight: { kind: 'subscribe'; qos: QoS; generation: Set<RoutedSubscription> } | { kind: 'unsubscribe' } | null = null
  /** Subscriptions that still need the broker to send them the retained messages. */
  readonly fresh = new Set<RoutedSubscription>()
  /** Subscriptions whose `subscribe()` waits for the SUBACK. */
  readonly waiters = new Map<RoutedSubscription, Waiter>()
  /** Who receives retained copies (RETAIN=1) the broker sends after the latest SUBACK. */
  generation = new Set<RoutedSubscription>()
  /** Order of the latest SUBACK among all filters (retained copies belong to the newest). */
  ackSeq = 0
  /** A message matching the filter arrived since the latest SUBACK: the retained set may have changed. */
  dirty = false
  /** MQTT 5 subscription identifiers of the latest SUBSCRIBEs, newest last. */
  readonly identifiers: number[] = []

  constructor(readonly filter: string, readonly options: SubscriptionOptions = {}) {}

  wantedQos(): QoS | null {
    let max: QoS | null = null
    for (const sub of this.subs) if (max === null || sub.qos > max) max = sub.qos
    return max
  }
}

const KEPT_IDENTIFIERS = 4
const MAX_SUBSCRIPTION_IDENTIFIER = 268_435_455

/**
 * Counts the tabs' subscriptions per filter and keeps the broker in step: one SUBSCRIBE for the
 * first, one UNSUBSCRIBE after the last, the broker QoS the highest any tab wants. A tab that
 * joins a filter already held gets the filter's retained messages through a re-SUBSCRIBE
 * [MQTT-3.8.4-3], routed to it alone, unless no message matched the filter since the last SUBACK
 * (then the broker's retained set is what the holders got, and the newcomer joins their SUBACK).
 */
export class SubscriptionRegistry {
  private readonly entries = new TopicTree<FilterEntry>()
  private readonly byFilter = new Map<string, FilterEntry>()
  /** MQTT 5: subscription identifier → the filter and who gets that SUBSCRIBE's retained copies. */
  private readonly byIdentifier = new Map<number, { entry: FilterEntry; generation: Set<RoutedSubscription> }>()
  private ackSeq = 0
  private nextIdentifier = 1
  private useIdentifiers = false

  constructor(
    private readonly broker: BrokerSubscriber,
    /**
     * The lowest QoS of any broker subscription. RabbitMQ 3.10 sends one copy of a message per
     * distinct QoS among a client's matching subscriptions, and MQTT 3.1.1 has no identifiers to
     * tell the copies apart: at one QoS for every filter (1: it grants 2 as 1) it sends one copy.
     */
    private readonly minQos: QoS = 0,
  ) {}

  /** Filters the broker holds now, with their QoS. */
  brokerFilters(): Array<{ filter: string; qos: QoS }> {
    const held: Array<{ filter: string; qos: QoS }> = []
    for (const entry of this.byFilter.values()) {
      if (entry.granted !== null) held.push({ filter: entry.filter, qos: entry.granted })
    }
    return held
  }

  /** The QoS the broker granted `filter` on this connection, or null while none is held (offline, or not yet answered). */
  grantedFor(filter: string): QoS | null {
    return this.byFilter.get(filter)?.granted ?? null
  }

  get filterCount(): number {
    return this.byFilter.size
  }

  /** Resolves when the broker granted it, or at once while offline (it is sent on connect). */
  add(sub: RoutedSubscription): Promise<void> {
    let entry = this.byFilter.get(sub.filter)
    if (entry && !sameOptions(entry.options, sub.options ?? {})) {
      // One filter is one broker subscription: its options cannot differ per tab.
      return Promise.reject(new HubError('INVALID_OPTIONS',
        `"${sub.filter}" is already subscribed with other subscription options (noLocal, retainAsPublished, retainHandling)`))
    }
    if (!entry) {
      entry = new FilterEntry(sub.filter, sub.options)
      this.byFilter.set(sub.filter, entry)
      this.entries.add(routingFilter(sub.filter), entry)
    }
    entry.subs.add(sub)
    if (!this.broker.isConnected) {
      entry.fresh.add(sub)
      return Promise.resolve()
    }
    const pending = entry.inFlight
    if (pending?.kind === 'subscribe' && pending.qos >= sub.qos) {
      pending.generation.add(sub) // rides on the SUBSCRIBE already on its way
    } else if (entry.held !== null && entry.held >= sub.qos && !entry.dirty && !pending) {
      entry.generation.add(sub) // nothing changed since the SUBACK: same retained set, no packet
      return Promise.resolve()
    } else {
      entry.fresh.add(sub)
    }
    const done = new Promise<void>((resolve, reject) => entry.waiters.set(sub, { resolve, reject }))
    this.reconcile(entry)
    return done
  }

  remove(sub: RoutedSubscription): void {
    const entry = this.byFilter.get(sub.filter)
    if (!entry?.subs.delete(sub)) return
    entry.fresh.delete(sub)
    entry.generation.delete(sub)
    entry.waiters.get(sub)?.resolve()
    entry.waiters.delete(sub)
    this.reconcile(entry)
  }

  /** After CONNACK: the new connection holds nothing yet; subscribe every filter again. */
  connected(subscriptionIdentifiers: boolean): void {
    this.useIdentifiers = subscriptionIdentifiers
    for (const entry of [...this.byFilter.values()]) {
      for (const sub of entry.subs) entry.fresh.add(sub)
      this.reconcile(entry)
    }
  }

  /** The connection is gone: nothing is held; waiting `subscribe()`s resolve (they are sent on connect). */
  disconnected(): void {
    this.byIdentifier.clear()
    for (const entry of this.byFilter.values()) {
      entry.held = null
      entry.granted = null
      entry.inFlight = null
      entry.identifiers.length = 0
      entry.generation.clear()
      for (const waiter of entry.waiters.values()) waiter.resolve()
      entry.waiters.clear()
    }
  }

  subscribeAcked(filter: string, reasonCode: number): void {
    const entry = this.byFilter.get(filter)
    const pending = entry?.inFlight
    if (!entry || pending?.kind !== 'subscribe') return
    entry.inFlight = null
    const generation = new Set([...pending.generation].filter((sub) => entry.subs.has(sub)))
    if (reasonCode >= 0x80) {
      const error = new HubError('SUBSCRIBE_REJECTED', `The broker refused the subscription to "${filter}" (reason code ${reasonCode})`, reasonCode)
      for (const sub of generation) {
        entry.subs.delete(sub)
        entry.waiters.get(sub)?.reject(error)
        entry.waiters.delete(sub)
      }
    } else {
      entry.held = pending.qos
      entry.granted = reasonCode as QoS
      entry.generation = generation
      entry.ackSeq = ++this.ackSeq
      entry.dirty = false
      for (const sub of generation) {
        entry.waiters.get(sub)?.resolve()
        entry.waiters.delete(sub)
      }
    }
    this.reconcile(entry)
  }

  /**
   * The tab subscriptions one received PUBLISH is for. MQTT 5 copies carry the subscription
   * identifiers of the filters they match [MQTT-3.3.4-3]: one copy per subscription or one for
   * all, each filter gets it once. Without identifiers the broker sends one copy per message and
   * the topic tree finds every matching filter. RETAIN=1 copies only answer a SUBSCRIBE
   * [MQTT-3.3.1-9]: they go to that SUBSCRIBE's generation alone.
   */
  route(topic: string, retain: boolean, identifiers: number | number[] | undefined, visit: (sub: RoutedSubscription) => void): void {
    const targets = this.useIdentifiers && identifiers !== undefined
      ? (typeof identifiers === 'number' ? [identifiers] : identifiers).map((id) => this.byIdentifier.get(id)).filter((t) => t !== undefined)
      : []
    // No known identifier: a message queued for a persistent session under an earlier worker's identifiers.
    if (targets.length > 0) {
      for (const target of targets) {
        target.entry.dirty = true
        for (const sub of retain ? target.generation : target.entry.subs) if (target.entry.subs.has(sub)) visit(sub)
      }
      return
    }
    let newest: FilterEntry | undefined
    this.entries.match(topic, (entry) => {
      entry.dirty = true
      if (!retain) for (const sub of entry.subs) visit(sub)
      else if (!newest || entry.ackSeq > newest.ackSeq) newest = entry
    })
    if (newest) for (const sub of newest.generation) visit(sub)
  }

  /** Sends the one packet that brings the broker closer to what the tabs want, if any. */
  private reconcile(entry: FilterEntry): void {
    if (entry.inFlight || !this.broker.isConnected) return
    const asked = entry.wantedQos()
    if (asked === null) {
      this.release(entry)
      return
    }
    const wanted = Math.max(asked, this.minQos) as QoS
    if (entry.held === wanted && entry.fresh.size === 0) return
    const generation = new Set(entry.held === null ? entry.subs : entry.fresh)
    entry.fresh.clear()
    entry.inFlight = { kind: 'subscribe', qos: wanted, generation }
    this.broker.subscribe(entry.filter, wanted, this.allocateIdentifier(entry, generation), entry.options)
  }

  private release(entry: FilterEntry): void {
    if (entry.held === null) {
      this.forget(entry)
      return
    }
    const op = { kind: 'unsubscribe' } as const
    entry.inFlight = op
    void this.broker.unsubscribe(entry.filter).then(() => {
      if (entry.inFlight !== op) return // the connection dropped meanwhile
      entry.inFlight = null
      entry.held = null
      entry.granted = null
      this.reconcile(entry) // a tab may have come back meanwhile
    })
  }

  private forget(entry: FilterEntry): void {
    this.byFilter.delete(entry.filter)
    this.entries.remove(routingFilter(entry.filter), entry)
    for (const identifier of entry.identifiers) this.byIdentifier.delete(identifier)
  }

  private allocateIdentifier(entry: FilterEntry, generation: Set<RoutedSubscription>): number | undefined {
    if (!this.useIdentifiers) return undefined
    const identifier = this.nextIdentifier
    this.nextIdentifier = identifier >= MAX_SUBSCRIPTION_IDENTIFIER ? 1 : identifier + 1
    this.byIdentifier.set(identifier, { entry, generation })
    entry.identifiers.push(identifier)
    if (entry.identifiers.length > KEPT_IDENTIFIERS) this.byIdentifier.delete(entry.identifiers.shift()!)
    return identifier
  }
}

function sameOptions(a: SubscriptionOptions, b: SubscriptionOptions): boolean {
  return (a.noLocal ?? false) === (b.noLocal ?? false) && (a.retainAsPublished ?? false) === (b.retainAsPublished ?? false)
    && (a.retainHandling ?? 0) === (b.retainHandling ?? 0)
}

/**
 * The filter a shared subscription (`$share/group/filter`, MQTT 5 and mosquitto under 3.1.1)
 * matches topics by; any other filter matches by itself.
 */
function routingFilter(filter: string): string {
  if (!filter.startsWith('$share/')) return filter
  const end = filter.indexOf('/', 7)
  return end < 0 ? filter : filter.slice(end + 1)
}
