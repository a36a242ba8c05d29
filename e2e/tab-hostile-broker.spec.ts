// A broker that breaks the protocol (or anyone in the middle of a plain ws:// connection): each
// bad packet closes that connection [MQTT-4.8.0-1], is reported, and is followed by a reconnect
// with the backoff; nothing of it reaches a handler, and the other sessions and tabs never notice.
import type { Page } from '@playwright/test'
import { BAD_PACKETS, startHostileBroker, type BadPacket, type HostileBroker } from './hostile-broker.ts'
import { eventually, expect, test } from './fixtures.ts'

declare const harness: Window['harness']

const RULES: Record<BadPacket, string> = {
  'wildcard # in a topic name': 'MQTT-3.3.2-2',
  'wildcard + in a topic name': 'MQTT-3.3.2-2',
  'U+0000 in a topic name': 'MQTT-4.7.3-2',
  'a topic name that is not UTF-8': 'MQTT-1.5.3-1',
  'a surrogate in a topic name': 'MQTT-1.5.3-1',
  'a packet of type 15': 'MQTT-2.2.1',
  'a packet of type 0': 'MQTT-2.2.1',
  'a remaining length of 268 MB': 'MQTT-3.1.2-24',
  'a PUBLISH with QoS 3': 'MQTT-3.3.1-4',
}

let hostile: HostileBroker
test.beforeEach(async () => { hostile = await startHostileBroker() })
test.afterEach(async () => { await hostile.close() })

const open = (page: Page, url: string, name: string, protocolVersion: 4 | 5 = 4) =>
  page.evaluate(({ url, name, protocolVersion }) => harness.open({ url, name, mqtt: { protocolVersion }, reconnect: { minDelayMs: 100, maxDelayMs: 400 } }), { url, name, protocolVersion })

for (const [kind, rule] of Object.entries(RULES) as Array<[BadPacket, string]>) {
  test(`${kind} [${rule}]: the hub closes the connection [MQTT-4.8.0-1], says why, reconnects, and no handler sees it`, async ({ openTab, broker, prefix }) => {
    const [a, b] = [await openTab(), await openTab()]
    // Tab a: the hostile session (hub 0) and a good one (hub 1); tab b: only the good one.
    await open(a, hostile.url, 'hostile')
    await open(a, broker.url, 'good')
    await open(b, broker.url, 'good')
    await a.evaluate(() => harness.subscribe('bad', 'h/#', 0, 0))
    await a.evaluate((p) => harness.subscribe('goodA', `${p}/#`, 1, 1), prefix)
    await b.evaluate((p) => harness.subscribe('goodB', `${p}/#`, 1, 0), prefix)
    expect(hostile.open).toBe(1)

    expect(hostile.send(BAD_PACKETS[kind]())).toBe(1)
    // Closed, reported, and connected again (a second connection) with the backoff.
    await eventually(() => Promise.resolve(hostile.connections), 2)
    await eventually(() => a.evaluate(() => harness.status(0)), 'connected')
    const errors = await a.evaluate(() => harness.disconnectErrors(0))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(new RegExp(`^PROTOCOL_VIOLATION: The broker broke the MQTT protocol \\[${rule}\\]`))
    const traffic = await a.evaluate(() => harness.hub(0).metrics().then((m) => m.traffic))
    expect(traffic.errors).toBeGreaterThanOrEqual(1)
    expect(traffic.lastError?.code).toBe('PROTOCOL_VIOLATION')

    // The recovered session works, and its handler never saw the bad packet.
    await eventually(() => a.evaluate(() => harness.hub(0).inspect().then((i) => i.broker.map((f) => f.filter))), ['h/#'])
    hostile.publish('h/after', 'fine')
    await eventually(() => a.evaluate(() => harness.texts('bad')), ['h/after fine'])
    // The other sessions and tabs never noticed.
    await b.evaluate((p) => harness.publish(`${p}/x`, 'still here', 1), prefix)
    await eventually(() => a.evaluate(() => harness.texts('goodA')), [`${prefix}/x still here`])
    await eventually(() => b.evaluate(() => harness.texts('goodB')), [`${prefix}/x still here`])
    expect(await a.evaluate(() => harness.disconnectErrors(1))).toEqual([])
    expect(await b.evaluate(() => harness.disconnectErrors(0))).toEqual([])
  })
}

test('under MQTT 5 the CONNECT tells the broker the maximum packet size [MQTT-3.1.2-24], and a larger packet closes the connection', async ({ openTab }) => {
  const a = await openTab()
  await a.evaluate((url) => harness.open({ url, name: 'hostile5', mqtt: { protocolVersion: 5 }, maxIncomingPacketBytes: 4096, reconnect: { minDelayMs: 100, maxDelayMs: 400 } }), hostile.url)
  expect(hostile.connects.at(-1)).toMatchObject({ protocolVersion: 5, maximumPacketSize: 4096 })
  await a.evaluate(() => harness.subscribe('big', 'h/#', 0, 0))
  expect(hostile.publish('h/big', 'x'.repeat(5000), 5)).toBe(1)
  await eventually(() => Promise.resolve(hostile.connections), 2)
  await eventually(() => a.evaluate(() => harness.status(0)), 'connected')
  expect((await a.evaluate(() => harness.disconnectErrors(0)))[0]).toMatch(/^PROTOCOL_VIOLATION: .*\[MQTT-3\.1\.2-24\].*over the hub's maximum packet size of 4096 bytes/)
  hostile.publish('h/small', 'ok', 5)
  await eventually(() => a.evaluate(() => harness.texts('big')), ['h/small ok'])
})
