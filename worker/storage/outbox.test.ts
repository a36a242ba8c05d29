// The outbox: the store's contract and limits (fake-indexeddb), packet id allocation, and the
// worker publishing through it against in-process aedes, with a Node subscriber as the witness.
import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAedes, type TestBroker } from '../../e2e/brokers.ts'
import { DEFAULTS } from '../../src/defaults.ts'
import { openHubDatabase, type HubDatabase, type NewOutboxRecord } from './hub-db.ts'
import { Inbox } from './inbox.ts'
import { Outbox } from './outbox.ts'
import { PacketIds } from '../session/packet-ids.ts'
import type { SessionStorage } from '../session/session.ts'
import { TestWorker, waitFor, type TestTab } from '../../test/support/test-tab.ts'

let run = 0

/** The publishes the store holds, in publish order, as a worker reading it finds them. */
async function onDisk(db: HubDatabase): Promise<NewOutboxRecord[]> {
  return (await db.getAll('outbox')).flatMap((value): NewOutboxRecord[] => ('messages' in value ? value.messages : [value]))
}

describe('Outbox store', () => {
  it('resolves add() once the record is on disk, in publish order, and forgets it after remove()', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    const records = await Promise.all([1, 2, 3].map((n) => outbox.add(`t/${n}`, `p${n}`, 1, false, null)))
    expect(records.map((r) => r.seq)).toEqual([...records.map((r) => r.seq)].sort((a, b) => a! - b!))
    expect((await onDisk(db)).map((r) => r.topic)).toEqual(['t/1', 't/2', 't/3'])
    outbox.remove(records[1]!)
    await outbox.drain()
    expect((await onDisk(db)).map((r) => r.topic)).toEqual(['t/1', 't/3'])
    const reopened = await Outbox.open(db, 's', DEFAULTS.outbox)
    expect([...reopened.records.values()].map((r) => [r.topic, new TextDecoder().decode(r.payload)])).toEqual([['t/1', 'p1'], ['t/3', 'p3']])
    expect(reopened.oldestAgeMs).toBeGreaterThanOrEqual(0)
  })

  it('acks of one session delete its records only, in runs or apart, when two sessions interleave in one store', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const [a, b] = [await Outbox.open(db, 'a', DEFAULTS.outbox), await Outbox.open(db, 'b', DEFAULTS.outbox)]
    // a1 a2 a3 b1 a4 a5 b2 a6: seqs are shared, so a's runs end where b's records sit.
    const add = async (outbox: Outbox, topic: string) => outbox.add(topic, 'p', 1, false, null)
    const records = []
    for (const [outbox, topic] of [[a, 'a1'], [a, 'a2'], [a, 'a3'], [b, 'b1'], [a, 'a4'], [a, 'a5'], [b, 'b2'], [a, 'a6']] as const) {
      records.push(await add(outbox, topic))
    }
    for (const record of records.filter((r) => r.session === 'a' && r.topic !== 'a5')) a.remove(record)
    await a.drain()
    expect((await onDisk(db)).map((r) => r.topic)).toEqual(['b1', 'a5', 'b2'])
    expect([...(await Outbox.open(db, 'b', DEFAULTS.outbox)).records.values()].map((r) => r.topic)).toEqual(['b1', 'b2'])
  })

  it('writes the QoS 1 publishes of one macrotask in one transaction and one record', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    let transactions = 0
    const original = db.transaction.bind(db)
    ;(db as { transaction: typeof db.transaction }).transaction = ((...args: Parameters<typeof db.transaction>) => {
      transactions++
      return original(...args)
    }) as typeof db.transaction
    await Promise.all(Array.from({ length: 500 }, (_, i) => outbox.add('t', `p${i}`, 1, false, null)))
    expect(transactions).toBe(1)
    expect(await db.count('outbox')).toBe(1)
    expect((await onDisk(db)).map((r) => new TextDecoder().decode(r.payload))).toEqual(Array.from({ length: 500 }, (_, i) => `p${i}`))
  })

  it('rewrites a batch without its acknowledged publishes, and deletes it with its last: a later worker finds only what is unacked, under the same seqs', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    const records = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((p) => outbox.add('t', p, 1, false, null)))
    outbox.remove(records[0]!)
    outbox.remove(records[3]!)
    await outbox.drain()
    const later = await Outbox.open(db, 's', DEFAULTS.outbox)
    expect([...later.records.values()].map((r) => [r.seq, new TextDecoder().decode(r.payload)]))
      .toEqual([[records[1]!.seq, 'b'], [records[2]!.seq, 'c'], [records[4]!.seq, 'e']])
    expect(later.size).toBe(outbox.size)
    for (const record of [...later.records.values()]) later.remove(record)
    await later.drain()
    expect(await db.count('outbox')).toBe(0)
  })

  it('keeps no QoS 1 packet id on disk, where a rewrite could leave a stale one; a QoS 2 id given before sending is kept [MQTT-2.3.1-3]', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    const [a, b, c, q2] = await Promise.all([1, 1, 1, 2].map((q, i) => outbox.add('t', `p${i}`, q as 1 | 2, false, null)))
    a!.messageId = 7 // as the publisher sends them
    b!.messageId = 8
    q2!.messageId = 9
    await outbox.assign([a!, b!, q2!])
    outbox.remove(c!) // the batch is rewritten with a and b
    await outbox.drain()
    const later = await Outbox.open(db, 's', DEFAULTS.outbox)
    expect([...later.records.values()].map((r) => [r.qos, r.messageId])).toEqual([[1, null], [1, null], [2, 9]])
  })

  it('starts a new batch past 64 kB of payload', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    await Promise.all(['a', 'b', 'c'].map((p) => outbox.add('t', p.repeat(30_000), 1, false, null)))
    expect(await db.count('outbox')).toBe(2) // [a b] [c]
    expect((await onDisk(db)).map((r) => new TextDecoder().decode(r.payload)[0])).toEqual(['a', 'b', 'c'])
  })

  it('keeps each QoS 2 publish in a record of its own, and publish order across them', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    const qos = [1, 1, 2, 1, 2, 2, 1] as const
    const records = await Promise.all(qos.map((q, i) => outbox.add('t', `p${i}`, q, false, null)))
    expect(records.map((r) => r.seq)).toEqual([...records.map((r) => r.seq)].sort((a, b) => a - b))
    expect(await db.count('outbox')).toBe(6) // [p0 p1] [p2] [p3] [p4] [p5] [p6]
    expect((await onDisk(db)).map((r) => new TextDecoder().decode(r.payload))).toEqual(qos.map((_, i) => `p${i}`))
    const reopened = await Outbox.open(db, 's', DEFAULTS.outbox)
    expect([...reopened.records.values()].map((r) => r.seq)).toEqual(records.map((r) => r.seq))
  })

  it('reads and deletes records of the one-publish-per-record layout (database version 2), ahead of newer batches', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const old = (topic: string) => ({ session: 's', topic, payload: new TextEncoder().encode('x'), qos: 1 as const, retain: false, state: 'publish' as const, messageId: null, createdAt: Date.now(), bytes: 1 + topic.length })
    for (const topic of ['old/1', 'old/2']) await db.add('outbox', old(topic) as never)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    await outbox.add('new/1', 'x', 1, false, null)
    expect([...outbox.records.values()].map((r) => r.topic)).toEqual(['old/1', 'old/2', 'new/1'])
    for (const record of [...outbox.records.values()].slice(0, 2)) outbox.remove(record)
    await outbox.drain()
    expect((await onDisk(db)).map((r) => r.topic)).toEqual(['new/1'])
  })

  it('rejects with OUTBOX_FULL past the message or byte limit, keeping everything stored', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', { maxMessages: 2, maxBytes: 100 })
    await outbox.add('t', 'a', 1, false, null)
    await outbox.add('t', 'b', 1, false, null)
    await expect(outbox.add('t', 'c', 1, false, null)).rejects.toMatchObject({ code: 'OUTBOX_FULL' })
    const bytes = await Outbox.open(db, 'other', { maxMessages: 10, maxBytes: 20 })
    await expect(bytes.add('t', 'x'.repeat(30), 1, false, null)).rejects.toMatchObject({ code: 'OUTBOX_FULL' })
    expect((await onDisk(db)).map((r) => new TextDecoder().decode(r.payload))).toEqual(['a', 'b'])
  })

  it('keeps the PUBREL state of a QoS 2 record across a reopen', async () => {
    const db = await openHubDatabase(`outbox-${++run}`)
    const outbox = await Outbox.open(db, 's', DEFAULTS.outbox)
    const record = await outbox.add('t', 'x', 2, false, null)
    record.messageId = 7
    await outbox.released(record)
    const [stored] = (await Outbox.open(db, 's', DEFAULTS.outbox)).records.values()
    expect(stored).toMatchObject({ state: 'pubrel', messageId: 7, qos: 2 })
  })
})

describe('PacketIds', () => {
  it('hands out non-zero ids never in flight twice [MQTT-2.3.1-1] [MQTT-2.3.1-2], and wraps after 65535', () => {
    const ids = new PacketIds()
    const first = ids.claim()
    expect(first).toBe(1)
    expect(ids.hold(2)).toBe(true)
    expect(ids.hold(2)).toBe(false)
    expect(ids.claim()).toBe(3) // 2 is in flight
    const all = new Set<number>([1, 2, 3])
    for (let i = 0; i < 65_532; i++) all.add(ids.claim()!)
    expect(all.size).toBe(65_535)
    expect(all.has(0)).toBe(false)
    expect(ids.claim()).toBeNull() // every id in flight
    ids.deallocate(40_000)
    expect(ids.claim()).toBe(40_000)
  })

  it('never gives MQTT.js an id the outbox holds for a re-send [MQTT-2.3.1-3]', () => {
    const ids = new PacketIds()
    expect(ids.hold(1)).toBe(true)
    expect(ids.allocate()).toBe(2)
  })
})

describe('publishing through the outbox (aedes)', () => {
  let broker: TestBroker
  beforeAll(async () => {
    broker = await startAedes()
  })
  afterAll(() => broker.close())

  async function storage(name: string): Promise<SessionStorage> {
    const db = await openHubDatabase(name)
    return { db, inbox: await Inbox.open(db) }
  }

  /**
   * A plain MQTT.js subscriber: what the broker really delivered. A persistent session, so that a
   * message the broker acked just before an outage and had not yet forwarded is still owed to it.
   */
  async function witness(filter: string): Promise<{ got: string[]; end(): Promise<void> }> {
    const clientId = `witness-${++run}`
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 100, clean: false, clientId })
    const got: string[] = []
    client.on('message', (_t, payload, packet) => got.push(`${packet.qos}:${payload.toString()}`))
    client.on('connect', () => void client.subscribe(filter, { qos: 2 }))
    await client.subscribeAsync(filter, { qos: 2 })
    return { got, end: () => client.endAsync() }
  }

  async function open(worker: TestWorker, mqttOptions = {}): Promise<TestTab> {
    const tab = worker.tab()
    await tab.open({ url: broker.url, mqtt: mqttOptions })
    return tab
  }

  it('stores publishes made while the broker is down and sends them once, in order, when it is back', async () => {
    const topic = `o/${++run}`
    const tab = await open(new TestWorker(storage(`db-${run}`)))
    await tab.until(() => tab.status === 'connected', 'connected')
    await broker.stop()
    await tab.until(() => tab.status === 'offline', 'offline')
    const seqs = []
    for (let i = 0; i < 30; i++) seqs.push(await tab.remote.publish({ topic, payload: `q1-${i}`, qos: 1, retain: false }))
    for (let i = 0; i < 10; i++) seqs.push(await tab.remote.publish({ topic, payload: `q2-${i}`, qos: 2, retain: false }))
    expect((await tab.remote.metrics()).outbox).toMatchObject({ depth: 40, durable: true })
    expect(tab.acked).toHaveLength(0)

    await broker.start()
    const sub = await witness(topic)
    await tab.until(() => tab.acked.length === 40, 'forty acks', 10_000)
    await waitFor(() => sub.got.length >= 40, 'forty messages')
    // Sent after the forty on the same connection: once the witness has it, any re-send of theirs would be there too.
    const marker = await tab.remote.publish({ topic, payload: 'end', qos: 1, retain: false })
    await waitFor(() => sub.got.includes('1:end'), 'the end marker')
    sub.got.splice(sub.got.indexOf('1:end'), 1)
    await tab.until(() => tab.acked.some((a) => a.seq === marker), 'the end marker acked')
    tab.acked.splice(tab.acked.findIndex((a) => a.seq === marker), 1)
    // In publish order per QoS level (a subscriber sees QoS 2 messages at PUBREL, so the levels may interleave).
    expect(sub.got.filter((m) => m.startsWith('1:'))).toEqual(Array.from({ length: 30 }, (_, i) => `1:q1-${i}`))
    expect(sub.got.filter((m) => m.startsWith('2:'))).toEqual(Array.from({ length: 10 }, (_, i) => `2:q2-${i}`))
    expect(tab.acked.map((a) => a.seq).sort((a, b) => a - b)).toEqual(seqs)
    expect((await tab.remote.metrics()).outbox).toMatchObject({ depth: 0, inFlight: 0, oldestAgeMs: null })
    await sub.end()
    await tab.remote.close()
  })

  it('a worker that starts again sends what an earlier one stored, and the waiting tab hears the ack', async () => {
    const topic = `o/${++run}`
    const name = `db-${run}`
    await broker.stop()
    const first = await open(new TestWorker(storage(name)))
    const seq = await first.remote.publish({ topic, payload: 'kept', qos: 1, retain: false })
    await first.remote.close() // every tab closed: the worker ends
    await broker.start()
    const sub = await witness(topic)

    const second = new TestWorker(storage(name)).tab()
    await second.open({ url: broker.url })
    await waitFor(() => sub.got.length === 1, 'the stored message')
    expect(sub.got).toEqual(['1:kept'])
    await second.until(() => second.status === 'connected', 'connected')
    expect(seq).toBeGreaterThan(0)
    await sub.end()
    await second.remote.close()
  })

  it('publishes a QoS 2 message the broker had received (PUBREL record) again when the session is gone, and reports the possible duplicate', async () => {
    const topic = `o/${++run}`
    const name = `db-${run}`
    const db = await openHubDatabase(name)
    const outbox = await Outbox.open(db, 'default', DEFAULTS.outbox)
    const record = await outbox.add(topic, 'once', 2, false, null)
    record.messageId = 9
    await outbox.released(record) // PUBREC came, then the worker died before PUBCOMP
    const sub = await witness(topic)
    await broker.resetStats()

    const tab = new TestWorker(storage(name)).tab()
    await tab.open({ url: broker.url })
    // A clean session: the broker's CONNACK says sessionPresent false; it may never have released the message.
    await waitFor(() => sub.got.length === 1, 'the message published again')
    expect(sub.got).toEqual(['2:once'])
    await expect.poll(async () => (await tab.remote.metrics()).outbox).toMatchObject({ depth: 0, possibleDuplicates: 1 })
    expect((await broker.stats()).published).toBe(1)
    await tab.until(() => tab.warnings.some((w) => w.includes('may arrive twice')), 'the POSSIBLE_DUPLICATE warning')
    await sub.end()
    await tab.remote.close()
  })

  it('loses nothing when the connection drops in the middle of a stream of QoS 1 publishes', async () => {
    const topic = `o/${++run}`
    const tab = await open(new TestWorker(storage(`db-${run}`)))
    await tab.until(() => tab.status === 'connected', 'connected')
    const sub = await witness(topic)
    const publishing = (async () => {
      for (let i = 0; i < 300; i++) await tab.remote.publish({ topic, payload: `m${i}`, qos: 1, retain: false })
    })()
    await waitFor(() => sub.got.length > 50, 'the stream to start')
    await broker.stop()
    await tab.until(() => tab.status !== 'connected', 'the outage noticed')
    await broker.start()
    await publishing
    await tab.until(() => tab.acked.length === 300, 'every ack', 15_000)
    await waitFor(() => new Set(sub.got).size === 300, 'every message', 10_000)
    await sub.end()
    await tab.remote.close()
  })
})

describe('the database across versions', () => {
  it('never blocks a newer schema: an open hub database closes when a higher version is asked for', async () => {
    const name = `versions-${++run}`
    const db = await openHubDatabase(name)
    // A newer worker's upgrade: it must not wait for this connection (idb's `blocked` would fire).
    let blocked = false
    const newer = await openDB(name, 4, { blocked: () => { blocked = true }, upgrade: (upgraded) => void upgraded.createObjectStore('later') })
    expect(blocked).toBe(false)
    expect([...newer.objectStoreNames].sort()).toEqual(['groups', 'inbox', 'later', 'meta', 'outbox'])
    newer.close()
    // The older connection is closed: its next transaction fails, it writes nothing into the newer schema.
    expect(() => db.transaction('outbox')).toThrow()
  })
})
