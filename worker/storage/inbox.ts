import { DEFAULTS } from '../../src/defaults.ts'
import { GroupCommit } from './group-commit.ts'
import { BATCH_SEQS, deleteKeys, runsOf, type HubDatabase, type InboxBatch, type InboxMember, type InboxRecord } from './hub-db.ts'

/** Where a message is on disk: a batch (its messages still stored, by key), or a record of its own (written before batches). */
interface Place {
  key: number
  session: string
  group: string
  /** Null: a record of its own. */
  live: Map<number, InboxRecord> | null
  /** No longer tracked (its group cleared, or served elsewhere): nothing of it is written again. */
  cleared?: true
}

type PendingAdd = { record: InboxRecord; resolve(key: number): void; reject(error: unknown): void }

/**
 * The key of a batch's message: negative, so that it never equals the key of a one-message
 * record, which an older worker may still write into the same store (keys of both come from one
 * counter).
 */
function memberKey(batch: number, index: number): number {
  return -(batch * BATCH_SEQS + index)
}

function memberIndex(batch: number, key: number): number {
  return -key - batch * BATCH_SEQS
}

/**
 * Exclusive QoS 1/2 messages between the broker's delivery and a member's "handled": written
 * before the hub acknowledges the message to the broker, deleted when a handler finished.
 * Group commit, as in the outbox: one transaction at a time holds every add and delete made
 * meanwhile, and each add resolves when its transaction committed. The messages of one group
 * that one transaction adds are one record (a batch); a batch's handled messages are rewritten
 * out of it at the next commit, and it is deleted with its last, so that a later worker finds
 * only what is unfinished, under the same keys; an older worker, which reads one message per
 * record, never sees a batch (see InboxBatch). The inbox is bounded: past `limit` messages of
 * the groups this worker serves, `add()` resolves with null, the message is handled from memory
 * only, and `overflowed` counts it.
 */
export class Inbox {
  private pendingAdds: PendingAdd[] = []
  /** Key of each stored message this worker knows (written or restored by it) → where it is stored. */
  private readonly places = new Map<number, Place>()
  /** Stored records (by their own key) that lost a message since the last commit: rewritten, or deleted when empty. */
  private changed = new Map<number, Place>()
  /** At the end of the task: the messages MQTT.js read from one frame share a transaction. */
  private readonly commits = new GroupCommit(() => this.commit(), () => this.pendingAdds.length > 0 || this.changed.size > 0,
    (start) => queueMicrotask(start))
  overflowed = 0

  private constructor(
    private readonly db: HubDatabase,
    readonly limit: number,
  ) {}

  static async open(db: HubDatabase, limit: number = DEFAULTS.inboxLimit): Promise<Inbox> {
    return new Inbox(db, limit)
  }

  /** Messages stored (or being stored) for the groups this worker serves. */
  get depth(): number {
    return this.places.size + this.pendingAdds.length
  }

  /** Stores the message; resolves with its key once committed, or null when the inbox is full. */
  add(record: Omit<InboxRecord, 'key'>): Promise<number | null> {
    if (this.depth >= this.limit) {
      this.overflowed++
      return Promise.resolve(null)
    }
    return new Promise((resolve, reject) => {
      this.pendingAdds.push({ record: record as InboxRecord, resolve, reject })
      this.commits.schedule()
    })
  }

  remove(key: number): void {
    const place = this.places.get(key)
    if (!place) return
    this.places.delete(key)
    place.live?.delete(key)
    this.changed.set(place.key, place)
    this.commits.schedule()
  }

  /**
   * Messages of one group, oldest first, with what this worker wrote already: what is on disk,
   * which another worker (a tab's own, with a worker per tab) may have changed since this one
   * last served the group. Called before the group dispatches anything.
   */
  async pending(session: string, group: string): Promise<InboxRecord[]> {
    await this.flush()
    this.forget(session, group)
    const tx = this.db.transaction('inbox')
    const index = tx.store.index('byGroup')
    const [singles, batches] = await Promise.all([index.getAll([session, group]), index.getAll([[session], group]), tx.done])
    const out: InboxRecord[] = []
    // In the order they were stored (by their own key): a batch's messages in its order.
    for (const value of [...singles, ...batches].sort((a, b) => a.key! - b.key!)) {
      if (!('messages' in value)) {
        out.push(this.known(value, { key: value.key!, session, group, live: null }))
        continue
      }
      const place: Place = { key: value.key, session, group, live: new Map() }
      for (const { index, ...fields } of value.messages) {
        out.push(this.known({ ...fields, session, group, key: memberKey(value.key, index) }, place))
      }
    }
    return out
  }

  /** A stored message as this worker knows it: where it was placed already, if it wrote or read it before. */
  private known(record: InboxRecord, place: Place): InboxRecord {
    const key = record.key!
    if (!this.places.has(key)) {
      this.places.set(key, place)
      place.live?.set(key, record)
    }
    return record
  }

  /**
   * Stops tracking a group's messages, as they are on disk now: another worker serves the group
   * from here on (call after flush()), or pending() reads it again.
   */
  forget(session: string, group: string): void {
    for (const [key, place] of this.places) {
      if (place.session !== session || place.group !== group) continue
      this.places.delete(key)
      place.cleared = true
    }
  }

  /** Forgets every message of a group (its last member unsubscribed). */
  async clear(session: string, group: string): Promise<void> {
    await this.flush()
    this.forget(session, group)
    const tx = this.db.transaction('inbox', 'readwrite')
    for (const key of [[session, group], [[session], group]] as Array<[string | [string], string]>) {
      let cursor = await tx.store.index('byGroup').openCursor(key)
      while (cursor) {
        await cursor.delete()
        cursor = await cursor.continue()
      }
    }
    await tx.done
  }

  /** Resolves once everything added or removed so far is committed. */
  flush(): Promise<void> {
    return this.commits.flush()
  }

  private commit(): Promise<void> | null {
    const adds = this.pendingAdds
    const changed = this.changed
    this.pendingAdds = []
    this.changed = new Map()
    return adds.length === 0 && changed.size === 0 ? null : this.write(adds, changed)
  }

  private async write(adds: PendingAdd[], changed: Map<number, Place>): Promise<void> {
    try {
      const tx = this.db.transaction('inbox', 'readwrite')
      tx.done.catch(() => {}) // awaited below, unless an add fails first
      const deletes: number[] = []
      for (const [key, place] of changed) {
        if (place.cleared) continue
        if (place.live === null || place.live.size === 0) deletes.push(key)
        else void tx.store.put(batchOf(place, place.live)).catch(() => {})
      }
      deleteKeys(tx.store, deletes)
      // keyPath 'key' with autoIncrement: IndexedDB generates each batch's key and writes it into the stored value.
      const added = await Promise.all(batchesOf(adds).map(async (batch) => ({
        batch,
        key: await tx.store.add({ session: [batch[0]!.record.session], group: batch[0]!.record.group, messages: batch.map(({ record }, index) => member(record, index)) } as InboxBatch),
      })))
      await tx.done
      for (const { batch, key } of added) {
        const place: Place = { key, session: batch[0]!.record.session, group: batch[0]!.record.group, live: new Map() }
        batch.forEach(({ record, resolve }, index) => {
          const stored = Object.assign(record, { key: memberKey(key, index) })
          this.known(stored, place)
          resolve(stored.key)
        })
      }
    } catch (error) {
      for (const { reject } of adds) reject(error)
    }
  }
}

/** A batch as stored: the messages of it that are left. */
function batchOf(place: Place, live: Map<number, InboxRecord>): InboxBatch {
  return { key: place.key, session: [place.session], group: place.group, messages: [...live].map(([key, record]) => member(record, memberIndex(place.key, key))) }
}

/** The adds of a commit in batches: by group, in arrival order, each batch within the size bounds. */
function batchesOf(adds: PendingAdd[]): PendingAdd[][] {
  const byGroup = new Map<string, PendingAdd[]>()
  for (const add of adds) {
    const group = `${add.record.session}\u0000${add.record.group}`
    const list = byGroup.get(group)
    if (list) list.push(add)
    else byGroup.set(group, [add])
  }
  return [...byGroup.values()].flatMap((group) => runsOf(group, ({ record }) => record.payload.byteLength + record.topic.length))
}

/** A message as a batch stores it: its fields, without its key, session or group (the batch's). */
function member(record: InboxRecord, index: number): InboxMember {
  const { topic, payload, qos, retain, messageId, receivedAt, properties } = record
  return { topic, payload, qos, retain, receivedAt, ...(messageId !== undefined && { messageId }), ...(properties && { properties }), index }
}
