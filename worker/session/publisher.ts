import { HubError } from '../../src/errors.ts'
import type { PublishRequest } from '../../src/protocol.ts'
import type { BrokerConnection } from '../mqtt/broker-connection.ts'
import type { OutboxRecord } from '../storage/hub-db.ts'
import type { Outbox } from '../storage/outbox.ts'
import type { PacketIds } from './packet-ids.ts'

/** Hears the broker's ack of a stored publish (PUBACK, PUBCOMP), or its refusal. */
/** `messageId`: the packet id the broker acknowledged (absent when the flow ended without an ack this connection saw). */
export type AckListener = (seq: number, error?: HubError, messageId?: number) => void

interface VolatilePublish {
  request: PublishRequest
  resolve(): void
  reject(error: HubError): void
}

/** A stored record with the packet id it is being sent with. */
type Sending = OutboxRecord & { messageId: number }

/** QoS 0 publishes held in memory while offline (MQTT.js's `queueQoSZero`), oldest dropped past this. */
const VOLATILE_LIMIT = 10_000
/**
 * QoS 1/2 PUBLISHes in flight at once. MQTT 5 brokers say how many they take (Receive Maximum,
 * capped here at 1,000); an MQTT 3.1.1 broker cannot, and gets 1,000 QoS 1 flows: a broker
 * acknowledges a QoS 1 PUBLISH as it routes it, and none here (aedes, mosquitto, RabbitMQ) limits
 * them. The window is what replaying a stored outbox runs at: each ack lets one more go.
 */
const WINDOW = 1_000
/**
 * With MQTT 3.1.1, one QoS 2 flow at a time: aedes 1.2 was seen losing QoS 2 messages whose
 * flows overlapped (1 to 6 of 100, from plain MQTT.js too), and mosquitto (max_inflight_messages
 * 20 by default) drops those beyond its in-flight limit. MQTT 5 brokers state their limit, and
 * get up to that.
 */
const QOS2_WINDOW_3_1_1 = 1

/**
 * Sends a session's publishes. QoS 1/2 go through the outbox: on disk first, sent in order, each
 * with a packet id chosen here and persisted before the PUBLISH leaves, re-sent after a reconnect
 * with the same id and DUP when the broker kept the session [MQTT-4.4.0-1], and with a fresh id
 * otherwise. A QoS 2 record past PUBREC is released again (PUBREL) while the broker keeps the
 * session; when its CONNACK says the session is gone, the broker may never have released the
 * message to subscribers, so it is published again with a new id, counted and reported as a
 * possible duplicate: QoS 2 degrades to at-least-once then, and only then, rather than lose it.
 */
export class Publisher {
  private readonly waiters = new Map<number, Set<AckListener>>()
  private readonly inFlight = new Map<number, OutboxRecord>()
  /** How many of `inFlight` are QoS 2. */
  private qos2InFlight = 0
  private volatile: VolatilePublish[] = []
  private window = WINDOW
  private qos2Window = WINDOW
  /** Stored records waiting for a packet id, in publish order, from `queueHead` on (a cursor, not a scan of the outbox). */
  private queue: OutboxRecord[] = []
  private queueHead = 0
  private pumping = false
  private pumpAgain = false
  dropped = 0
  /** QoS 2 messages published again after a lost session (metrics().outbox.possibleDuplicates). */
  possibleDuplicates = 0

  constructor(
    readonly outbox: Outbox,
    private readonly connection: BrokerConnection,
    private readonly ids: PacketIds,
    /** clean: false: the broker may resume the session, and a QoS 2 re-send must keep its id. */
    private readonly persistent: boolean,
    /** Told of each QoS 2 message published again after the broker lost the session. */
    private readonly onPossibleDuplicate: (record: OutboxRecord) => void = () => {},
  ) {}

  get inFlightCount(): number {
    return this.inFlight.size
  }

  /**
   * QoS 0: resolves with null once written (or queued in memory while offline). QoS 1/2: resolves
   * with the record's seq once it is on disk; `onAck` hears the broker's ack.
   */
  async publish(request: PublishRequest, onAck: AckListener): Promise<number | null> {
    const { topic, payload, qos, retain, properties } = request
    if (qos === 0) {
      await new Promise<void>((resolve, reject) => {
        const item = { request, resolve, reject }
        if (this.connection.isConnected) this.sendVolatile(item)
        else this.queueVolatile(item)
      })
      return null
    }
    const record = await this.outbox.add(topic, payload, qos, retain, null, properties)
    this.await(record.seq, onAck)
    this.queue.push(record)
    this.pump()
    return record.seq
  }

  /** Waits for the ack of a record stored earlier (by this worker or one before it). */
  await(seq: number, onAck: AckListener): void {
    if (!this.outbox.records.has(seq)) {
      onAck(seq) // acknowledged already
      return
    }
    const listeners = this.waiters.get(seq) ?? new Set()
    listeners.add(onAck)
    this.waiters.set(seq, listeners)
  }

  forget(onAck: AckListener): void {
    for (const listeners of this.waiters.values()) listeners.delete(onAck)
  }

  /** After CONNACK: re-send what was in flight, in order, then everything else. */
  connected(sessionPresent: boolean, receiveMaximum: number | undefined, protocolVersion: 4 | 5): void {
    this.window = protocolVersion === 5 ? Math.min(WINDOW, receiveMaximum ?? 65_535) : WINDOW
    this.qos2Window = protocolVersion === 5 ? this.window : QOS2_WINDOW_3_1_1
    this.clearInFlight()
    for (const record of this.outbox.records.values()) {
      const id = sessionPresent ? record.messageId : null
      const resumed = id !== null && this.ids.hold(id) ? Object.assign(record, { messageId: id }) : null
      if (record.state === 'pubrel') {
        // The broker has the message since its PUBREC: release it again [MQTT-4.3.3]. If the
        // session is gone, the broker may have dropped it unreleased (mosquitto 2.0 after a
        // restart): publish it again, a possible duplicate.
        if (resumed) this.sendRelease(resumed)
        else this.republish(record)
      } else if (resumed) {
        this.sendStored(resumed, true)
      } else if (record.qos === 2 && record.messageId !== null) {
        // Sent, no PUBREC yet, and the session is gone: a broker that forwards a QoS 2 message at
        // its PUBLISH (aedes does, before its PUBREC) may have delivered it already.
        this.republish(record)
      } else {
        record.messageId = null
      }
    }
    this.queue = [...this.outbox.records.values()].filter((record) => record.messageId === null)
    this.queueHead = 0
    const volatile = this.volatile
    this.volatile = []
    for (const item of volatile) this.sendVolatile(item)
    this.pump()
  }

  disconnected(): void {
    this.clearInFlight()
  }

  /** PUBACK, PUBREC, PUBCOMP for a packet id, in the order they arrive. */
  acked(cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number, reasonCode: number | undefined): void {
    const record = this.inFlight.get(messageId)
    if (!record) return
    if (reasonCode !== undefined && reasonCode >= 0x80) {
      this.complete(record, new HubError('PUBLISH_FAILED', `The broker refused the publish to "${record.topic}" (reason code ${reasonCode})`, reasonCode), messageId)
    } else if (cmd === 'puback' || cmd === 'pubcomp') {
      this.complete(record, undefined, messageId)
    } else {
      this.received(record, messageId)
    }
  }

  /**
   * PUBREC: the broker has the message. The record says "pubrel" on disk before the PUBREL
   * leaves, or a crash in between would publish it a second time after a restart [MQTT-4.3.3].
   */
  private received(record: OutboxRecord, messageId: number): void {
    const connection = this.connection.connectionSeq
    const stored = record.state === 'pubrel' ? Promise.resolve() : this.outbox.released(record)
    // Not stored (IndexedDB failed): release anyway; the broker holds the message either way.
    void stored.catch(() => {}).then(() => {
      if (this.connection.connectionSeq === connection && this.inFlight.get(messageId) === record) this.connection.release(messageId)
    })
  }

  /** Sends stored records that have no packet id yet, in order, while the window has room. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    if (!this.connection.isConnected) return
    const batch: Sending[] = []
    let qos2 = this.qos2InFlight
    let next = this.queueHead
    while (next < this.queue.length && this.inFlight.size + batch.length < this.window) {
      const record = this.queue[next]
      if (!this.outbox.records.has(record.seq)) {
        next++ // completed meanwhile (a lost session released it)
        continue
      }
      if (record.qos === 2 && qos2++ >= this.qos2Window) break // in order: nothing overtakes it
      const id = this.ids.claim()
      if (id === null) break
      batch.push(Object.assign(record, { messageId: id }))
      next++
    }
    this.queueHead = next
    if (next > 1_024 && next * 2 > this.queue.length) {
      this.queue = this.queue.slice(next)
      this.queueHead = 0
    }
    if (batch.length === 0) return
    // A QoS 2 re-send in a resumed session must keep its id: on disk before the PUBLISH leaves.
    // Elsewhere an id only matters while the connection lasts: send at once.
    if (!this.persistent || batch.every((record) => record.qos === 1)) {
      for (const record of batch) this.sendStored(record, false)
      return
    }
    this.pumping = true
    const connection = this.connection.connectionSeq
    void this.outbox.assign(batch).catch(() => {}).then(() => {
      this.pumping = false
      if (this.connection.connectionSeq === connection && this.connection.isConnected) {
        for (const record of batch) if (this.outbox.records.has(record.seq)) this.sendStored(record, false)
      } else {
        // Sent later, with a new id; unless a CONNACK meanwhile resumed it under this one (connected()).
        for (const record of batch) if (this.inFlight.get(record.messageId) !== record) (record as OutboxRecord).messageId = null
      }
      if (this.pumpAgain) {
        this.pumpAgain = false
        this.pump()
      }
    })
  }

  private republish(record: OutboxRecord): void {
    record.state = 'publish'
    record.messageId = null
    this.possibleDuplicates++
    this.onPossibleDuplicate(record)
  }

  private sendStored(record: Sending, dup: boolean): void {
    this.track(record)
    this.connection.publishWithId(record.topic, record.payload, record.qos, record.retain, record.messageId, dup, record.properties)
  }

  private sendRelease(record: Sending): void {
    this.track(record)
    this.connection.release(record.messageId)
  }

  private complete(record: OutboxRecord, error?: HubError, acked?: number): void {
    if (record.messageId !== null && this.inFlight.get(record.messageId) === record) {
      this.inFlight.delete(record.messageId)
      if (record.qos === 2) this.qos2InFlight--
      this.ids.deallocate(record.messageId)
    }
    this.outbox.remove(record)
    const listeners = this.waiters.get(record.seq)
    this.waiters.delete(record.seq)
    for (const listener of listeners ?? []) listener(record.seq, error, acked)
    // While the window is full and records wait, refill it in batches rather than one PUBLISH
    // per ack: the PUBLISHes written in one go leave in one WebSocket frame. A QoS 2 flow that
    // ended, or an empty window, refills at once (a QoS 2 record may be next in line).
    if (record.qos === 2 || this.window - this.inFlight.size >= Math.ceil(this.window / 16)) this.pump()
  }

  private track(record: Sending): void {
    const before = this.inFlight.get(record.messageId)
    if (before?.qos === 2) this.qos2InFlight--
    if (record.qos === 2) this.qos2InFlight++
    this.inFlight.set(record.messageId, record)
  }

  private clearInFlight(): void {
    this.inFlight.clear()
    this.qos2InFlight = 0
  }

  private sendVolatile(item: VolatilePublish): void {
    const { topic, payload, retain, properties } = item.request
    this.connection.publish(topic, payload, 0, retain, (error) => (error ? item.reject(error) : item.resolve()), properties)
  }

  private queueVolatile(item: VolatilePublish): void {
    this.volatile.push(item)
    if (this.volatile.length <= VOLATILE_LIMIT) return
    this.dropped++
    this.volatile.shift()!.reject(new HubError('PUBLISH_FAILED', `More than ${VOLATILE_LIMIT} QoS 0 messages waited for the connection; the oldest was dropped`))
  }
}
