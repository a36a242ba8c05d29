// Broker faults that do not close the connection: a broker (or network) that goes silent, and one
// that answers slowly. Behind a proxy that forwards to the project's real broker. Every tab must
// see a correct status, reconnects must back off, and no QoS 1/2 message may be lost.
import mqtt from 'mqtt'
import type { Page } from '@playwright/test'
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts'
import { expect, test } from './fixtures.ts'

declare const harness: Window['harness']

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let proxy: FaultProxy
test.beforeEach(async ({ broker }) => {
  proxy = await startFaultProxy(broker.url)
})
test.afterEach(() => proxy.close())

/** A subscriber straight on the broker (not behind the proxy) recording "qos:payload". */
async function witness(url: string, filter: string) {
  const got: string[] = []
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 })
  client.on('message', (_topic, payload, packet) => got.push(`${packet.qos}:${payload.toString()}`))
  await client.subscribeAsync(filter, { qos: 2 })
  return { got, end: () => client.endAsync(true) }
}

async function openHubs(tabs: Page[], protocolVersion: 4 | 5, keepalive: number): Promise<void> {
  for (const tab of tabs) {
    await tab.evaluate((o) => harness.open(o).then(() => {}), {
      url: proxy.url,
      mqtt: { protocolVersion, keepalive, connectTimeout: 1_000 },
      reconnect: { minDelayMs: 250, maxDelayMs: 2_000 },
    })
  }
}

test('a broker that goes silent: keepalive notices within 1.5 keepalives, every tab sees it, retries back off, and QoS 1/2 published meanwhile arrive once it answers', async ({ openTab, broker, protocolVersion, prefix, traits }) => {
  const tabs = [await openTab(), await openTab()]
  await openHubs(tabs, protocolVersion, 1)
  const sub = await witness(broker.url, `${prefix}/#`)
  try {
    const silentAt = Date.now()
    proxy.silence(true)
    const before = proxy.connections
    // Published into the silence: stored, sent, never acknowledged.
    const published = tabs[1]!.evaluate(async (prefix) => {
      await harness.publishMany(`${prefix}/q1`, 'a', 20, 1)
      await harness.publishMany(`${prefix}/q2`, 'b', 20, 2)
    }, prefix)
    for (const tab of tabs) await expect.poll(() => tab.evaluate(() => harness.status()), { intervals: [50] }).not.toBe('connected')
    const noticedMs = Date.now() - silentAt
    await published
    await sleep(5_000)
    const attempts = proxy.connections - before
    for (const tab of tabs) expect(await tab.evaluate(() => harness.statuses())).toContain('reconnecting')

    proxy.silence(false)
    const back = Date.now()
    for (const tab of tabs) await expect.poll(() => tab.evaluate(() => harness.status()), { timeout: 15_000 }).toBe('connected')
    console.log(`[${broker.kind} ${protocolVersion}] silent broker noticed after ${noticedMs} ms (keepalive 1 s); `
      + `${attempts} connection attempts in the next ~5 s; connected again ${Date.now() - back} ms after it answered`)
    expect(noticedMs).toBeLessThan(1_500 + 1_000) // 1.5 keepalives, plus a margin for a busy machine
    expect(attempts).toBeGreaterThanOrEqual(1)
    expect(attempts).toBeLessThanOrEqual(8) // backoff from 250 ms to 2 s with a 1 s connect timeout: about 4
    const qos2 = () => sub.got.filter((m) => m.slice(2).startsWith('b'))
    await expect.poll(() => new Set(qos2()).size, { timeout: 15_000 }).toBe(20)
    await expect.poll(() => new Set(sub.got.filter((m) => m.startsWith('1:a'))).size).toBe(20)
    const expected = Array.from({ length: 20 }, (_, i) => `${traits.maxQos}:b${i}`)
    if (traits.maxQos === 2) expect(qos2()).toEqual(expected) // once each, in order
    else expect([...new Set(qos2())]).toEqual(expected) // RabbitMQ: QoS 2 is QoS 1 there (at least once), in order
    await expect.poll(() => tabs[1]!.evaluate(() => harness.acked())).toBe(40)
  } finally {
    await sub.end()
  }
})

test('a slow broker (300 ms each way) keeps its connection: no reconnect, every tab stays connected, every message arrives in order', async ({ openTab, broker, protocolVersion, prefix }) => {
  proxy.delay(300)
  const tabs = [await openTab(), await openTab()]
  await openHubs(tabs, protocolVersion, 2)
  await tabs[0]!.evaluate((f) => harness.subscribe('slow', f, 1), `${prefix}/slow`)
  const started = Date.now()
  await tabs[1]!.evaluate((t) => harness.publishMany(t, 'm', 30, 1), `${prefix}/slow`)
  await expect.poll(() => tabs[0]!.evaluate(() => harness.received('slow').map((m) => m.text)), { timeout: 15_000 })
    .toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`))
  await expect.poll(() => tabs[1]!.evaluate(() => harness.acked())).toBe(30)
  const roundTripMs = Date.now() - started
  await sleep(4_500) // two keepalive periods of PINGREQ/PINGRESP, each 600 ms late
  for (const tab of tabs) {
    expect(await tab.evaluate(() => harness.status())).toBe('connected')
    expect(await tab.evaluate(() => harness.statuses())).not.toContain('reconnecting')
  }
  expect(proxy.connections).toBe(1)
  expect(roundTripMs).toBeGreaterThanOrEqual(600) // the delay was real
  console.log(`[${broker.kind} ${protocolVersion}] 30 QoS 1 through a 300 ms proxy: all acked and received in ${roundTripMs} ms, 1 connection`)
})
