// An MQTT.js-shaped client over a hub: code written for MQTT.js moves to the hub by changing its
// import. Semantics follow MQTT.js 5 as its own tests check them; docs/migrating.md lists the rest.
import { TypedEmitter } from './compat-events.ts'
import {
  ErrorWithReasonCode, MessagePayload, type IConnackPacket, type IOutgoingPublishPacket, type IPublishPacket, type IPubackPacket, type IPubrelPacket,
  type ISubackPacket, type ISubscriptionGrant, type IUnsubackPacket, type Packet,
} from './compat-packets.ts'
import type { ResolvedClientOptions } from './compat-options.ts'
import { ClientSubscriptions, subscriptionList, type IClientSubscribeOptions, type ISubscriptionMap, type WantedSubscription } from './compat-subscriptions.ts'
import { HubError } from './errors.ts'
import { createHub } from './hub.ts'
import type { HubMessage } from './message.ts'
import { checkQos, record } from './options.ts'
import type { HubStatus, QoS } from './public-types.ts'
import { validateTopicFilter } from './topic.ts'
import type { Hub, HubOptions } from './types.ts'

export interface IClientPublishOptions { qos?: QoS; retain?: boolean; dup?: boolean }
export type OnMessageCallback = (topic: string, payload: MessagePayload, packet: IPublishPacket) => void
export type ClientSubscribeCallback = (error: Error | null, granted?: ISubscriptionGrant[], packet?: ISubackPacket) => void
/** QoS 1: the PUBLISH the broker acknowledged; QoS 2: the PUBREL that followed it; QoS 0: none. */
export type PacketCallback = (error?: Error, packet?: IOutgoingPublishPacket | IPubrelPacket) => void
export type UnsubscribeCallback = (error?: Error, packet?: IUnsubackPacket) => void
export type EndCallback = (error?: Error) => void

export interface MqttClientEvents {
  connect: (connack: IConnackPacket) => void
  message: OnMessageCallback
  /** The packets of this client's own calls, as it hands them to the hub. */
  packetsend: (packet: Packet) => void
  /** The CONNACK, SUBACK, UNSUBACK, PUBACK / PUBCOMP and PUBLISH packets this client gets. */
  packetreceive: (packet: Packet) => void
  reconnect: () => void
  close: () => void
  offline: () => void
  /** A refused CONNACK, publish or subscribe gives an ErrorWithReasonCode (`code`: the MQTT reason code). */
  error: (error: Error & { code?: string | number }) => void
  end: () => void
}

export class MqttHubClient extends TypedEmitter<MqttClientEvents> {
  /** Connected to the broker (the shared connection, in shared-worker mode). */
  connected = false
  reconnecting = false
  /** end() was called (until reconnect()). */
  disconnecting = false
  disconnected = false
  private hubInstance: Hub | null = null
  private readonly subscriptions: ClientSubscriptions
  /** Calls whose callback waits for the broker (subscribe, unsubscribe, QoS 1/2 publish): end(false) waits for them. */
  private readonly inFlight = new Set<Promise<void>>()
  /** A connection or an attempt is live: its end is told with 'close'. */
  private closeOwed = false
  private wentOffline = false
  private sessionPresent = false
  private reconnectAfterEnd = false
  /** SUBSCRIBE / UNSUBSCRIBE ids of this client's own numbering (one hub SUBSCRIBE may serve many tabs). */
  private lastPacketId = 0

  constructor(private readonly hubOptions: HubOptions, readonly options: ResolvedClientOptions, manualConnect: boolean) {
    super()
    this.subscriptions = new ClientSubscriptions(options.protocolVersion === 5, (message) => this.deliver(message))
    if (!manualConnect) this.connect()
  }

  /** The hub underneath, for what MQTT.js has no word for (exclusive handlers, inspect()). */
  get hub(): Hub {
    if (!this.hubInstance) throw new HubError('CLOSED', 'Not connected: call connect() or reconnect() first')
    return this.hubInstance
  }

  /** Opens the connection (manualConnect); subscriptions held before end() are made again, as MQTT.js resubscribes. */
  connect(): this {
    if (this.hubInstance) return this
    this.disconnected = false
    const hub = createHub(this.hubOptions)
    ;[this.hubInstance, this.closeOwed, this.wentOffline] = [hub, true, false]
    hub.on('connected', (event) => (this.sessionPresent = event.sessionPresent))
    hub.onStatus((status, error) => {
      if (this.hubInstance === hub) this.onStatus(status, error)
    })
    for (const wanted of this.subscriptions.attach(hub)) this.track(this.subscriptions.add(wanted).then(() => {}, (error: HubError) => this.fail(error)))
    return this
  }

  /** Connects again with the same options (after end(), once it finished). */
  reconnect(): this {
    if (this.disconnecting && !this.disconnected) {
      this.reconnectAfterEnd = true
      return this
    }
    ;[this.disconnecting, this.disconnected] = [false, false]
    this.emit('reconnect')
    if (this.hubInstance) {
      return this.end(() => {
        this.disconnecting = false
        this.connect()
      })
    }
    return this.connect()
  }

  subscribe(topics: string | string[] | ISubscriptionMap, options?: IClientSubscribeOptions | ClientSubscribeCallback, callback?: ClientSubscribeCallback): this {
    const [opts, given] = typeof options === 'function' ? [undefined, options] : [options, callback]
    const done: ClientSubscribeCallback = given ?? ((error) => error && this.fail(error))
    let wanted: WantedSubscription[]
    try {
      wanted = subscriptionList(topics, opts ?? {}, this.options.protocolVersion === 5)
    } catch (error) {
      setTimeout(done, 0, error) // as MQTT.js: asynchronously
      return this
    }
    if (this.refuseWhileEnding(done)) return this
    // MQTT.js skips a filter it holds at the same or a higher QoS, and calls back with [] if nothing is left.
    const fresh = wanted.filter(({ topic, qos }) => !(this.options.reconnectPeriod > 0 && (this.subscriptions.heldQos(topic) ?? -1) >= qos))
    if (fresh.length === 0) {
      done(null, [])
      return this
    }
    const messageId = this.packetId()
    this.emit('packetsend', { cmd: 'subscribe', messageId, subscriptions: fresh })
    this.track(Promise.all(fresh.map((s) => this.subscriptions.add(s))).then((granted) => {
      const suback: ISubackPacket = { cmd: 'suback', messageId, granted: granted.map((g) => g.qos) }
      this.emit('packetreceive', suback)
      done(null, granted, suback)
    }, (error: HubError) => done(mqttjsError(error))))
    return this
  }

  subscribeAsync(topics: string | string[] | ISubscriptionMap, options?: IClientSubscribeOptions): Promise<ISubscriptionGrant[]> {
    return new Promise((resolve, reject) => this.subscribe(topics, options ?? {}, (error, granted) => (error ? reject(error) : resolve(granted ?? []))))
  }

  unsubscribe(topics: string | string[], options?: object | UnsubscribeCallback, callback?: UnsubscribeCallback): this {
    const given = typeof options === 'function' ? (options as UnsubscribeCallback) : callback
    const done: UnsubscribeCallback = given ?? ((error) => error && this.fail(error))
    const list = Array.isArray(topics) ? topics : [topics]
    try {
      if (list.length === 0) throw new HubError('INVALID_TOPIC_FILTER', 'unsubscribe() needs at least one topic filter')
      list.forEach(validateTopicFilter)
    } catch (error) {
      setTimeout(done, 0, error)
      return this
    }
    if (this.refuseWhileEnding(done)) return this
    const messageId = this.packetId()
    this.emit('packetsend', { cmd: 'unsubscribe', messageId, unsubscriptions: list })
    this.track(Promise.all(list.map((topic) => this.subscriptions.remove(topic))).then(() => {
      const unsuback: IUnsubackPacket = { cmd: 'unsuback', messageId }
      this.emit('packetreceive', unsuback)
      done(undefined, unsuback)
    }, (error: HubError) => done(error)))
    return this
  }

  unsubscribeAsync(topics: string | string[]): Promise<IUnsubackPacket | undefined> {
    return new Promise((resolve, reject) => this.unsubscribe(topics, (error, packet) => (error ? reject(error) : resolve(packet))))
  }

  /** QoS 0: the callback runs once sent (or queued offline); QoS 1/2: once the broker acknowledged (PUBACK, PUBCOMP). */
  publish(topic: string, message: string | Uint8Array, options?: IClientPublishOptions | PacketCallback, callback?: PacketCallback): this {
    const [opts, given] = typeof options === 'function' ? [undefined, options] : [options, callback]
    const done: PacketCallback = given ?? ((error) => error && this.fail(error))
    if (this.refuseWhileEnding(done)) return this
    let qos: QoS
    let retain: boolean
    try {
      const o = record(opts ?? {}, 'publish options')
      ;[qos, retain] = [checkQos(o.qos), o.retain === true]
    } catch (error) {
      done(error as HubError)
      return this
    }
    if (qos === 0 && !this.options.queueQoSZero && !this.connected) {
      done(new HubError('CONNECTION_LOST', 'No connection to broker (queueQoSZero is false: QoS 0 messages are not kept while offline)'))
      return this
    }
    const packet: IOutgoingPublishPacket = { cmd: 'publish', topic, payload: message, qos, retain, dup: false }
    let messageId: number | undefined
    const published = (async () => this.hub.publish(topic, message, { qos, retain, onAcked: (id) => (messageId = id) }))()
    this.emit('packetsend', packet)
    if (qos === 0) {
      published.then(() => done(), (error: HubError) => done(mqttjsError(error)))
      return this
    }
    this.track(published.then(() => {
      const ack: IPubackPacket = { cmd: qos === 1 ? 'puback' : 'pubcomp', messageId }
      this.emit('packetreceive', ack)
      done(undefined, qos === 1 ? { ...packet, messageId } : { cmd: 'pubrel', qos: 2, messageId })
    }, (error: HubError) => done(mqttjsError(error))))
    return this
  }

  publishAsync(topic: string, message: string | Uint8Array, options?: IClientPublishOptions): Promise<IOutgoingPublishPacket | IPubrelPacket | undefined> {
    return new Promise((resolve, reject) => this.publish(topic, message, options ?? {}, (error, packet) => (error ? reject(error) : resolve(packet))))
  }

  /**
   * Closes this tab's hub; in shared-worker mode the connection stays up while other tabs use it.
   * Unless `force`, first waits for what is in flight (subscribes, unsubscribes, QoS 1/2 publishes).
   */
  end(force?: boolean | object | EndCallback, options?: object | EndCallback, callback?: EndCallback): this {
    const done = [force, options, callback].find((arg): arg is EndCallback => typeof arg === 'function')
    if (this.disconnecting) {
      done?.() // as MQTT.js: at once
      return this
    }
    this.disconnecting = true
    void (force === true ? Promise.resolve() : this.settled()).then(() => this.finishEnd(done))
    return this
  }

  endAsync(force?: boolean, options?: object): Promise<void> {
    return new Promise((resolve, reject) => this.end(force === true, options ?? {}, (error) => (error ? reject(error) : resolve())))
  }

  private async finishEnd(done: EndCallback | undefined): Promise<void> {
    const hub = this.hubInstance
    this.stopHub()
    await hub?.close()
    this.emitClose()
    this.disconnected = true
    // MQTT.js leaves `disconnecting` set after end() unless it would never reconnect by itself.
    if (this.options.reconnectPeriod === 0 || this.options.manualConnect) this.disconnecting = false
    this.emit('end')
    done?.()
    if (this.reconnectAfterEnd) {
      this.reconnectAfterEnd = false
      this.reconnect()
    }
  }

  private onStatus(status: HubStatus, error?: HubError): void {
    if (status === 'connected') {
      ;[this.connected, this.reconnecting, this.closeOwed] = [true, false, true]
      const code = this.options.protocolVersion === 5 ? { reasonCode: 0 as const } : { returnCode: 0 as const }
      const connack: IConnackPacket = { cmd: 'connack', sessionPresent: this.sessionPresent, ...code }
      this.emit('packetreceive', connack)
      this.emit('connect', connack)
    } else if (status === 'offline') {
      this.connected = false
      if (error?.code === 'CONNECTION_REFUSED' && !this.options.reconnectOnConnackError) {
        this.refused(error)
        return
      }
      this.wentOffline = true
      // As MQTT.js: 'offline' once when the client goes from trying or connected to waiting, then 'close'.
      if (this.options.reconnectPeriod > 0 && !this.reconnecting) {
        this.reconnecting = true
        this.emit('offline')
      }
      this.emitClose()
      if (this.options.reconnectPeriod === 0) this.stopHub() // MQTT.js does not reconnect by itself
    } else if (status === 'connecting' || status === 'reconnecting') {
      if (!this.wentOffline) return
      ;[this.wentOffline, this.closeOwed] = [false, true]
      this.emit('reconnect')
    } else if (error) {
      this.stopHub() // the worker refused this client for good (CONFIG_MISMATCH)
      this.fail(error)
    }
  }

  /** A refused CONNACK: MQTT.js reports the code, closes, and does not try again (reconnectOnConnackError: it does). */
  private refused(error: HubError): void {
    this.fail(mqttjsError(error))
    this.emitClose()
    this.stopHub()
  }

  private emitClose(): void {
    if (!this.closeOwed) return
    this.closeOwed = false
    this.emit('close')
  }

  /** Leaves the hub without telling anyone: the connection stays for other tabs, this client stops using it. */
  private stopHub(): void {
    const hub = this.hubInstance
    ;[this.hubInstance, this.connected, this.reconnecting] = [null, false, false]
    this.subscriptions.detach()
    void hub?.close()
  }

  /** Emits one `message` per message this client receives (ClientSubscriptions picks the filter that speaks for it). */
  private deliver(message: HubMessage): void {
    // A view, no copy: payloads arrive by postMessage, so on an ArrayBuffer (never a SharedArrayBuffer).
    const payload = new MessagePayload(message.payload.buffer as ArrayBuffer, message.payload.byteOffset, message.payload.byteLength)
    const packet: IPublishPacket = {
      cmd: 'publish', topic: message.topic, payload, qos: message.qos, retain: message.retain, dup: message.redelivered,
      ...(message.messageId !== undefined && { messageId: message.messageId }),
    }
    this.emit('packetreceive', packet)
    this.emit('message', message.topic, payload, packet)
  }

  /** After end() began, calls fail as in MQTT.js ('client disconnecting'). */
  private refuseWhileEnding(done: (error: HubError) => void): boolean {
    if (this.disconnecting) done(new HubError('CLOSED', 'client disconnecting: end() was called'))
    return this.disconnecting
  }

  private track(operation: Promise<void>): void {
    const tracked = operation.finally(() => this.inFlight.delete(tracked))
    this.inFlight.add(tracked)
  }

  private async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  private packetId(): number {
    this.lastPacketId = (this.lastPacketId % 65_535) + 1
    return this.lastPacketId
  }

  /** MQTT.js emits errors nobody asked a callback for; without a listener they go to reportError, not a throw. */
  private fail(error: Error): void {
    if (!this.emit('error', error)) globalThis.reportError(error)
  }
}

/** A refusal by the broker as MQTT.js reports it: an error whose `code` is the MQTT reason code; anything else as it is. */
function mqttjsError(error: HubError): HubError | ErrorWithReasonCode {
  if (error instanceof HubError && error.reasonCode !== undefined) return new ErrorWithReasonCode(error.message, error.reasonCode, { cause: error })
  return error
}
