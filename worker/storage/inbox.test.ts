// The inbox's store contract (fake-indexeddb): what add() resolves with is on disk, adds and
// deletes made meanwhile share a transaction, batches and what a later worker reads of them,
// the bound, and a failed write.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { openHubDatabase, type InboxRecord } from './hub-db.ts'
import { Inbox } from './inbox.ts'

let run = 0
const record = (n: number) => ({ session: 's', group: 'g', topic: `t/${n}`, payload: new Uint8Array([n]), qos: 1 as const, retain: false, messageId: n, receivedAt: 0 })

describe('Inbox', () => {
  it('resolves each add() once its record is on disk, in arrival order, in one transaction for what arrived together', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const transactions = vi.spyOn(db, 'transaction')
    const keys = await Promise.all([1, 2, 3, 4, 5].map((n) => inbox.add(record(n))))
    expect(transactions).toHaveBeenCalledTimes(1)
    expect(new Set(keys).size).toBe(5)
    expect((await inbox.pending('s', 'g')).map((r) => [r.key, r.topic])).toEqual(keys.map((key, i) => [key, `t/${i + 1}`]))
    expect(inbox.depth).toBe(5)
  })

  it('writes what arrives while a transaction commits in the next one, with the deletes made meanwhile', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const [first] = await Promise.all([inbox.add(record(1)), inbox.add(record(2))])
    const transactions = vi.spyOn(db, 'transaction')
    const a = inbox.add(record(3))
    await new Promise((resolve) => setTimeout(resolve, 0)) // the commit of 3 has started
    const b = Promise.all([inbox.add(record(4)), inbox.add(record(5))])
    inbox.remove(first!)
    await Promise.all([a, b])
    await inbox.flush()
    expect(transactions).toHaveBeenCalledTimes(2)
    expect((await inbox.pending('s', 'g')).map((r) => r.topic)).toEqual(['t/2', 't/3', 't/4', 't/5'])
    expect(inbox.depth).toBe(4)
  })

  it('flush() resolves once everything added before it returned is committed, also what came while it committed', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const added = [inbox.add(record(1)), inbox.add(record(2))]
    const flushed = inbox.flush() // commits 1 and 2 now
    added.push(inbox.add(record(3))) // waits for the next transaction
    await flushed
    expect(await (await Inbox.open(db)).pending('s', 'g')).toHaveLength(3)
    expect(await Promise.all(added)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)])
  })

  it('deletes runs of finished keys without touching the keys between them (records of one message each, as older workers wrote them)', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const keys = []
    for (const n of [1, 2, 3, 4, 5, 6]) keys.push(await db.add('inbox', record(n)))
    const inbox = await Inbox.open(db)
    await inbox.pending('s', 'g')
    for (const i of [0, 1, 2, 4]) inbox.remove(keys[i]!)
    await inbox.flush()
    expect((await inbox.pending('s', 'g')).map((r) => r.topic)).toEqual(['t/4', 't/6'])
    expect(inbox.depth).toBe(2)
  })

  it('past its limit resolves add() with null and counts it, writing nothing', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db, 2)
    expect(await Promise.all([1, 2, 3].map((n) => inbox.add(record(n))))).toEqual([expect.any(Number), expect.any(Number), null])
    expect(inbox.overflowed).toBe(1)
    expect((await (await Inbox.open(db)).pending('s', 'g')).map((r) => r.topic)).toEqual(['t/1', 't/2'])
  })

  it('rejects the adds of a transaction that failed, and frees their room', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db, 2)
    db.close() // every later transaction fails
    const results = await Promise.allSettled([inbox.add(record(1)), inbox.add(record(2))])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(inbox.depth).toBe(0)
  })

  it('stores what one transaction adds as one record per group, and a later worker reads each message under the key add() gave', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const other = (n: number) => ({ ...record(n), group: 'h' })
    const keys = await Promise.all([inbox.add(record(1)), inbox.add(other(2)), inbox.add(record(3)), inbox.add(other(4))])
    expect(await db.count('inbox')).toBe(2)
    const later = await Inbox.open(db)
    const fields = ({ key, topic, messageId, group }: InboxRecord) => ({ key, topic, messageId, group })
    expect((await later.pending('s', 'g')).map(fields)).toEqual([
      { key: keys[0], topic: 't/1', messageId: 1, group: 'g' }, { key: keys[2], topic: 't/3', messageId: 3, group: 'g' },
    ])
    expect((await later.pending('s', 'h')).map(fields)).toEqual([
      { key: keys[1], topic: 't/2', messageId: 2, group: 'h' }, { key: keys[3], topic: 't/4', messageId: 4, group: 'h' },
    ])
    expect(later.depth).toBe(4)
  })

  it('keeps batches out of what an older worker reads: its look-up of a group finds only one-message records', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const old = await db.add('inbox', record(1)) // as an older worker wrote it
    await Promise.all([inbox.add(record(2)), inbox.add(record(3))])
    // What an older worker's pending() asks for: messages it would misread as one record each.
    expect((await db.getAllFromIndex('inbox', 'byGroup', ['s', 'g'])).map((r) => r.key)).toEqual([old])
    expect((await (await Inbox.open(db)).pending('s', 'g')).map((r) => r.topic)).toEqual(['t/1', 't/2', 't/3'])
  })

  it('rewrites a batch without its handled messages, and deletes it with its last; so does a later worker', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const keys = await Promise.all([1, 2, 3, 4].map((n) => inbox.add(record(n))))
    inbox.remove(keys[1]!)
    inbox.remove(keys[2]!)
    await inbox.flush()
    const later = await Inbox.open(db)
    const left = await later.pending('s', 'g')
    expect(left.map((r) => [r.key, r.topic])).toEqual([[keys[0], 't/1'], [keys[3], 't/4']])
    // The later worker finishes them: nothing is left, and the record is gone.
    for (const r of left) later.remove(r.key!)
    await later.flush()
    expect(await db.count('inbox')).toBe(0)
    expect(await (await Inbox.open(db)).pending('s', 'g')).toEqual([])
  })

  it('reads and deletes messages stored one per record, as workers before batches wrote them', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const old = await Promise.all([1, 2].map((n) => db.add('inbox', record(n))))
    const inbox = await Inbox.open(db)
    const added = await inbox.add(record(3))
    const pending = await inbox.pending('s', 'g')
    expect(pending.map((r) => [r.key, r.topic])).toEqual([[old[0], 't/1'], [old[1], 't/2'], [added, 't/3']])
    expect(new Set([...old, added]).size).toBe(3) // keys stay unique across layouts
    inbox.remove(old[0]!)
    inbox.remove(added!)
    await inbox.flush()
    expect((await (await Inbox.open(db)).pending('s', 'g')).map((r) => r.topic)).toEqual(['t/2'])
  })

  it('clear() forgets a group for good, batches and older records: a handled message of it afterwards writes nothing back', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    await db.add('inbox', record(0)) // as an older worker wrote it
    const keys = await Promise.all([inbox.add(record(1)), inbox.add(record(2)), inbox.add({ ...record(3), group: 'h' })])
    await inbox.clear('s', 'g')
    inbox.remove(keys[0]!) // its tab settles a job of the ended group
    await inbox.flush()
    expect(await (await Inbox.open(db)).pending('s', 'g')).toEqual([])
    expect((await (await Inbox.open(db)).pending('s', 'h')).map((r) => r.topic)).toEqual(['t/3'])
    expect(inbox.depth).toBe(1)
  })

  it('hands a group back and forth between two workers (a worker per tab) with nothing handled twice and nothing lost', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const [a, b] = [await Inbox.open(db), await Inbox.open(db)]
    // What a holder does: restore, handle some, flush and forget as it hands over.
    const serve = async (inbox: Inbox, handle: (topic: string) => boolean): Promise<string[]> => {
      const left = await inbox.pending('s', 'g')
      for (const r of left) if (handle(r.topic)) inbox.remove(r.key!)
      await inbox.flush()
      inbox.forget('s', 'g')
      return left.map((r) => r.topic)
    }
    await Promise.all([1, 2, 3, 4].map((n) => a.add(record(n))))
    await a.flush()
    a.forget('s', 'g')
    expect(await serve(b, (t) => t === 't/1')).toEqual(['t/1', 't/2', 't/3', 't/4'])
    expect(await serve(a, (t) => t === 't/2')).toEqual(['t/2', 't/3', 't/4'])
    expect(await serve(b, (t) => t === 't/3')).toEqual(['t/3', 't/4'])
    expect(await serve(a, () => false)).toEqual(['t/4'])
    expect([a.depth, b.depth]).toEqual([0, 0])
    expect(await serve(b, () => true)).toEqual(['t/4'])
    expect(await db.count('inbox')).toBe(0)
  })

  it('never gives a batch\'s message the key of a one-message record an older worker writes later', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const batched = await Promise.all([1, 2].map((n) => inbox.add(record(n))))
    // An older worker, still on the same database, writes records of its own, with keys from the
    // same counter: past the batch's key × 4,096 once it wrote that many.
    const tx = db.transaction('inbox', 'readwrite')
    const singles = await Promise.all(Array.from({ length: 2 * 4_096 }, (_, n) => tx.store.add(record(n + 3))))
    await tx.done
    const later = await Inbox.open(db)
    const keys = (await later.pending('s', 'g')).map((r) => r.key!)
    expect(new Set(keys).size).toBe(2 + 2 * 4_096)
    expect(keys).toEqual(expect.arrayContaining([...batched, ...singles]))
  })
})
