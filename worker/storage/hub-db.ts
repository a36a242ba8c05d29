import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { MessageFields, QoS } from '../../src/public-types.ts'

/** An exclusive message kept until a member of its group has handled it. Never credentials. */
export interface InboxRecord extends MessageFields {
  /** Assigned by IndexedDB when the record is added. */
  key?: number
  session: string
  group: string
  /** The broker's packet id: a message it re-sends after a reconnect or restart is recognised by it. */
  messageId?: number
  receivedAt: number
}

/** An exclusive message in a batch; its key is −(the batch's key × BATCH_SEQS + `index`). */
export interface InboxMember extends MessageFields {
  messageId?: number
  receivedAt: number
  index: number
}

/**
 * What the inbox store holds: batches, the messages of one group that one group commit wrote
 * (`key` is the batch's own, assigned by IndexedDB), and records of one message each, which
 * workers wrote before batches (still read).
 */
export type InboxValue = InboxRecord | InboxBatch

export interface InboxBatch {
  key: number
  /**
   * The session, in an array of one: a batch's `byGroup` entry is [[session], group], never the
   * [session, group] an older worker looks up, so that it never reads a batch as a message (and
   * no schema change has to lock it out of the database).
   */
  session: [string]
  group: string
  messages: InboxMember[]
}

/** An exclusive group as it was declared, so that a restarted worker routes to it before any tab is back. */
export interface GroupRecord {
  session: string
  group: string
  filter: string
  qos: QoS
}

/** A QoS 1/2 publish until the broker acknowledged it, as it is first written. Never credentials. */
export interface NewOutboxRecord extends MessageFields {
  session: string
  qos: 1 | 2
  /** 'pubrel': QoS 2 after PUBREC; the broker has the message, only PUBREL may be re-sent. */
  state: 'publish' | 'pubrel'
  /** The packet id it was sent with; kept when re-sent in the same broker session. */
  messageId: number | null
  createdAt: number
  bytes: number
}

/** A stored publish as the worker holds it: `seq` is its publish order, unique in the database. */
export interface OutboxRecord extends NewOutboxRecord {
  seq: number
}

/** A publish in a batch; its seq is the batch's key × BATCH_SEQS + `index`. */
export interface OutboxMember extends NewOutboxRecord {
  index: number
}

/**
 * What the outbox store holds. Since version 3, a batch: the QoS 1 publishes of one group commit,
 * or one QoS 2 publish (its state changes rewrite it alone); `seq` is its key, assigned by
 * IndexedDB. Before, one record per publish, `seq` its key and seq: still read.
 */
export type OutboxValue = OutboxRecord | OutboxBatch

export interface OutboxBatch {
  seq: number
  session: string
  messages: OutboxMember[]
}

/**
 * The seqs of one batch's publishes: key × BATCH_SEQS + index, above every key (and single
 * record's seq) before it. An inbox batch's messages are keyed the same way, negated.
 */
export const BATCH_SEQS = 4_096

/**
 * Bytes of payload and topic in one batch, past its first member: each ack (or handled job)
 * rewrites what is left of a batch, so a batch stays small enough to rewrite in passing.
 */
const BATCH_BYTES = 64 * 1024

/** Items in runs of up to BATCH_SEQS items and BATCH_BYTES bytes, each item `alone` says so in a run of its own; in order. */
export function runsOf<T>(items: T[], bytes: (item: T) => number, alone: (item: T) => boolean = () => false): T[][] {
  const runs: T[][] = []
  let run: T[] | null = null
  let size = 0
  for (const item of items) {
    if (alone(item)) {
      runs.push([item])
      run = null
      continue
    }
    if (!run || run.length === BATCH_SEQS || size + bytes(item) > BATCH_BYTES) {
      run = []
      size = 0
      runs.push(run)
    }
    run.push(item)
    size += bytes(item)
  }
  return runs
}

interface HubSchema extends DBSchema {
  outbox: { key: number; value: OutboxValue; indexes: { bySession: string } }
  inbox: { key: number; value: InboxValue; indexes: { byGroup: [string | [string], string] } }
  groups: { key: [string, string]; value: GroupRecord; indexes: { bySession: string } }
  /** Per-session values the hub must keep across restarts (the generated client id). */
  meta: { key: string; value: { key: string; value: string } }
}

export type HubDatabase = IDBPDatabase<HubSchema>

export const DATABASE_NAME = 'mqtt-hub'

/**
 * Opens the hub's database. A newer worker that needs a higher version is never blocked by an
 * older one: the older closes its connection when asked (`blocking`), and its later writes fail
 * (publishes as PUBLISH_FAILED in its tabs, which the newer version takes over). An older worker
 * cannot open a higher version than its own, so it never misreads a newer layout.
 */
export function openHubDatabase(name = DATABASE_NAME): Promise<HubDatabase> {
  // Version 3 stores the outbox in batches, which an older worker would misread: it cannot open
  // a version 3 database, and keeps its outbox in memory instead.
  return openDB<HubSchema>(name, 3, {
    blocking(_current, _blocked, event) {
      ;(event.target as IDBDatabase).close()
    },
    upgrade(db, oldVersion) {
      if (oldVersion < 2) {
        const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true })
        outbox.createIndex('bySession', 'session')
      }
      if (oldVersion >= 1) return
      const inbox = db.createObjectStore('inbox', { keyPath: 'key', autoIncrement: true })
      inbox.createIndex('byGroup', ['session', 'group'])
      const groups = db.createObjectStore('groups', { keyPath: ['session', 'group'] })
      groups.createIndex('bySession', 'session')
      db.createObjectStore('meta', { keyPath: 'key' })
    },
  })
}

/** A value kept per key across worker restarts, created once by `create`. */
export async function persistedValue(db: HubDatabase, key: string, create: () => string): Promise<string> {
  const tx = db.transaction('meta', 'readwrite')
  const found = await tx.store.get(key)
  if (found) {
    await tx.done
    return found.value
  }
  const value = create()
  await Promise.all([tx.store.put({ key, value }), tx.done])
  return value
}

/**
 * Keys to delete as runs of consecutive integers, one delete each: acks and handled jobs come
 * mostly in order. A run holds only the given keys (keys are integers), so a range delete never
 * touches another record.
 */
function keyRuns(keys: number[]): Array<[number, number]> {
  const sorted = [...keys].sort((a, b) => a - b)
  const out: Array<[number, number]> = []
  for (const key of sorted) {
    const last = out.at(-1)
    if (last && key === last[1] + 1) last[1] = key
    else out.push([key, key])
  }
  return out
}

/** Deletes these keys in `store` (in a readwrite transaction), one request per run of consecutive keys. */
export function deleteKeys(store: { delete(key: number | IDBKeyRange): Promise<void> }, keys: Iterable<number>): void {
  // A failed transaction (its `done` rejects) leaves them on disk.
  for (const [first, last] of keyRuns([...keys])) void store.delete(first === last ? first : IDBKeyRange.bound(first, last)).catch(() => {})
}
