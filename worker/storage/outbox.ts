import { HubError } from '../../src/errors.ts'
import type { MessageProperties, OutboxLimits } from '../../src/public-types.ts'
import { GroupCommit } from './group-commit.ts'
import { keyRuns, type HubDatabase, type NewOutboxRecord, type OutboxRecord } from './hub-db.ts'

export type { OutboxLimits }

const encoder = new TextEncoder()

/**
 * QoS 1/2 publishes of one session, on disk from before `publish()` resolves until the broker's
 * ack: PUBACK deletes a QoS 1 record; for QoS 2, PUBREC turns the record into a PUBREL record
 * and PUBCOMP deletes it. New records are written in one transaction per macrotask; each
 * caller's promise resolves when its transaction committed. The records are mirrored in memory
 * in publish order (`seq`), which is the order they are sent and re-sent in.
 */
export class Outbox {
  /** In publish order. */
  readonly records = new Map<number, OutboxRecord>()
  private bytes = 0
  private pendingPuts: Array<{ record: NewOutboxRecord; done(stored: OutboxRecord | null, error?: unknown): void }> = []
  private pendingDeletes: number[] = []
  private readonly commits = new GroupCommit(() => this.commit(), () => this.pendingPuts.length > 0 || this.pendingDeletes.length > 0,
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
    for (const record of (await db?.getAllFromIndex('outbox', 'bySession', session)) ?? []) {
      outbox.records.set(record.seq, record)
      outbox.bytes += record.bytes
    }
    return outbox
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
    await this.db?.put('outbox', record)
  }

  /** Gives stored records their packet ids (one transaction), before they are sent. */
  async assign(records: OutboxRecord[]): Promise<void> {
    if (!this.db) return
    const tx = this.db.transaction('outbox', 'readwrite')
    for (const record of records) void tx.store.put(record)
    await tx.done
  }

  /** The broker acknowledged it (PUBACK, PUBCOMP) or refused it. */
  remove(record: OutboxRecord): void {
    if (!this.records.delete(record.seq)) return
    this.bytes -= record.bytes
    this.pendingDeletes.push(record.seq)
    this.commits.schedule()
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
    const deletes = this.pendingDeletes
    this.pendingPuts = []
    this.pendingDeletes = []
    if (puts.length === 0 && deletes.length === 0) return null
    if (!this.db) {
      for (const { record, done } of puts) done(this.stored(record, this.nextMemorySeq++))
      return null
    }
    return this.write(this.db, puts, deletes)
  }

  private async write(db: HubDatabase, puts: Outbox['pendingPuts'], deletes: number[]): Promise<void> {
    try {
      const tx = db.transaction('outbox', 'readwrite')
      // keyPath 'seq' with autoIncrement: IndexedDB generates the seq and writes it into the stored value.
      const keys = puts.map(({ record }) => tx.store.add(record as OutboxRecord))
      for (const [first, last] of keyRuns(deletes)) void tx.store.delete(first === last ? first : IDBKeyRange.bound(first, last))
      const seqs = await Promise.all(keys)
      await tx.done
      puts.forEach(({ record, done }, i) => {
        done(this.stored(record, seqs[i]))
      })
    } catch (error) {
      for (const { record, done } of puts) {
        this.bytes -= record.bytes
        done(null, new HubError('PUBLISH_FAILED', `The message could not be stored: ${(error as Error).message}`))
      }
    }
  }
}
