import type { IPublishPacket } from 'mqtt'
import { HubError } from '../src/errors.ts'
import type {
  HubStatus, MqttConnectOptions, PublishRequest, QoS, ReconnectOptions, StatusEvent, SubscriptionSpec,
} from '../src/protocol.ts'
import { BrokerConnection, type ConnectInfo, type ConnectionListener } from './broker-connection.ts'
import { SubscriptionRegistry } from './subscription-registry.ts'
import type { TabClient } from './tab-client.ts'

export interface SessionConfig {
  url: string
  mqtt: MqttConnectOptions
  reconnect: ReconnectOptions
}

interface QueuedPublish {
  request: PublishRequest
  resolve(): void
  reject(error: HubError): void
}

/**
 * One named connection: the broker connection, the tabs that share it, their subscriptions, and
 * the publishes waiting for the connection. Publishes are held in memory in order while offline
 * and re-sent after a reconnect when the broker had not acknowledged them.
 */
export class Session implements ConnectionListener {
  readonly tabs = new Set<TabClient>()
  private readonly registry: SubscriptionRegistry<TabClient>
  private readonly connection: BrokerConnection
  private statusEvent: StatusEvent = { type: 'status', status: 'connecting' }
  private waiting: QueuedPublish[] = []
  private readonly inFlight = new Set<QueuedPublish>()

  constructor(readonly name: string, readonly config: SessionConfig) {
    const clientId = config.mqtt.clientId ?? `mqtt-hub-${crypto.randomUUID().slice(0, 18)}`
    this.connection = new BrokerConnection(config.url, { ...config.mqtt, clientId }, config.reconnect, this)
    this.registry = new SubscriptionRegistry(this.connection)
    this.connection.start()
  }

  get status(): StatusEvent {
    return this.statusEvent
  }

  /** Filters the broker holds for this session now. */
  brokerFilters(): Array<{ filter: string; qos: QoS }> {
    return this.registry.brokerFilters()
  }

  addTab(tab: TabClient): void {
    this.tabs.add(tab)
  }

  /** Releases everything the tab held. Returns true when no tab is left. */
  removeTab(tab: TabClient): boolean {
    for (const sub of tab.subs.values()) this.registry.remove(sub)
    tab.subs.clear()
    this.tabs.delete(tab)
    return this.tabs.size === 0
  }

  async subscribe(tab: TabClient, spec: SubscriptionSpec): Promise<void> {
    if (tab.subs.has(spec.id)) throw new HubError('INVALID_OPTIONS', `Subscription id ${spec.id} is already in use`)
    const sub = { tab, id: spec.id, filter: spec.filter, qos: spec.qos }
    tab.subs.set(spec.id, sub)
    try {
      await this.registry.add(sub)
    } catch (error) {
      tab.subs.delete(spec.id)
      throw error
    }
  }

  unsubscribe(tab: TabClient, id: number): void {
    const sub = tab.subs.get(id)
    if (!sub) return
    tab.subs.delete(id)
    this.registry.remove(sub)
  }

  publish(request: PublishRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      const item = { request, resolve, reject }
      if (this.connection.isConnected) this.send(item)
      else this.waiting.push(item)
    })
  }

  retryNow(): void {
    this.connection.retryNow()
  }

  async close(): Promise<void> {
    const error = new HubError('CLOSED', `Connection "${this.name}" was closed`)
    for (const item of [...this.inFlight, ...this.waiting]) item.reject(error)
    this.inFlight.clear()
    this.waiting = []
    await this.connection.close()
  }

  // ConnectionListener

  statusChanged(status: HubStatus, error?: HubError): void {
    this.statusEvent = { type: 'status', status, ...(error && { error: { code: error.code, message: error.message } }) }
    for (const tab of this.tabs) tab.send(this.statusEvent)
  }

  connected(info: ConnectInfo): void {
    this.registry.connected(info.protocolVersion === 5 && info.subscriptionIdentifiers)
    const waiting = this.waiting
    this.waiting = []
    for (const item of waiting) this.send(item)
  }

  disconnected(): void {
    this.registry.disconnected()
    // Not acknowledged: send again, before anything published later.
    this.waiting = [...this.inFlight, ...this.waiting]
    this.inFlight.clear()
  }

  message(packet: IPublishPacket): void {
    // A compact copy: the received Buffer may be a view into a larger frame, and postMessage would clone it all.
    const payload = new Uint8Array(packet.payload as Uint8Array)
    const subsByTab = new Map<TabClient, number[]>()
    this.registry.route(packet.topic, packet.retain, packet.properties?.subscriptionIdentifier, (sub) => {
      const ids = subsByTab.get(sub.tab)
      if (ids) ids.push(sub.id)
      else subsByTab.set(sub.tab, [sub.id])
    })
    for (const [tab, subs] of subsByTab) {
      tab.deliver({ subs, topic: packet.topic, payload, qos: packet.qos, retain: packet.retain })
    }
  }

  subscribeAcked(filter: string, reasonCode: number): void {
    this.registry.subscribeAcked(filter, reasonCode)
  }

  private send(item: QueuedPublish): void {
    const { topic, payload, qos, retain } = item.request
    this.inFlight.add(item)
    this.connection.publish(topic, payload, qos, retain, (error) => {
      if (!this.inFlight.delete(item)) return
      if (error) item.reject(error)
      else item.resolve()
    })
  }
}
