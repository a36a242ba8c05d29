// Browsers without SharedWorker (Chrome for Android before 148, some WebViews), made here by
// hiding SharedWorker before the page runs: the same API over one dedicated worker per tab.
import type { BrowserContext, Page } from '@playwright/test'
import { eventually, expect, openTab, test } from './fixtures.ts'

declare const harness: Window['harness']

async function tabWithoutSharedWorker(context: BrowserContext, url: string, mqtt: object = {}): Promise<Page> {
  const page = await openTab(context)
  await page.evaluate(({ url, mqtt }) => harness.open({ url, mqtt }).then(() => {}), { url, mqtt })
  return page
}

const texts = (page: Page, key: string) => page.evaluate((key) => harness.texts(key), key)

test.beforeEach(async ({ context }) => {
  await context.addInitScript(() => {
    delete (globalThis as { SharedWorker?: unknown }).SharedWorker
  })
})

test('without SharedWorker, hub.mode is dedicated-worker and two tabs exchange messages, one connection each', async ({ context, broker, prefix, sharedWorkers }) => {
  await broker.resetStats()
  const a = await tabWithoutSharedWorker(context, broker.url)
  const b = await tabWithoutSharedWorker(context, broker.url)
  expect(await a.evaluate(() => harness.hub().mode)).toBe('dedicated-worker')
  expect(await b.evaluate(() => typeof SharedWorker)).toBe('undefined')

  await b.evaluate((filter) => harness.subscribe('all', filter, 1), `${prefix}/+`)
  await a.evaluate((p) => harness.publish(`${p}/x`, 'from a', 1), prefix)
  await eventually(() => texts(b, 'all'), [`${prefix}/x from a`])

  const stats = await broker.stats()
  expect(stats.connected).toBe(2)
  expect(await sharedWorkers.list()).toEqual([])
})

test('with SharedWorker, hub.mode is shared-worker', async ({ browser, broker }) => {
  // A fresh context without the init script of this file.
  const context = await browser.newContext()
  const page = await openTab(context)
  await page.evaluate((url) => harness.open({ url }).then(() => {}), broker.url)
  expect(await page.evaluate(() => harness.hub().mode)).toBe('shared-worker')
  await context.close()
})

test('two tabs given one clientId both connect: per-tab ids, no wait on one session lock', async ({ context, broker }) => {
  const mqtt = { clientId: 'fallback-fixed' }
  const a = await tabWithoutSharedWorker(context, broker.url, mqtt)
  const b = await tabWithoutSharedWorker(context, broker.url, mqtt)
  const [ia, ib] = await Promise.all([a.evaluate(() => harness.hub().inspect()), b.evaluate(() => harness.hub().inspect())])
  expect(ia.clientId).toMatch(/^fallback-fixed-/)
  expect(ib.clientId).toMatch(/^fallback-fixed-/)
  expect(ia.clientId).not.toBe(ib.clientId)
  // The broker would drop one of two connections with one client id; both stay up.
  await a.waitForTimeout(500)
  expect([await a.evaluate(() => harness.status()), await b.evaluate(() => harness.status())]).toEqual(['connected', 'connected'])
})

test('an exclusive handler runs in one tab across tabs, and in the other once the holder tab closes', async ({ context, broker, prefix }) => {
  const filter = `${prefix}/jobs/+`
  const a = await tabWithoutSharedWorker(context, broker.url)
  await a.evaluate((f) => harness.subscribeExclusive('jobs', f, { qos: 1 }), filter)
  const b = await tabWithoutSharedWorker(context, broker.url)
  await b.evaluate((f) => harness.subscribeExclusive('jobs', f, { qos: 1 }), filter)

  for (let i = 0; i < 10; i++) await broker.publish(`${prefix}/jobs/${i}`, `j${i}`, { qos: 1 })
  const first = Array.from({ length: 10 }, (_, i) => `${prefix}/jobs/${i} j${i}`)
  await eventually(() => texts(a, 'jobs'), first)
  await b.waitForTimeout(300)
  expect(await texts(b, 'jobs')).toEqual([])

  await a.close()
  // The lock passes to b, which subscribes: wait for the broker to hold its subscription.
  await expect.poll(async () => (await b.evaluate(() => harness.hub().inspect())).broker.map((s) => s.filter)).toEqual([filter])
  for (let i = 10; i < 15; i++) await broker.publish(`${prefix}/jobs/${i}`, `j${i}`, { qos: 1 })
  await eventually(() => texts(b, 'jobs'), Array.from({ length: 5 }, (_, i) => `${prefix}/jobs/${i + 10} j${i + 10}`))
})

test('unsubscribing the holder passes the group on: the next message is handled by the new holder alone', async ({ context, broker, prefix }) => {
  const filter = `${prefix}/work`
  const a = await tabWithoutSharedWorker(context, broker.url)
  const b = await tabWithoutSharedWorker(context, broker.url)
  await a.evaluate((f) => harness.subscribeExclusive('w', f, { qos: 1 }), filter)
  await b.evaluate((f) => harness.subscribeExclusive('w', f, { qos: 1 }), filter)
  await a.evaluate(() => harness.unsubscribe('w'))
  await expect.poll(async () => (await b.evaluate(() => harness.hub().inspect())).broker.map((s) => s.filter)).toEqual([filter])
  await a.evaluate((f) => harness.subscribe('watch', f, 1), filter)
  await a.evaluate((f) => harness.publish(f, 'once', 1), filter)
  await eventually(() => texts(b, 'w'), [`${filter} once`])
  await eventually(() => texts(a, 'watch'), [`${filter} once`])
  await a.waitForTimeout(300)
  expect(await texts(a, 'w')).toEqual([])
  expect(await texts(b, 'w')).toEqual([`${filter} once`])
})

test('a reloaded tab keeps its own session (the outbox it left is its own); a copied session id held by a live tab is not shared', async ({ context, broker }) => {
  const mqtt = { clientId: 'fallback-reload' }
  const a = await tabWithoutSharedWorker(context, broker.url, mqtt)
  const before = (await a.evaluate(() => harness.hub().inspect())).clientId
  await a.reload()
  await expect(a.locator('#state')).toHaveText('ready')
  await a.evaluate(({ url, mqtt }) => harness.open({ url, mqtt }).then(() => {}), { url: broker.url, mqtt })
  expect((await a.evaluate(() => harness.hub().inspect())).clientId).toBe(before)

  // A duplicated tab starts with a copy of sessionStorage: it must not wait for, nor drive, a's session.
  const stored = await a.evaluate(() => sessionStorage.getItem('mqtt-hub:tab-session:default'))
  const copy = await context.newPage()
  await copy.addInitScript((id) => sessionStorage.setItem('mqtt-hub:tab-session:default', id!), stored)
  await copy.goto('/e2e/harness/index.html')
  await copy.evaluate(({ url, mqtt }) => harness.open({ url, mqtt }).then(() => {}), { url: broker.url, mqtt })
  const copied = (await copy.evaluate(() => harness.hub().inspect())).clientId
  expect(copied).toMatch(/^fallback-reload-/)
  expect(copied).not.toBe(before)
  expect([await a.evaluate(() => harness.status()), await copy.evaluate(() => harness.status())]).toEqual(['connected', 'connected'])
})

test('QoS 1 publishes stored during an outage are sent once after the tab reloads, never by the other tab', async ({ context, broker, prefix }) => {
  const a = await tabWithoutSharedWorker(context, broker.url)
  const b = await tabWithoutSharedWorker(context, broker.url)
  await broker.stop()
  await broker.resetStats()
  await a.evaluate((topic) => harness.publishMany(topic, 'm', 3, 1), `${prefix}/out`)
  await a.reload()
  await expect(a.locator('#state')).toHaveText('ready')
  await a.evaluate((url) => harness.open({ url, waitReady: false }).then(() => {}), broker.url)
  await broker.start()
  await expect.poll(() => a.evaluate(() => harness.status())).toBe('connected')
  await expect.poll(() => b.evaluate(() => harness.status())).toBe('connected')
  await eventually(async () => (await broker.stats()).published, 3)
  await a.waitForTimeout(500) // time for a second sender to show
  expect((await broker.stats()).published).toBe(3)
})

test('a job the holder tab was still handling when it closed is handled by the next holder (the group\'s inbox is shared)', async ({ context, broker, prefix }) => {
  const filter = `${prefix}/slow`
  const a = await tabWithoutSharedWorker(context, broker.url)
  await a.evaluate((f) => harness.subscribeExclusive('slow', f, { qos: 1, workMs: 60_000 }), filter)
  const b = await tabWithoutSharedWorker(context, broker.url)
  await b.evaluate((f) => harness.subscribeExclusive('slow', f, { qos: 1 }), filter)
  await broker.publish(filter, 'unfinished', { qos: 1 })
  // a holds the group and runs the job: its worker's inbox keeps it until the handler settles.
  await expect.poll(async () => (await a.evaluate(() => harness.hub().metrics())).exclusive[filter]?.pending).toBe(1)
  await a.close()
  await eventually(() => texts(b, 'slow'), [`${filter} unfinished`])
})

test('events, sessions() and inspect() report the connection name the app gave, as with SharedWorker', async ({ context, broker }) => {
  const a = await tabWithoutSharedWorker(context, broker.url)
  const sessions = await a.evaluate(() => harness.hub().sessions())
  expect(sessions.map((s) => s.name)).toEqual(['default'])
  expect((await a.evaluate(() => harness.hub().inspect())).name).toBe('default')
})
