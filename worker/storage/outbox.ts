import { HubError } from '../../src/errors.ts'
import type { MessageProperties, OutboxLimits } from '../../src/public-types.ts'
import { GroupCommit } from './group-commit.ts'
import { BATCH_SEQS, deleteKeys, runsOf, type HubDatabase, type NewOutboxRecord, type OutboxBatch, type OutboxMember, type OutboxRecord, type OutboxValue } from './hub-db.ts'

export type { OutboxLimits }

const encoder = new TextEncoder()

/** Where a stored publish is on disk: a batch (the seqs of its publishes still stored), or a record of its own (written before batches). */
interface Place {
  key: number
  /** Null: a record of its own. */
  live: Set<number> | null
}

/**
 * QoS 1/2 publishes of one session, on disk from before `publish()` resolves until the broker's
 * ack: PUBACK removes a QoS 1 publish; for QoS 2, PUBREC turns it into a PUBREL record and
 * PUBCOMP removes it. New publishes are written in one transaction per macrotask, the QoS 1
 * publishes of a run in one record (a batch; a batch's acked publishes are rewritten out of it,
 * and it is deleted with its last), each QoS 2 publish in a record of its own, so that its state
 * changes rewrite it alone. Each caller's promise resolves when its transaction committed. The
 * publishes are mirrored in memory in publish order (`seq`), which is the order they are sent and
 * re-sent in.
 */
export class Outbox {
  /** In publish order. */
  readonly records = new Map<number, OutboxRecord>()
  private bytes = 0
  private pendingPuts: Array<{ record: NewOutboxRecord; done(stored: OutboxRecord | null, error?: unknown): void }> = []
  /** seq → where it is stored. */
  private readonly places = new Map<number, Place>()
  /** Stored records (by key) that lost a publish since the last commit: rewritten, or deleted when empty. */
  private changed = new Map<number, Place>()
  private readonly commits = new GroupCommit(() => this.commit(), () => this.pendingPuts.length > 0 || this.changed.size > 0,
    (start) => setTimeout(start, 0))

  private nextMemorySeq = 1

  private constructor(
    /** Null where IndexedDB is not available: the outbox then lives in memory only. */
    private readonly db: HubDatabase | null,
    readonly session: string,
    readonly limits: OutboxLimits,
  ) {}

  /** Loads what an earlier worker left for this session. */
  static async open(db: HubDatabase | null, session: string, limits: OutboxLimits): Promise<Outbox> {
    const outbox = new Outbox(db, session, limits)
    for (const value of (await db?.getAllFromIndex('outbox', 'bySession', session)) ?? []) {
      if (!('messages' in value)) {
        outbox.loaded(value, { key: value.seq, live: null })
        continue
      }
      const place = { key: value.seq, live: new Set<number>() }
      for (const { index, ...publish } of value.messages) outbox.loaded({ ...publish, seq: value.seq * BATCH_SEQS + index }, place)
    }
    return outbox
  }

  private loaded(record: OutboxRecord, place: Place): void {
    this.records.set(record.seq, record)
    this.bytes += record.bytes
    this.places.set(record.seq, place)
    place.live?.add(record.seq)
  }

  get durable(): boolean {
    return this.db !== null
  }

  get depth(): number {
    return this.records.size
  }

  get size(): number {
    return this.bytes
  }

  get oldestAgeMs(): number | null {
    const first = this.records.values().next().value
    return first ? Date.now() - first.createdAt : null
  }

  /** Stores a publish; resolves once it is on disk. Past the limits: HubError 'OUTBOX_FULL', nothing stored. */
  add(topic: string, payload: string | Uint8Array, qos: 1 | 2, retain: boolean, messageId: number | null, properties?: MessageProperties): Promise<OutboxRecord> {
    const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload
    const size = bytes.byteLength + topic.length
    if (this.records.size + this.pendingPuts.length >= this.limits.maxMessages || this.bytes + size > this.limits.maxBytes) {
      return Promise.reject(new HubError('OUTBOX_FULL', `The outbox of "${this.session}" is full ` +
        `(${this.records.size} messages, ${this.bytes} bytes; limits ${this.limits.maxMessages} and ${this.limits.maxBytes})`))
    }
    const record: NewOutboxRecord = {
      session: this.session, topic, payload: bytes, qos, retain, state: 'publish', messageId, createdAt: Date.now(), bytes: size,
      ...(properties && { properties }),
    }
    this.bytes += size
    return new Promise((resolve, reject) => {
      this.pendingPuts.push({ record, done: (stored, error) => (stored ? resolve(stored) : reject(error)) })
      this.commits.schedule()
    })
  }

  /** QoS 2 after PUBREC: the broker has the message; from now on only PUBREL may be re-sent. Immediate. */
  async released(record: OutboxRecord): Promise<void> {
    record.state = 'pubrel'
    const place = this.places.get(record.seq)
    if (this.db && place) await this.db.put('outbox', this.value(place, record))
  }

  /**
   * Persists the packet ids of QoS 2 records (one transaction), before they are sent. A QoS 1
   * re-send may take a new id: its receiver treats it as a new message either way [MQTT-4.3.2-5].
   */
  async assign(records: OutboxRecord[]): Promise<void> {
    if (!this.db) return
    const tx = this.db.transaction('outbox', 'readwrite')
    for (const record of records) {
      const place = this.places.get(record.seq)
      if (place && record.qos === 2) void tx.store.put(this.value(place, record)).catch(() => {})
    }
    await tx.done
  }

  /** The broker acknowledged it (PUBACK, PUBCOMP) or refused it. */
  remove(record: OutboxRecord): void {
    if (!this.records.delete(record.seq)) return
    this.bytes -= record.bytes
    const place = this.places.get(record.seq)
    if (!place) return // in memory only
    this.places.delete(record.seq)
    place.live?.delete(record.seq)
    this.changed.set(place.key, place)
    this.commits.schedule()
  }

  /** The record that holds `record`: itself (written before batches), or its batch of one (QoS 2). */
  private value(place: Place, record: OutboxRecord): OutboxValue {
    return place.live === null ? record : this.batch(place, [record])
  }

  /** A batch as stored: the given publishes of it (all it still holds, or its one QoS 2 publish). */
  private batch(place: Place, members: OutboxRecord[]): OutboxBatch {
    return { seq: place.key, session: this.session, messages: members.map((record) => member(record, record.seq - place.key * BATCH_SEQS)) }
  }

  private stored(record: NewOutboxRecord, seq: number): OutboxRecord {
    const stored = Object.assign(record, { seq })
    this.records.set(seq, stored)
    return stored
  }

  /** Resolves once everything added or removed so far is committed (a newer worker takes the outbox over). */
  drain(): Promise<void> {
    return this.commits.flush()
  }

  private commit(): Promise<void> | null {
    const puts = this.pendingPuts
    const changed = this.changed
    this.pendingPuts = []
    this.changed = new Map()
    if (puts.length === 0 && changed.size === 0) return null
    if (!this.db) {
      for (const { record, done } of puts) done(this.stored(record, this.nextMemorySeq++))
      return null
    }
    return this.write(this.db, puts, changed)
  }

  private async write(db: HubDatabase, puts: Outbox['pendingPuts'], changed: Map<number, Place>): Promise<void> {
    try {
      const tx = db.transaction('outbox', 'readwrite')
      tx.done.catch(() => {}) // awaited below, unless an add fails first
      const deletes: number[] = []
      for (const [key, place] of changed) {
        if (place.live === null || place.live.size === 0) deletes.push(key)
        else void tx.store.put(this.batch(place, [...place.live].flatMap((seq) => this.records.get(seq) ?? []))).catch(() => {})
      }
      // A failed transaction (tx.done rejects below) leaves these on disk: re-sent after a restart, as QoS 1/2 allow.
      deleteKeys(tx.store, deletes)
      // keyPath 'seq' with autoIncrement: IndexedDB generates each batch's key and writes it into the stored value.
      const added = await Promise.all(batchesOf(puts).map(async (batch) => ({
        batch,
        key: await tx.store.add({ session: this.session, messages: batch.map(({ record }, index) => member(record, index)) } as OutboxBatch),
      })))
      await tx.done
      for (const { batch, key } of added) {
        const place = { key, live: new Set<number>() }
        batch.forEach(({ record, done }, index) => {
          const stored = this.stored(record, place.key * BATCH_SEQS + index)
          this.places.set(stored.seq, place)
          place.live.add(stored.seq)
          done(stored)
        })
      }
    } catch (error) {
      for (const { record, done } of puts) {
        this.bytes -= record.bytes
        done(null, new HubError('PUBLISH_FAILED', `The message could not be stored: ${(error as Error).message}`))
      }
    }
  }
}

/** The QoS 1 publishes of a commit in runs, each QoS 2 publish alone; in publish order. */
function batchesOf<T extends { record: NewOutboxRecord }>(puts: T[]): T[][] {
  return runsOf(puts, (put) => put.record.bytes, (put) => put.record.qos === 2)
}

/**
 * A publish as a batch stores it: the record's fields, without its seq or anything else the worker
 * added. A QoS 1 packet id is not kept (see assign()): one written in passing could be stale by
 * the time a later worker reads it, and take an id a QoS 2 flow holds.
 */
function member(record: NewOutboxRecord, index: number): OutboxMember {
  const { session, topic, payload, qos, retain, state, messageId, createdAt, bytes, properties } = record
  return { session, topic, payload, qos, retain, state, messageId: qos === 2 ? messageId : null, createdAt, bytes, ...(properties && { properties }), index }
}
