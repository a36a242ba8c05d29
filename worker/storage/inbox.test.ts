// The inbox's store contract (fake-indexeddb): what add() resolves with is on disk, adds and
// deletes made meanwhile share a transaction, the bound, and a failed write.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { openHubDatabase } from './hub-db.ts'
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
    expect(keys).toEqual([...keys].sort((a, b) => a! - b!))
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
    expect(await db.count('inbox')).toBe(3)
    expect(await Promise.all(added)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)])
  })

  it('deletes runs of finished keys without touching the keys between them', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db)
    const keys = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => inbox.add(record(n))))
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
    expect(await db.count('inbox')).toBe(2)
  })

  it('rejects the adds of a transaction that failed, and frees their room', async () => {
    const db = await openHubDatabase(`inbox-${++run}`)
    const inbox = await Inbox.open(db, 2)
    db.close() // every later transaction fails
    const results = await Promise.allSettled([inbox.add(record(1)), inbox.add(record(2))])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(inbox.depth).toBe(0)
  })
})
