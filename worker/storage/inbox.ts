import { DEFAULTS } from '../../src/defaults.ts'
import type { HubDatabase, InboxRecord } from './hub-db.ts'


/**
 * Exclusive QoS 1/2 messages between the broker's delivery and a member's "handled": written
 * before the hub acknowledges the message to the broker, deleted when a handler finished.
 * Deletions are batched into one transaction per macrotask. The inbox is bounded: past `limit`
 * messages `add()` returns null, the message is handled from memory only, and `overflowed`
 * counts it.
 */
export class Inbox {
  private pendingDeletes: number[] = []
  private flushScheduled = false
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
  async add(record: Omit<InboxRecord, 'key'>): Promise<number | null> {
    if (this.size >= this.limit) {
      this.overflowed++
      return null
    }
    this.size++
    try {
      return await this.db.add('inbox', record as InboxRecord)
    } catch (error) {
      this.size--
      throw error
    }
  }

  remove(key: number): void {
    this.pendingDeletes.push(key)
    if (this.flushScheduled) return
    this.flushScheduled = true
    setTimeout(() => void this.flush(), 0)
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

  async flush(): Promise<void> {
    this.flushScheduled = false
    const keys = this.pendingDeletes
    if (keys.length === 0) return
    this.pendingDeletes = []
    const tx = this.db.transaction('inbox', 'readwrite')
    for (const key of keys) void tx.store.delete(key)
    const [size] = await Promise.all([tx.store.count(), tx.done])
    this.size = size
  }
}
