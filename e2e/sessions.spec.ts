// Two named sessions to two brokers (mosquitto with MQTT 5, aedes with 3.1.1) shared by three tabs:
// one connection per session, events and metrics that agree with what the brokers saw, a
// request/response round trip across tabs, and the linger after a session's last tab left.
import type { Page } from '@playwright/test'
import { startAedes, startMosquitto, type TestBroker } from './brokers.ts'
import { eventually, expect, test } from './fixtures.ts'

declare const harness: Window['harness']

const PROD = 0 // hub index of session "prod" (mosquitto, MQTT 5) in every tab
const BENCH = 1 // hub index of session "bench" (aedes, MQTT 3.1.1)
const LINGER_MS = 1_500

let mosquitto: TestBroker
let aedes: TestBroker

test.beforeAll(async () => {
  ;[mosquitto, aedes] = await Promise.all([startMosquitto(), startAedes()])
})
test.afterAll(async () => {
  await Promise.all([mosquitto.close(), aedes.close()])
})

async function openBoth(tab: Page, title: string): Promise<void> {
  await tab.evaluate(async ({ prod, bench, title, lingerMs }) => {
    document.title = title
    await harness.open({ name: 'prod', url: prod, mqtt: { protocolVersion: 5 }, lingerMs, waitReady: false })
    await harness.open({ name: 'bench', url: bench, mqtt: { protocolVersion: 4 }, lingerMs, waitReady: false })
    await harness.readyAll()
  }, { prod: mosquitto.url, bench: aedes.url, title, lingerMs: LINGER_MS })
}

const events = (tab: Page, hub: number) => tab.evaluate((hub) => harness.events(hub), hub)
const texts = (tab: Page, key: string) => tab.evaluate((key) => harness.texts(key), key)

test('three tabs share one connection per named session; events and metrics agree with both brokers', async ({ openTab }) => {
  await Promise.all([mosquitto.resetStats(), aedes.resetStats()])
  const tabs = [await openTab(), await openTab(), await openTab()]
  for (const [i, tab] of tabs.entries()) await openBoth(tab, `tab${i}`)
  const [a, b, c] = tabs as [Page, Page, Page]
  expect(await a.evaluate(() => harness.hub(0).sessions().then((list) => list.map((s) => `${s.name} ${s.status} ${s.tabs} v${s.protocolVersion}`).sort())))
    .toEqual(['bench connected 3 v4', 'prod connected 3 v5'])
  expect([(await mosquitto.stats()).connects, (await aedes.stats()).connects]).toEqual([1, 1])
  // The first tab heard its sessions come up; a tab of "prod" heard "bench" being added.
  expect(await events(a, PROD)).toEqual(expect.arrayContaining(['connected prod', 'stateChanged prod connecting>connected', 'sessionAdded bench']))

  // Subscription changes at the broker reach every tab of the session, once per SUBSCRIBE the broker saw.
  const filter = `sessions/${Date.now()}/+`
  await b.evaluate((f) => harness.subscribe('b', f, 1, 0), filter)
  await c.evaluate((f) => harness.subscribe('c', f, 0, 0), filter)
  for (const tab of tabs) await eventually(() => events(tab, PROD).then((e) => e.filter((x) => x.startsWith('subscribed'))), [`subscribed prod ${filter} 1`])
  expect((await mosquitto.stats()).subscribes.filter((s) => s.filter === filter).map((s) => s.qos)).toEqual([1])
  expect(await events(a, BENCH).then((e) => e.filter((x) => x.startsWith('subscribed')))).toEqual([]) // another session

  // Traffic: what the tabs published is what mosquitto received; what it sent is what the session counted in.
  const topic = filter.replace('+', 'm')
  await a.evaluate((t) => harness.publishMany(t, 'x', 20, 1, 0, 0), topic)
  for (let i = 0; i < 5; i++) await mosquitto.publish(topic, `broker${i}`, { qos: 1 })
  await eventually(() => texts(b, 'b').then((t) => t.length), 25)
  await eventually(() => texts(c, 'c').then((t) => t.length), 25)
  const prod = await c.evaluate(() => harness.hub(0).metrics())
  expect(prod.traffic.messagesOut).toBe((await mosquitto.stats()).published)
  expect(prod.traffic).toMatchObject({ messagesOut: 20, bytesOut: 50, messagesIn: 25, errors: 0 })
  expect(prod.subscriptions).toEqual({ local: 2, broker: 1 })
  expect(prod.tabs).toBe(3)
  const all = await b.evaluate(() => harness.hub(1).metrics({ all: true }))
  expect(all.totals).toMatchObject({ sessions: 2, tabs: 6, messagesOut: 20, messagesIn: 25 })
  expect(all.sessions.map((s) => s.name).sort()).toEqual(['bench', 'prod'])

  await b.evaluate(() => harness.unsubscribe('b'))
  await c.evaluate(() => harness.unsubscribe('c'))
  for (const tab of tabs) await eventually(() => events(tab, PROD).then((e) => e.includes(`unsubscribed prod ${filter}`)), true)
  expect((await mosquitto.stats()).unsubscribes.filter((u) => u.filter === filter)).toHaveLength(1)
})

test('a broker outage reaches every tab of that session only, as events; reconnects agree with the broker\'s CONNECTs', async ({ openTab }) => {
  const tabs = [await openTab(), await openTab(), await openTab()]
  for (const [i, tab] of tabs.entries()) await openBoth(tab, `tab${i}`)
  await aedes.resetStats()
  await aedes.stop()
  for (const tab of tabs) await eventually(() => events(tab, BENCH).then((e) => e.some((x) => x.startsWith('reconnecting bench'))), true)
  await aedes.start()
  for (const tab of tabs) await eventually(() => events(tab, BENCH).then((e) => e.includes('stateChanged bench reconnecting>connected')), true, 15_000)
  for (const tab of tabs) {
    const heard = (await events(tab, BENCH)).filter((x) => !x.startsWith('session') && !x.startsWith('subscribed'))
    // Tabs that joined a connected session did not hear its first 'connected'.
    const outage = heard.slice(heard.indexOf('disconnected bench'))
    expect(outage.slice(0, 4)).toEqual(['disconnected bench', 'offline bench', 'stateChanged bench connected>offline', 'reconnecting bench 1'])
    expect(outage.slice(-2)).toEqual(['connected bench', 'stateChanged bench reconnecting>connected'])
    expect((await events(tab, PROD)).filter((x) => /disconnected|offline|reconnecting/.test(x))).toEqual([])
  }
  const bench = await tabs[0]!.evaluate(() => harness.hub(1).metrics())
  expect(bench.traffic.reconnects).toBe((await aedes.stats()).connects) // every CONNECT after the reset was a reconnect
  expect(bench.traffic.reconnects).toBeGreaterThanOrEqual(1)
  expect(bench.traffic.lastError?.code).toBe('CONNECTION_LOST')
})

test('a request from one tab is answered by another tab, and the answer reaches the requester only [MQTT-4.10]', async ({ openTab }) => {
  await mosquitto.resetStats()
  const tabs = [await openTab(), await openTab(), await openTab()]
  for (const [i, tab] of tabs.entries()) await openBoth(tab, `tab${i}`)
  const [requester, server, bystander] = tabs as [Page, Page, Page]
  const service = `svc/${Date.now()}/echo`
  await server.evaluate((f) => harness.serve('served', f, 0), service)
  const answers = await requester.evaluate((t) => Promise.all([harness.request(t, 'one'), harness.request(t, 'two')]), service)
  expect(answers).toEqual([
    { text: 'echo one from tab1', userProperties: { server: 'tab1' } },
    { text: 'echo two from tab1', userProperties: { server: 'tab1' } },
  ])
  // A second tab's requests use the same reply subscription: one SUBSCRIBE per session.
  expect(await bystander.evaluate((t) => harness.request(t, 'three'), service)).toMatchObject({ text: 'echo three from tab1' })
  expect((await mosquitto.stats()).subscribes.filter((s) => s.filter.startsWith('mqtt-hub/replies/'))).toHaveLength(1)
  expect(await texts(server, 'served')).toHaveLength(3)
  // Two tabs serve one exclusive group: each request is answered once, by one of them.
  const pool = `svc/${Date.now()}/pool`
  for (const tab of [server, bystander]) await tab.evaluate((f) => harness.serve('pool', f, 0, true), pool)
  const pooled = await requester.evaluate((t) => Promise.all(Array.from({ length: 10 }, (_, i) => harness.request(t, `p${i}`))), pool)
  expect(pooled.map((a) => a.text.replace(/ from tab\d$/, ''))).toEqual(Array.from({ length: 10 }, (_, i) => `echo p${i}`))
  const servedBy = [...await texts(server, 'pool'), ...await texts(bystander, 'pool')]
  expect(servedBy).toHaveLength(10)
  // MQTT 3.1.1 has no response topic: a clear error, no half-working request.
  expect(await requester.evaluate((t) => harness.errorOf(() => harness.request(t, 'x', 1_000, 1)), service))
    .toMatchObject({ code: 'MQTT5_REQUIRED' })
})

test('messages() streams with for await; break unsubscribes at the broker', async ({ openTab }) => {
  const tab = await openTab()
  await openBoth(tab, 'streamer')
  const filter = `stream/${Date.now()}/#`
  await tab.evaluate(({ f, hub }) => harness.stream('s', f, 3, hub), { f: filter, hub: BENCH })
  await eventually(() => events(tab, BENCH).then((e) => e.includes(`subscribed bench ${filter} 1`)), true)
  for (let i = 0; i < 5; i++) await aedes.publish(filter.replace('#', 'x'), `n${i}`, { qos: 1 })
  await eventually(() => texts(tab, 's'), [0, 1, 2].map((i) => `${filter.replace('#', 'x')} n${i}`).concat([' ended']))
  await eventually(() => events(tab, BENCH).then((e) => e.includes(`unsubscribed bench ${filter}`)), true)
})

test('closing every tab of a session closes its connection after the linger; a reload does not drop it', async ({ openTab }) => {
  await Promise.all([mosquitto.resetStats(), aedes.resetStats()])
  const tabs = [await openTab(), await openTab(), await openTab()]
  for (const [i, tab] of tabs.entries()) await openBoth(tab, `tab${i}`)
  // Only the third tab uses "bench" now. Reloading it leaves the session without a tab for a
  // moment; the worker lives on (the other tabs hold "prod") and the session lingers until it is back.
  for (const tab of tabs.slice(0, 2)) await tab.evaluate((hub) => harness.hub(hub).close(), BENCH)
  await tabs[2]!.reload()
  await expect(tabs[2]!.locator('#state')).toHaveText('ready')
  await openBoth(tabs[2]!, 'tab2 reloaded')
  expect([(await mosquitto.stats()).connects, (await aedes.stats()).connects]).toEqual([1, 1])

  const closedAt = Date.now()
  await tabs[2]!.evaluate((hub) => harness.hub(hub).close(), BENCH)
  await new Promise((resolve) => setTimeout(resolve, LINGER_MS / 3))
  expect((await aedes.stats()).connected).toBe(1) // still lingering
  await eventually(() => aedes.stats().then((s) => s.connected), 0, LINGER_MS + 5_000)
  expect(Date.now() - closedAt).toBeGreaterThanOrEqual(LINGER_MS)
  for (const tab of tabs) await eventually(() => events(tab, PROD).then((e) => e.includes('sessionRemoved bench')), true)
  expect(await events(tabs[0]!, PROD).then((e) => e.filter((x) => x.startsWith('session')))).toEqual(['sessionAdded prod', 'sessionAdded bench', 'sessionRemoved bench']) // once each: the reload found "bench" lingering
  expect(await tabs[0]!.evaluate(() => harness.hub(0).sessions().then((list) => list.map((s) => s.name)))).toEqual(['prod'])
  expect((await mosquitto.stats()).connected).toBe(1) // the other session is untouched
})
