import { DEFAULTS } from '../../src/defaults.ts'
import { GroupCommit } from './group-commit.ts'
import { keyRuns, type HubDatabase, type InboxRecord } from './hub-db.ts'


/**
 * Exclusive QoS 1/2 messages between the broker's delivery and a member's "handled": written
 * before the hub acknowledges the message to the broker, deleted when a handler finished.
 * Group commit, as in the outbox: one transaction at a time holds every add and delete made
 * meanwhile, and each add resolves when its transaction committed. The inbox is bounded: past
 * `limit` messages `add()` resolves with null, the message is handled from memory only, and
 * `overflowed` counts it.
 */
export class Inbox {
  private pendingAdds: Array<{ record: InboxRecord; resolve(key: number): void; reject(error: unknown): void }> = []
  private pendingDeletes: number[] = []
  /** At the end of the task: the messages MQTT.js read from one frame share a transaction. */
  private readonly commits = new GroupCommit(() => this.commit(), () => this.pendingAdds.length > 0 || this.pendingDeletes.length > 0,
    (start) => queueMicrotask(start))
  private size = 0
  overflowed = 0

  private constructor(
    private readonly db: HubDatabase,
    readonly limit: number,
  ) {}

  static async open(db: HubDatabase, limit: number = DEFAULTS.inboxLimit): Promise<Inbox> {
    const inbox = new Inbox(db, limit)
    inbox.size = await db.count('inbox')
    return inbox
  }

  get depth(): number {
    return this.size
  }

  /** Stores the message; resolves with its key once committed, or null when the inbox is full. */
  add(record: Omit<InboxRecord, 'key'>): Promise<number | null> {
    if (this.size >= this.limit) {
      this.overflowed++
      return Promise.resolve(null)
    }
    this.size++
    return new Promise((resolve, reject) => {
      this.pendingAdds.push({ record: record as InboxRecord, resolve, reject })
      this.commits.schedule()
    })
  }

  remove(key: number): void {
    this.pendingDeletes.push(key)
    this.commits.schedule()
  }

  /** Messages of one group, oldest first. */
  async pending(session: string, group: string): Promise<InboxRecord[]> {
    return this.db.getAllFromIndex('inbox', 'byGroup', [session, group])
  }

  /** Forgets every message of a group (its last member unsubscribed). */
  async clear(session: string, group: string): Promise<void> {
    await this.flush()
    const tx = this.db.transaction('inbox', 'readwrite')
    let cursor = await tx.store.index('byGroup').openCursor([session, group])
    while (cursor) {
      await cursor.delete()
      cursor = await cursor.continue()
    }
    await tx.done
    this.size = await this.db.count('inbox')
  }

  /** Resolves once everything added or removed so far is committed. */
  flush(): Promise<void> {
    return this.commits.flush()
  }

  private commit(): Promise<void> | null {
    const adds = this.pendingAdds
    const deletes = this.pendingDeletes
    this.pendingAdds = []
    this.pendingDeletes = []
    return adds.length === 0 && deletes.length === 0 ? null : this.write(adds, deletes)
  }

  private async write(adds: Inbox['pendingAdds'], deletes: number[]): Promise<void> {
    try {
      const tx = this.db.transaction('inbox', 'readwrite')
      const keys = adds.map(({ record }) => tx.store.add(record))
      // Keys a handler finished with, as runs of consecutive keys: a run holds only those keys.
      for (const [first, last] of keyRuns(deletes)) void tx.store.delete(first === last ? first : IDBKeyRange.bound(first, last)).catch(() => {})
      const [stored, count] = await Promise.all([Promise.all(keys), tx.store.count(), tx.done])
      this.size = count + this.pendingAdds.length
      for (const [i, { resolve }] of adds.entries()) resolve(stored[i]!)
    } catch (error) {
      this.size = Math.max(0, this.size - adds.length)
      for (const { reject } of adds) reject(error)
    }
  }
}
