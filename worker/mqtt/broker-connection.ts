import mqtt from 'mqtt'
import type { IClientOptions, IClientPublishOptions, IPublishPacket, IStore, MqttClient, Packet } from 'mqtt'
import { DEFAULTS } from '../../src/defaults.ts'
import { HubError } from '../../src/errors.ts'
import type { HubStatus, MessageProperties, MqttConnectOptions, QoS, ReconnectOptions, SubscriptionOptions } from '../../src/public-types.ts'
import { Backoff } from './backoff.ts'
import { IncomingCheck, type ProtocolViolation } from './incoming-check.ts'
import type { PacketIds } from '../session/packet-ids.ts'
import { gateAcks, writeOwnedPacket } from './mqtt-internals.ts'
import { TrafficMeter } from './traffic.ts'

/** How a connection attempt reaches the broker: MQTT.js over a WebSocket, or any stream in tests. */
export type Transport = (url: string, options: IClientOptions) => MqttClient

const webSocketTransport: Transport = (url, options) => mqtt.connect(url, options)

/** Where a session connects: one broker, or a cluster's nodes tried in turn; and what it takes from them. */
export interface BrokerTarget {
  urls: readonly string[]
  /** Larger incoming packets close the connection [MQTT-4.8.0-1]; sent as Maximum Packet Size under MQTT 5. */
  maxIncomingPacketBytes: number
}

/** Topic aliases the hub accepts from the broker (MQTT 5) unless the app sets `properties.topicAliasMaximum`. */
const TOPIC_ALIASES_ACCEPTED = 64

export interface ConnectInfo {
  protocolVersion: 4 | 5
  /** MQTT 5 brokers may say they do not support subscription identifiers (CONNACK property). */
  subscriptionIdentifiers: boolean
  /** The broker kept the session (clean: false): in-flight messages are re-sent with their ids. */
  sessionPresent: boolean
  /** MQTT 5: how many QoS 1/2 PUBLISHes the broker takes in flight at once. */
  receiveMaximum: number | undefined
  /** MQTT 5: how many topic aliases the broker accepts from us (0: none); the hub then assigns them itself. */
  topicAliasMaximum: number
}

/** What the connection tells its owner. Every call comes from the current MQTT.js client only. */
export interface ConnectionListener {
  statusChanged(status: HubStatus, error?: HubError): void
  connected(info: ConnectInfo): void
  /** A connection that was up is gone. */
  disconnected(error: HubError): void
  /** The broker acknowledged an UNSUBSCRIBE. */
  unsubscribeAcked(filter: string): void
  /** A promise delays the broker's ack (PUBACK, PUBCOMP) until it settles: keep it short. */
  message(packet: IPublishPacket): Promise<void> | void
  /** Called synchronously at the SUBACK, before any PUBLISH that follows it is handled. */
  subscribeAcked(filter: string, reasonCode: number): void
  /** PUBACK, PUBREC or PUBCOMP for a stored QoS 1/2 message: the outbox owns its id and answers PUBREC itself. */
  publishAcked(cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number, reasonCode: number | undefined): void
}

/** MQTT 3.1.1 CONNACK return codes and MQTT 5 reason codes that mean "your credentials or identity". */
const REFUSAL_CODES = new Set([1, 2, 4, 5, 0x80, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c])

/**
 * The one broker connection of a session: a small typed adapter over MQTT.js that owns the
 * reconnect policy. Each attempt gets a fresh MQTT.js client (its `reconnectPeriod` is off), so
 * no state of a dead connection leaks into the next one and callbacks of old clients are ignored.
 * MQTT.js keeps the transport, the packet codec, keepalive, SUBSCRIBE/UNSUBSCRIBE and incoming
 * QoS 2; the packet ids, window and acks of stored publishes belong to the session's Publisher.
 */
export class BrokerConnection {
  private client: MqttClient | null = null
  private readonly backoff: Backoff
  private timer: ReturnType<typeof setTimeout> | undefined
  private connectedAt = 0
  private everConnected = false
  private closed = false
  private lastError: HubError | undefined
  /** The URL of the current (or next) attempt, in `target.urls`. */
  private urlIndex = 0
  /** SUBSCRIBE packet id → filter, to tell which filter a SUBACK is for. */
  private readonly pendingSubacks = new Map<number, string>()
  /**
   * Incoming QoS 2 messages between PUBREC and PUBREL, kept across connections: after a
   * reconnect the broker sends only the PUBREL [MQTT-4.3.3], and MQTT.js delivers the message then.
   */
  private readonly incomingStore: IStore = new mqtt.Store()
  /** Counts connections: a message re-sent after a reconnect arrives on a later one. */
  connectionSeq = 0
  /** PUBLISH packets in and out, counted where they cross the wire (re-sends included). */
  readonly traffic = new TrafficMeter()

  constructor(
    private readonly target: BrokerTarget,
    private readonly options: MqttConnectOptions & { clientId: string },
    private readonly reconnect: ReconnectOptions,
    private readonly listener: ConnectionListener,
    /** Packet ids: the outbox's PUBLISHes and MQTT.js's SUBSCRIBE/UNSUBSCRIBE draw from one allocator. */
    private readonly ids: PacketIds,
    private readonly transport: Transport = webSocketTransport,
  ) {
    this.backoff = new Backoff(reconnect)
  }

  get isConnected(): boolean {
    return this.client?.connected === true
  }

  get protocolVersion(): 4 | 5 {
    return this.options.protocolVersion ?? 4
  }

  /** Within the first seconds of a connection, when a broker re-sends what it had not seen acked. */
  get justConnected(): boolean {
    return this.connectedAt > 0 && Date.now() - this.connectedAt < 5_000
  }

  /** Attempts since the last stable connection (1 for the first retry): the `reconnecting` event's number. */
  get attemptNumber(): number {
    return this.backoff.attempts
  }

  /** When the current connection was made (epoch ms), null while not connected. */
  get connectedSince(): number | null {
    return this.connectedAt > 0 ? this.connectedAt : null
  }

  get clientId(): string {
    return this.options.clientId
  }

  /** The broker URL of the current (or next) attempt. */
  private get url(): string {
    return this.target.urls[this.urlIndex]!
  }

  /** The broker URL without credentials. */
  get displayUrl(): string {
    return redactUrl(this.url)
  }

  start(): void {
    this.attempt()
  }

  /** Reconnect now instead of waiting for the backoff (the browser came back online). */
  retryNow(): void {
    if (this.closed || this.client) return
    clearTimeout(this.timer)
    this.attempt()
  }

  subscribe(filter: string, qos: QoS, subscriptionIdentifier?: number, options: SubscriptionOptions = {}): void {
    const properties = subscriptionIdentifier ? { subscriptionIdentifier } : undefined
    const { noLocal, retainAsPublished, retainHandling } = this.protocolVersion === 5 ? options : {}
    // The outcome arrives through `subscribeAcked`, in order with the messages.
    this.client?.subscribe(filter, { qos, properties, nl: noLocal, rap: retainAsPublished, rh: retainHandling }, () => {})
  }

  unsubscribe(filter: string): Promise<void> {
    const client = this.client
    if (!client?.connected) return Promise.resolve()
    return new Promise((resolve) => client.unsubscribe(filter, () => {
      if (client === this.client) this.listener.unsubscribeAcked(filter)
      resolve()
    }))
  }

  publish(topic: string, payload: string | Uint8Array, qos: QoS, retain: boolean, done: (error?: HubError) => void, properties?: MessageProperties): void {
    const client = this.client
    if (!client?.connected) {
      done(new HubError('CONNECTION_LOST', 'Not connected to the broker'))
      return
    }
    const options = this.protocolVersion === 5 && properties ? { qos, retain, properties } : { qos, retain }
    client.publish(topic, payload as string, options as IClientPublishOptions, (error) => {
      if (client !== this.client) return // the connection died; the owner re-sends from its queue
      done(error ? new HubError('PUBLISH_FAILED', `Publish to "${topic}" failed: ${error.message}`) : undefined)
    })
  }

  /** A stored QoS 1/2 message with the packet id the outbox chose; `dup` when it is a re-send [MQTT-3.3.1-1]. */
  publishWithId(topic: string, payload: Uint8Array, qos: 1 | 2, retain: boolean, messageId: number, dup: boolean, properties?: MessageProperties): void {
    const client = this.client
    if (!client?.connected) return
    const extra = this.protocolVersion === 5 && properties ? { properties } : {}
    writeOwnedPacket(client, { cmd: 'publish', topic, payload, qos, retain, dup, messageId, ...extra })
  }

  /** PUBREL for a QoS 2 message the broker has received (PUBREC), sent once its state is stored, and again after a reconnect [MQTT-4.3.3]. */
  release(messageId: number): void {
    const client = this.client
    if (!client?.connected) return
    writeOwnedPacket(client, { cmd: 'pubrel', messageId })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.timer)
    const client = this.client
    this.client = null
    this.listener.statusChanged('closed')
    if (!client) return
    client.removeAllListeners()
    client.on('error', () => {})
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000)
      client.end(false, {}, () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  private attempt(): void {
    this.timer = undefined
    this.listener.statusChanged(this.everConnected ? 'reconnecting' : 'connecting', this.lastError)
    let violation: ProtocolViolation | null = null
    const client = this.transport(this.url, this.clientOptions((found) => {
      violation = found
      this.lastError = new HubError('PROTOCOL_VIOLATION', found.message)
    }))
    this.client = client
    client.on('connect', (connack) => {
      this.connectionSeq++
      this.traffic.reconnects = this.connectionSeq - 1 // as inspect() counts them
      this.connectedAt = Date.now()
      this.everConnected = true
      this.lastError = undefined
      const available = connack.properties?.subscriptionIdentifiersAvailable
      this.listener.connected({
        protocolVersion: this.protocolVersion,
        subscriptionIdentifiers: available !== false,
        sessionPresent: connack.sessionPresent === true,
        receiveMaximum: connack.properties?.receiveMaximum,
        topicAliasMaximum: connack.properties?.topicAliasMaximum ?? 0,
      })
      this.listener.statusChanged('connected')
    })
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'publish') this.traffic.sent(packet.payload.length, packet.properties?.topicAlias !== undefined)
      else if (packet.cmd === 'subscribe' && packet.messageId !== undefined) {
        this.pendingSubacks.set(packet.messageId, packet.subscriptions[0].topic)
      }
    })
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'publish') this.traffic.received(packet.payload.length)
      else if ((packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') && packet.messageId !== undefined) {
        this.listener.publishAcked(packet.cmd, packet.messageId, packet.reasonCode)
        return
      }
      if (packet.cmd !== 'suback' || packet.messageId === undefined) return
      const filter = this.pendingSubacks.get(packet.messageId)
      if (filter === undefined) return
      this.pendingSubacks.delete(packet.messageId)
      this.listener.subscribeAcked(filter, packet.granted[0] as number)
    })
    // A message that must be in the inbox first is acked after the write, never after a tab's
    // handler; MQTT.js reads on meanwhile, so that the inbox writes messages in batches.
    const acks = gateAcks(client)
    client.handleMessage = (packet, done) => {
      const written = this.listener.message(packet as IPublishPacket)
      if (written && packet.messageId !== undefined) acks.holdUntil(packet.messageId, written)
      done()
    }
    client.on('error', (error) => {
      // The socket closed by a protocol violation errs too: the violation is the reason.
      if (!violation) this.lastError = describeError(error, this.url, this.everConnected)
    })
    client.on('close', () => {
      if (client === this.client) this.onClosed(client)
    })
  }


  private onClosed(client: MqttClient): void {
    const wasConnected = this.connectedAt > 0
    this.client = null
    this.pendingSubacks.clear()
    client.removeAllListeners()
    client.on('error', () => {})
    client.end(true)
    if (wasConnected) {
      if (Date.now() - this.connectedAt >= this.reconnect.stableAfterMs) this.backoff.reset()
      this.connectedAt = 0
      this.lastError ??= new HubError('CONNECTION_LOST', 'The connection to the broker was lost')
      this.listener.disconnected(this.lastError)
    }
    if (this.closed) return
    this.lastError ??= unreachable(this.url, this.everConnected)
    // A cluster: the next attempt goes to the next node (with one URL, to the same broker).
    this.urlIndex = (this.urlIndex + 1) % this.target.urls.length
    this.listener.statusChanged('offline', this.lastError)
    this.timer = setTimeout(() => this.attempt(), this.backoff.next())
  }

  private clientOptions(violated: (violation: ProtocolViolation) => void): IClientOptions {
    const { will, properties, ...rest } = this.options
    const v5 = this.protocolVersion === 5
    const maxPacket = Math.min(this.target.maxIncomingPacketBytes, (properties?.maximumPacketSize as number | undefined) ?? Infinity)
    return {
      ...rest,
      // MQTT 5: take the broker's topic aliases, and use ours where its CONNACK offers them; tell
      // it the largest packet we take [MQTT-3.1.2-24].
      properties: v5 ? { topicAliasMaximum: TOPIC_ALIASES_ACCEPTED, ...properties, maximumPacketSize: maxPacket } : properties,
      // In a browser (worker), every frame is checked before MQTT.js parses it; tests in Node
      // use their own transports.
      ...(typeof WebSocket !== 'undefined' && { createWebsocket: checkedWebSocket(maxPacket, this.protocolVersion, violated) }),
      autoAssignTopicAlias: v5,
      will: will ? { ...will, payload: will.payload as string, qos: will.qos ?? 0, retain: will.retain ?? false } : undefined,
      connectTimeout: this.options.connectTimeout ?? DEFAULTS.connectTimeoutMs,
      incomingStore: this.incomingStore,
      messageIdProvider: this.ids,
      reconnectPeriod: 0,
      resubscribe: false,
      // A PINGREQ every keepalive interval, whatever else is sent: by default MQTT.js clears and
      // sets its keepalive timer again at every PUBACK, PUBREC and PUBCOMP it reads, a timer pair
      // per acknowledged publish (8 % of the worker's time replaying a stored outbox).
      reschedulePings: false,
      // MQTT.js would otherwise pre-build a 2-byte buffer for every number up to 65,535 at its
      // first packet: 8 of the worker's 9.7 MB of heap, for a few allocations saved per PUBLISH.
      writeCache: false,
    }
  }
}

/**
 * A WebSocket whose frames pass an IncomingCheck before MQTT.js's listener (added after ours)
 * sees them: the first protocol violation is reported, hidden from MQTT.js, and closes the
 * connection [MQTT-4.8.0-1]; nothing after it is read.
 */
function checkedWebSocket(maxPacketBytes: number, protocolVersion: 4 | 5, violated: (violation: ProtocolViolation) => void) {
  return (url: string, protocols: string[]): WebSocket => {
    const socket = new WebSocket(url, protocols)
    socket.binaryType = 'arraybuffer'
    const check = new IncomingCheck(maxPacketBytes, protocolVersion)
    let closed = false
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer>) => {
      if (!closed) {
        const violation = check.feed(new Uint8Array(event.data))
        if (!violation) return
        closed = true
        violated(violation)
        socket.close()
      }
      event.stopImmediatePropagation()
    })
    return socket
  }
}

/** A HubError that says why, without credentials (they may be in the URL or in MQTT.js's text). */
function describeError(error: Error & { code?: unknown }, url: string, everConnected: boolean): HubError {
  if (typeof error.code === 'number' && REFUSAL_CODES.has(error.code)) {
    const reason = error.message.replace(/^Connection refused: /, '')
    return new HubError('CONNECTION_REFUSED', `The broker refused the connection: ${reason} (reason code ${error.code})`, error.code)
  }
  return unreachable(url, everConnected)
}

/** Never reached (nothing listening, DNS, TLS, no CONNACK) is not the same as a connection that was up and went. */
function unreachable(url: string, everConnected: boolean): HubError {
  if (everConnected) return new HubError('CONNECTION_LOST', `Lost the connection to the broker at ${redactUrl(url)} (or cannot reach it again)`)
  return new HubError('BROKER_UNREACHABLE', `Cannot reach the broker at ${redactUrl(url)} (nothing answered: not listening, unknown host, TLS or WebSocket upgrade failed, or no CONNACK in time)`)
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.username) parsed.username = '***'
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(invalid URL)'
  }
}

