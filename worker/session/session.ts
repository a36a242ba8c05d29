import type { IPublishPacket } from 'mqtt'
import { HubError, toWire } from '../../src/errors.ts'
import type { Delivery, PublishRequest, RequestRequest, StatusEvent, SubscribeResult, SubscriptionSpec, WorkerAddress } from '../../src/protocol.ts'
import type { HubEvent, HubStatus, MqttConnectOptions, QoS, ReconnectOptions } from '../../src/public-types.ts'
import type { HubInspection, SessionMetrics, SessionSummary } from '../../src/reports.ts'
import { BrokerConnection, type ConnectInfo, type ConnectionListener } from '../mqtt/broker-connection.ts'
import { ExclusiveGroups, type GroupLeases } from '../routing/exclusive-groups.ts'
import { persistedValue, type HubDatabase } from '../storage/hub-db.ts'
import type { Inbox } from '../storage/inbox.ts'
import { inspectSession, sessionMetrics } from './reports.ts'
import { Outbox, type OutboxLimits } from '../storage/outbox.ts'
import { PacketIds } from './packet-ids.ts'
import { receivedProperties, Requests } from '../routing/requests.ts'
import { Publisher, type AckListener } from './publisher.ts'
import type { InboundMessage, MessageSubscriber } from '../routing/subscriber.ts'
import { SubscriptionRegistry } from '../routing/subscription-registry.ts'
import type { TabClient, TabSub } from '../routing/tab-client.ts'

/** A session's event without its name and time, which the session adds. */
export type SessionEvent = HubEvent extends infer E ? (E extends HubEvent ? Omit<E, 'session' | 'at'> : never) : never

/** What a session keeps across worker restarts; both null where IndexedDB is not available. */
export interface SessionStorage {
  db: HubDatabase | null
  inbox: Inbox | null
}

/** Waits until this worker may drive the connection keyed `key`; resolves with the function that gives it up. */
/**
 * Waits until this worker may drive the connection keyed `key`; resolves with the function that
 * gives it up. `takenOver` is called if a newer worker takes it later (`to`: where that worker is).
 */
export type Own = (key: string, signal: AbortSignal, takenOver: (to?: WorkerAddress) => void) => Promise<() => void>

/** How long a worker handing its connection over waits for running exclusive jobs to finish. */
const HAND_OVER_WAIT_MS = 1_000

/**
 * Where each tab has a worker of its own (no SharedWorker): the connection is the tab's, and
 * exclusive groups are leased across the tabs' workers.
 */
export interface PerTabWorker {
  /** This tab's session id, kept across its reloads. */
  tabSession: string
  leases: GroupLeases
}

export interface SessionConfig {
  /** One broker, or the nodes of a cluster tried in turn. */
  urls: string[]
  maxIncomingPacketBytes: number
  /** The lowest QoS of any broker subscription (RabbitMQ: 1). */
  minSubscriptionQos: QoS
  mqtt: MqttConnectOptions
  reconnect: ReconnectOptions
  outbox: OutboxLimits
}

/**
 * One named connection: the broker connection, the tabs that share it, their subscriptions and
 * exclusive groups, and its publishes (the outbox).
 */
export class Session implements ConnectionListener {
  readonly tabs = new Set<TabClient>()
  private readonly registry: SubscriptionRegistry
  private readonly groups: ExclusiveGroups
  private readonly connection: BrokerConnection
  private statusEvent: StatusEvent = { type: 'status', status: 'connecting' }
  private readonly ownership = new AbortController()
  private giveUpOwnership: () => void = () => {}
  private readonly ids = new PacketIds()
  /** Ready once this worker owns the connection: only the owner drives the outbox. */
  private readonly publisher: Promise<Publisher>
  private publisherReady: Publisher | null = null
  private startPublisher: (publisher: Publisher) => void = () => {}
  private readonly requests: Requests

  private constructor(
    readonly name: string,
    /** Keys what this connection owns: its outbox, generated client id and ownership lock. */
    private readonly key: string,
    readonly config: SessionConfig,
    private readonly storage: SessionStorage,
    clientId: string,
    leases: GroupLeases | undefined,
  ) {
    this.connection = new BrokerConnection({ urls: config.urls, maxIncomingPacketBytes: config.maxIncomingPacketBytes }, { ...config.mqtt, clientId }, config.reconnect, this, this.ids)
    this.publisher = new Promise((resolve) => (this.startPublisher = resolve))
    this.registry = new SubscriptionRegistry(this.connection, config.minSubscriptionQos)
    // Exclusive groups are keyed by the plain name: with a worker per tab, the group's holder of
    // the moment serves its inbox, also what an earlier holder left unfinished.
    this.groups = new ExclusiveGroups(name, this.registry, storage.db, storage.inbox, leases)
    this.requests = new Requests({
      clientId,
      protocolVersion: this.connection.protocolVersion,
      subscribe: (sub) => this.registry.add(sub),
      publish: (request) => this.publish(request, () => {}),
    })
  }

  /**
   * A persistent session (`clean: false`) keeps its generated client id in IndexedDB, and
   * recreates its exclusive groups before connecting: the broker sends the messages it queued
   * right after CONNACK, before any tab is back.
   */
  static async start(name: string, config: SessionConfig, storage: SessionStorage, own: Own, perTab?: PerTabWorker): Promise<Session> {
    // With a worker per tab, what the connection owns (client id, outbox, the right to connect) is the tab's.
    const key = perTab ? `${name}#${perTab.tabSession}` : name
    const generate = (): string => `mqtt-hub-${crypto.randomUUID().slice(0, 18)}`
    const persistent = config.mqtt.clean === false
    // Two connections with one client id make the broker drop one of them: a given id gets the tab's suffix.
    const given = config.mqtt.clientId === undefined || !perTab ? config.mqtt.clientId : `${config.mqtt.clientId}-${perTab.tabSession}`
    const clientId = given
      ?? (persistent && storage.db ? await persistedValue(storage.db, `clientId:${key}`, generate).catch(generate) : generate())
    const session = new Session(name, key, config, storage, clientId, perTab?.leases)
    if (persistent) await session.groups.restore()
    void session.connectWhenOwned(own)
    return session
  }

  /** Connects once no other hub worker of this origin drives this connection; until then says why. */
  private async connectWhenOwned(own: Own): Promise<void> {
    const waiting = setTimeout(() => this.statusChanged('connecting', new HubError('SESSION_BUSY',
      `Another hub worker of this origin drives connection "${this.name}"; waiting for it to end`)), 100)
    try {
      this.giveUpOwnership = await own(this.key, this.ownership.signal, (to) => void this.handOver(to))
    } catch {
      return // closed while waiting
    } finally {
      clearTimeout(waiting)
    }
    const outbox = await Outbox.open(this.storage.db, this.key, this.config.outbox).catch(() => Outbox.open(null, this.key, this.config.outbox))
    this.publisherReady = new Publisher(outbox, this.connection, this.ids, this.config.mqtt.clean === false, (record) => {
      const error = { code: 'POSSIBLE_DUPLICATE' as const, message: `The broker lost the session while the QoS 2 message to "${record.topic}" was in flight `
        + '(CONNACK sessionPresent false); it is published again and may arrive twice' }
      for (const tab of this.tabs) tab.warn(error)
    })
    this.startPublisher(this.publisherReady)
    this.connection.start()
  }

  get status(): StatusEvent {
    return this.statusEvent
  }

  /** Tells every tab of this session. */
  emit(event: SessionEvent, about = this.name): void {
    const message = { type: 'event' as const, event: { ...event, session: about, at: Date.now() } as HubEvent }
    for (const tab of this.tabs) tab.send(message)
  }

  summary(): SessionSummary {
    const { name, tabs, connection } = this
    return { name, url: connection.displayUrl, status: this.statusEvent.status, tabs: tabs.size, protocolVersion: connection.protocolVersion, lingering: tabs.size === 0 }
  }

  /** MQTT 5 request/response; the answer goes to the caller alone. */
  request(request: RequestRequest): Promise<Delivery> {
    return this.requests.request(request)
  }

  /** Filters the broker holds for this session now. */
  brokerFilters(): Array<{ filter: string; qos: QoS }> {
    return this.registry.brokerFilters()
  }

  addTab(tab: TabClient): void {
    this.tabs.add(tab)
  }

  /** Releases everything the tab held (its exclusive work goes to other members). Returns true when no tab is left. */
  removeTab(tab: TabClient): boolean {
    for (const sub of tab.subs.values()) this.release(sub, false)
    tab.subs.clear()
    this.tabs.delete(tab)
    return this.tabs.size === 0
  }

  async subscribe(tab: TabClient, spec: SubscriptionSpec): Promise<SubscribeResult> {
    if (tab.subs.has(spec.id)) throw new HubError('INVALID_OPTIONS', `Subscription id ${spec.id} is already in use`)
    const sub: TabSub = { subscriber: tab, id: spec.id, filter: spec.filter, qos: spec.qos, ...(spec.options && { options: spec.options }) }
    tab.subs.set(spec.id, sub)
    try {
      if (spec.exclusive) sub.exclusive = await this.groups.join(tab, { ...spec, exclusive: spec.exclusive })
      else await this.registry.add(sub)
    } catch (error) {
      tab.subs.delete(spec.id)
      throw error
    }
    if (!this.tabs.has(tab)) this.release(sub, false) // the tab left while the SUBACK was on its way
    return { granted: this.registry.grantedFor(spec.filter) }
  }

  unsubscribe(tab: TabClient, id: number): void {
    const sub = tab.subs.get(id)
    if (!sub) return
    tab.subs.delete(id)
    this.release(sub, true)
  }

  /** Counters of this connection, and of the asking tab's deliveries (of every tab without one). */
  metrics(tab?: TabClient): SessionMetrics {
    const { name, statusEvent: status, tabs, connection, registry, groups, storage, config } = this
    return sessionMetrics({ name, status, tabs, connection, registry, groups, inbox: storage.inbox, publisher: this.publisherReady, durable: storage.db !== null, config }, tab)
  }

  /** Who shares this connection and what the broker holds, as `tab` sees it. */
  inspect(tab: TabClient): HubInspection {
    const { name, statusEvent: status, tabs, connection } = this
    return inspectSession({ name, status, tabs, connection, broker: this.registry.brokerFilters() }, tab)
  }

  /** See Publisher.publish: QoS 1/2 resolve with their outbox seq once on disk; `onAck` hears the broker. */
  async publish(request: PublishRequest, onAck: AckListener): Promise<number | null> {
    return (await this.publisher).publish(request, onAck)
  }

  /** A tab waits again for the ack of a message stored before its worker restarted. */
  async awaitAck(seq: number, onAck: AckListener): Promise<void> {
    ;(await this.publisher).await(seq, onAck)
  }

  forgetAcks(onAck: AckListener): void {
    this.publisherReady?.forget(onAck)
  }

  retryNow(): void {
    this.connection.retryNow()
  }

  /** Handed over to a newer worker, or being handed over: this worker no longer drives the connection. */
  superseded: WorkerAddress | null | undefined

  /**
   * A newer worker asked for this connection (a new version of the app): no new exclusive job
   * starts, running ones get up to a second, the tabs are sent to the newer worker, the
   * connection ends (DISCONNECT), and the outbox and inbox are committed before the ownership
   * passes. The newer worker then connects with the same client id, outbox and inbox.
   */
  async handOver(to?: WorkerAddress): Promise<void> {
    if (this.superseded !== undefined) return
    this.superseded = to ?? null
    await this.groups.quiesce(HAND_OVER_WAIT_MS)
    // The tabs hear nothing more from this worker's session (not even its 'closed').
    for (const tab of this.tabs) tab.send({ type: 'superseded', ...(to && { worker: to }) })
    this.tabs.clear()
    this.requests.close()
    await this.connection.close()
    await this.publisherReady?.outbox.drain().catch(() => {})
    await this.storage.inbox?.flush().catch(() => {})
    this.giveUpOwnership()
  }

  async close(): Promise<void> {
    this.requests.close()
    this.ownership.abort()
    await this.connection.close()
    this.giveUpOwnership()
  }

  // ConnectionListener

  statusChanged(status: HubStatus, error?: HubError): void {
    const from = this.statusEvent.status
    this.statusEvent = { type: 'status', status, ...(error && { error: toWire(error) }) }
    for (const tab of this.tabs) tab.send(this.statusEvent)
    if (status === 'offline' && error) this.connection.traffic.failed(error)
    if (status === 'reconnecting') this.emit({ type: 'reconnecting', attempt: this.connection.attemptNumber })
    else if (status === 'offline') this.emit({ type: 'offline', ...(error && { error: toWire(error) }) })
    else if (status !== 'connected') this.emit({ type: status }) // 'connected' is told in connected(), with the session flag
    if (from !== status) this.emit({ type: 'stateChanged', from, to: status })
  }

  connected(info: ConnectInfo): void {
    this.emit({ type: 'connected', sessionPresent: info.sessionPresent })
    this.registry.connected(info.protocolVersion === 5 && info.subscriptionIdentifiers)
    this.publisherReady?.connected(info.sessionPresent, info.receiveMaximum, info.protocolVersion)
  }

  disconnected(error: HubError): void {
    this.emit({ type: 'disconnected', error: toWire(error) })
    this.registry.disconnected()
    this.publisherReady?.disconnected()
  }

  publishAcked(cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number, reasonCode: number | undefined): void {
    this.publisherReady?.acked(cmd, messageId, reasonCode)
  }


  /**
   * Routes one message: each subscriber it matches receives it once, with the ids of its
   * subscriptions it matched. Returns a promise while exclusive QoS 1/2 work is written to the
   * inbox, before the broker's ack.
   */
  message(packet: IPublishPacket): Promise<void> | void {
    const message: InboundMessage = {
      topic: packet.topic,
      // A compact copy: the received Buffer may be a view into a larger frame, and postMessage would clone it all.
      payload: new Uint8Array(packet.payload as Uint8Array),
      qos: packet.qos,
      retain: packet.retain,
      ...(packet.messageId !== undefined && { packetId: packet.messageId }),
      connection: this.connection.connectionSeq,
      justConnected: this.connection.justConnected,
    }
    const properties = receivedProperties(packet.properties)
    if (properties) message.properties = properties
    const matched = new Map<MessageSubscriber, number[]>()
    this.registry.route(message.topic, message.retain, packet.properties?.subscriptionIdentifier, (sub) => {
      const ids = matched.get(sub.subscriber)
      if (ids) ids.push(sub.id)
      else matched.set(sub.subscriber, [sub.id])
    })
    let writes: Array<Promise<void>> | undefined
    for (const [subscriber, subs] of matched) {
      const written = subscriber.receive(message, subs)
      if (!written) continue
      writes ??= []
      writes.push(written)
    }
    if (writes) return Promise.all(writes).then(() => {})
  }

  subscribeAcked(filter: string, reasonCode: number): void {
    if (reasonCode >= 0x80) {
      this.connection.traffic.failed(new HubError('SUBSCRIBE_REJECTED', `The broker refused the subscription to "${filter}" (reason code ${reasonCode})`, reasonCode))
      this.emit({ type: 'subscribeRefused', filter, reasonCode })
    } else {
      this.emit({ type: 'subscribed', filter, qos: reasonCode as QoS })
    }
    this.registry.subscribeAcked(filter, reasonCode)
  }

  unsubscribeAcked(filter: string): void {
    this.emit({ type: 'unsubscribed', filter })
  }

  private release(sub: TabSub, explicit: boolean): void {
    if (sub.exclusive) this.groups.leave(sub.exclusive.group, sub.exclusive.member, explicit)
    else this.registry.remove(sub)
  }

}
