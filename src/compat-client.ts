// An MQTT.js-shaped client over a hub: code written for MQTT.js's everyday surface moves to the
// hub by changing its import. Semantics follow MQTT.js where the hub allows; README lists the rest.
import { TypedEmitter } from './compat-events.ts'
import { HubError } from './errors.ts'
import { createHub } from './hub.ts'
import type { HubMessage } from './message.ts'
import { checkQos, record } from './options.ts'
import type { HubStatus, QoS } from './public-types.ts'
import { topicMatches } from './topic.ts'
import type { Hub, HubOptions, Subscription } from './types.ts'

/** A message payload: bytes like MQTT.js's Buffer, and `toString()` decodes UTF-8 as Buffer's does. */
export class MessagePayload extends Uint8Array {
  override toString(): string {
    return new TextDecoder().decode(this)
  }
}

/** What MQTT.js passes as the third argument of `message` listeners, as far as the hub knows it. */
export interface IPublishPacket {
  cmd: 'publish'
  topic: string
  payload: MessagePayload
  qos: QoS
  retain: boolean
  /** The broker re-sent it, or an exclusive job was given again. */
  dup: boolean
}

export interface IConnackPacket {
  cmd: 'connack'
  returnCode: 0
  sessionPresent: boolean
}

export interface ISubscriptionGrant {
  topic: string
  /** The QoS asked for (the hub holds the broker's grant per connection, shared by every tab). */
  qos: QoS
}

export interface IClientSubscribeOptions { qos?: QoS }
export interface IClientPublishOptions { qos?: QoS; retain?: boolean; dup?: boolean }
export type ISubscriptionMap = Record<string, IClientSubscribeOptions>

export type OnMessageCallback = (topic: string, payload: MessagePayload, packet: IPublishPacket) => void
export type ClientSubscribeCallback = (error: Error | null, granted?: ISubscriptionGrant[]) => void
export type PacketCallback = (error?: Error) => void

export interface MqttClientEvents {
  connect: (connack: IConnackPacket) => void
  message: OnMessageCallback
  reconnect: () => void
  close: () => void
  offline: () => void
  error: (error: HubError) => void
  end: () => void
}

export class MqttHubClient extends TypedEmitter<MqttClientEvents> {
  /** Connected to the broker (the shared connection, in shared-worker mode). */
  connected = false
  reconnecting = false
  disconnected = false
  private hubInstance: Hub | null = null
  private readonly subscriptions = new Map<string, Subscription>()
  /** The filters this client wants, each with the subscription (by its token) that speaks for it. */
  private readonly filters = new Map<string, { qos: QoS; token: object }>()

  constructor(private readonly hubOptions: HubOptions, manualConnect: boolean) {
    super()
    if (!manualConnect) this.connect()
  }

  /** The hub underneath, for what MQTT.js has no word for (exclusive handlers, inspect()). */
  get hub(): Hub {
    if (!this.hubInstance) throw new HubError('CLOSED', 'Not connected: call connect() first (manualConnect)')
    return this.hubInstance
  }

  /** Opens the connection (manualConnect), or again after end(). */
  connect(): this {
    if (this.hubInstance && this.hubInstance.status !== 'closed') return this
    this.disconnected = false
    const hub = createHub(this.hubOptions)
    this.hubInstance = hub
    let wasConnected = false
    hub.onStatus((status: HubStatus, error?: HubError) => {
      if (status === 'connected') {
        ;[this.connected, this.reconnecting, wasConnected] = [true, false, true]
        this.emit('connect', { cmd: 'connack', returnCode: 0, sessionPresent: false })
        return
      }
      this.connected = false
      if (wasConnected) {
        wasConnected = false
        this.emit('close')
        if (status !== 'closed') this.emit('offline')
      }
      if (status === 'reconnecting') {
        this.reconnecting = true
        this.emit('reconnect')
      }
      if (error && (error.code === 'CONNECTION_REFUSED' || error.code === 'CONFIG_MISMATCH')) this.fail(error)
    })
    return this
  }

  subscribe(topics: string | string[] | ISubscriptionMap, options?: IClientSubscribeOptions | ClientSubscribeCallback, callback?: ClientSubscribeCallback): this {
    const [opts, done] = typeof options === 'function' ? [undefined, options] : [options, callback]
    this.subscribeAsync(topics, opts).then((granted) => done?.(null, granted), (error: HubError) => (done ? done(error) : this.fail(error)))
    return this
  }

  async subscribeAsync(topics: string | string[] | ISubscriptionMap, options: IClientSubscribeOptions = {}): Promise<ISubscriptionGrant[]> {
    const wanted = subscriptionList(topics, options)
    return Promise.all(wanted.map(async ({ topic, qos }) => {
      // Registered first: retained messages can arrive before subscribe() resolves.
      const token = {}
      const previous = this.filters.get(topic)
      this.filters.set(topic, { qos, token })
      let subscription: Subscription
      try {
        subscription = await this.hub.subscribe(topic, (message) => this.deliver(topic, token, message), { qos })
      } catch (error) {
        if (this.filters.get(topic)?.token === token) {
          if (previous) this.filters.set(topic, previous)
          else this.filters.delete(topic)
        }
        throw error
      }
      // Subscribing again replaces the subscription [MQTT-3.8.4-3]: the new one is in place before the old one goes.
      await this.subscriptions.get(topic)?.unsubscribe().catch(() => {})
      this.subscriptions.set(topic, subscription)
      return { topic, qos }
    }))
  }

  unsubscribe(topics: string | string[], options?: object | PacketCallback, callback?: PacketCallback): this {
    const done = typeof options === 'function' ? options : callback
    this.unsubscribeAsync(topics).then(() => done?.(), (error: HubError) => (done ? done(error) : this.fail(error)))
    return this
  }

  async unsubscribeAsync(topics: string | string[]): Promise<void> {
    // Like MQTT.js, a filter this client does not hold is no error.
    await Promise.all((Array.isArray(topics) ? topics : [topics]).map(async (topic) => {
      const subscription = this.subscriptions.get(topic)
      this.subscriptions.delete(topic)
      this.filters.delete(topic)
      await subscription?.unsubscribe()
    }))
  }

  /** QoS 0: the callback runs once sent (or queued offline); QoS 1/2: once the broker acknowledged (PUBACK, PUBCOMP). */
  publish(topic: string, message: string | Uint8Array, options?: IClientPublishOptions | PacketCallback, callback?: PacketCallback): this {
    const [opts, done] = typeof options === 'function' ? [undefined, options] : [options, callback]
    this.publishAsync(topic, message, opts).then(() => done?.(), (error: HubError) => (done ? done(error) : this.fail(error)))
    return this
  }

  async publishAsync(topic: string, message: string | Uint8Array, options: IClientPublishOptions = {}): Promise<void> {
    const { qos, retain } = record(options, 'publish options')
    await this.hub.publish(topic, message, { qos: checkQos(qos), retain: retain === true })
  }

  /** Closes this tab's hub; in shared-worker mode the connection stays up while other tabs use it. */
  end(force?: boolean | PacketCallback, options?: object | PacketCallback, callback?: PacketCallback): this {
    const done = [force, options, callback].find((arg): arg is PacketCallback => typeof arg === 'function')
    this.endAsync().then(() => done?.(), (error: Error) => done?.(error))
    return this
  }

  async endAsync(): Promise<void> {
    const hub = this.hubInstance
    this.subscriptions.clear()
    this.filters.clear()
    if (!hub || hub.status === 'closed') return
    await hub.close()
    ;[this.connected, this.reconnecting, this.disconnected] = [false, false, true]
    this.emit('end')
  }

  /**
   * MQTT.js emits one `message` per PUBLISH it receives; the hub calls every matching
   * subscription's handler once per message (also on MQTT 5 brokers that send a copy per
   * subscription). So one filter speaks for each message: the matching one with the highest QoS,
   * the first subscribed on a tie. The same counts on every broker.
   */
  private deliver(filter: string, token: object, message: HubMessage): void {
    if (this.filters.get(filter)?.token !== token || this.speakerFor(message.topic) !== filter) return
    // A view, no copy: payloads arrive by postMessage, so on an ArrayBuffer (never a SharedArrayBuffer).
    const payload = new MessagePayload(message.payload.buffer as ArrayBuffer, message.payload.byteOffset, message.payload.byteLength)
    const packet: IPublishPacket = { cmd: 'publish', topic: message.topic, payload, qos: message.qos, retain: message.retain, dup: message.redelivered }
    this.emit('message', message.topic, payload, packet)
  }

  private speakerFor(topic: string): string | undefined {
    let speaker: [string, QoS] | undefined
    for (const [filter, { qos }] of this.filters) {
      if (topicMatches(filter, topic) && (!speaker || qos > speaker[1])) speaker = [filter, qos]
    }
    return speaker?.[0]
  }

  /** MQTT.js emits errors nobody asked a callback for; without a listener they go to reportError, not a throw. */
  private fail(error: HubError): void {
    if (!this.emit('error', error)) globalThis.reportError(error)
  }
}

function subscriptionList(topics: string | string[] | ISubscriptionMap, options: IClientSubscribeOptions): ISubscriptionGrant[] {
  const { qos, ...rest } = record(options, 'subscribe options')
  const unsupported = Object.keys(rest).filter((key) => rest[key] !== undefined)
  if (unsupported.length > 0) {
    // nl, rap, rh, properties: one connection serves every tab, so per-subscriber flags cannot hold.
    throw new HubError('INVALID_OPTIONS', `Subscribe options ${unsupported.join(', ')} are not supported by mqtt-hub (only qos)`)
  }
  if (typeof topics === 'string') return [{ topic: topics, qos: checkQos(qos) }]
  if (Array.isArray(topics)) return topics.map((topic) => ({ topic, qos: checkQos(qos) }))
  return Object.entries(record(topics, 'subscription map')).map(([topic, o]) => ({ topic, qos: checkQos(record(o, `options of ${topic}`).qos) }))
}
