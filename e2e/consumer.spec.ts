// The package as users get it: `npm pack`, installed from the tarball into an app with no Vite
// config (e2e/consumer/), served by Vite's dev server (with dependency pre-bundling) and by
// `vite build` + `vite preview`. In both: two tabs share one broker connection, Vue and React apps run a
// non-idempotent callback once across tabs, and a page that uses neither framework loads neither.
import type { BrowserContext, Page } from '@playwright/test'
import { gzipSync } from 'node:zlib'
import { buildAndPreview, installConsumerApp, typeCheck, startDevServer, type AppServer, type ConsumerApp } from './consumer-app.ts'
import { eventually, expect, test } from './fixtures.ts'

interface ConsumerPage {
  open(url: string): Promise<string>
  mountInspector(): Promise<void>
  subscribe(filter: string): Promise<void>
  publish(topic: string, text: string): Promise<void>
  received(): string[]
  scripts(): string[]
}

interface DashboardPage {
  seen: { alarms: unknown[]; feed: unknown[] }
  unmount(): void
  mode(): string
  publishFeed(value: unknown): Promise<void>
}

declare const consumer: ConsumerPage
declare const dashboard: DashboardPage

interface ReactPage {
  seen: { alerts: Array<{ alert: number }> }
  unmount(): void
  publish(to: string, text: string): Promise<void>
}
interface SeedPage {
  seen: { orders: unknown[]; feed: unknown[]; acks: unknown[] }
  ids(): string[]
  publishFeed(message: string): void
  publishOrder(message: string): void
}
declare const reactApp: ReactPage
declare const seed: SeedPage

test.describe.configure({ mode: 'serial' })

let app: ConsumerApp

test.beforeAll(async () => {
  test.setTimeout(180_000)
  app = await installConsumerApp()
  console.log(`consumer app: npm pack (with the build) ${app.timings.pack.toFixed(1)} s, npm install ${app.timings.install.toFixed(1)} s`)
})

test.afterAll(async () => {
  await app?.remove()
})

async function plainTab(context: BrowserContext, server: AppServer, brokerUrl: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
  await page.goto(server.url)
  await expect(page.locator('#state')).toHaveText('ready')
  expect(await page.evaluate((url) => consumer.open(url), brokerUrl)).toBe('shared-worker')
  return page
}

/** A view of the app (a Vue dashboard, the seed's useMQTT, a React app) whose #status says connected. */
async function viewTab(context: BrowserContext, server: AppServer, view: 'dashboard' | 'seed' | 'react', brokerUrl: string, topic: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
  await page.goto(`${server.url}?view=${view}&broker=${encodeURIComponent(brokerUrl)}&topic=${encodeURIComponent(topic)}`)
  await expect(page.locator('#status')).toHaveText('connected')
  return page
}

const dashboardTab = (context: BrowserContext, server: AppServer, brokerUrl: string, topic: string) => viewTab(context, server, 'dashboard', brokerUrl, topic)

test('an app\'s TypeScript type-checks against the installed declarations (strict, without skipLibCheck)', async () => {
  expect(await typeCheck(app)).toBe('')
})

for (const mode of ['dev server', 'build + preview'] as const) {
  test.describe(`vite ${mode}`, () => {
    let server: AppServer

    test.beforeAll(async () => {
      test.setTimeout(120_000)
      server = mode === 'dev server' ? await startDevServer(app) : await buildAndPreview(app)
    })

    test.afterAll(async () => {
      await server?.close()
    })

    test('two tabs share one broker connection and a message published in one reaches the other', async ({ context, broker, prefix }) => {
      await broker.resetStats()
      const [a, b] = [await plainTab(context, server, broker.url), await plainTab(context, server, broker.url)]
      await b.evaluate((filter) => consumer.subscribe(filter), `${prefix}/chat`)
      await a.evaluate((topic) => consumer.publish(topic, 'hello from a'), `${prefix}/chat`)
      await eventually(() => b.evaluate(() => consumer.received()), [`${prefix}/chat hello from a`])
      await eventually(async () => (await broker.stats()).connected, 1)
      expect((await broker.stats()).connects).toBe(1)
    })

    test('the page that uses neither Vue nor React loads neither of them, nor MQTT.js', async ({ context, broker }) => {
      const page = await plainTab(context, server, broker.url)
      const scripts = await page.evaluate(() => consumer.scripts())
      const code = await Promise.all(scripts.map((url) => fetch(url).then((response) => response.text())))
      // Vue's refs, React's elements and hooks, the inspector's panels, MQTT.js's client.
      expect(code.join('\n')).not.toMatch(/__v_isRef|react\.transitional\.element|useSyncExternalStore|mqtt-hub-inspector|MqttClient|connackTimer|mqttjs_/)
      if (mode === 'build + preview') {
        // What a page pays for the package in an app's build: the chunk Vite made of dist/shared-*.js
        // (the app's own entry, with Vite's preload helper, and the view are the app's). The worker
        // is not loaded by the page.
        const gzip = (text: string) => gzipSync(text, { level: 9 }).byteLength
        const library = code.filter((_, i) => /\/assets\/shared-/.test(scripts[i]!))
        expect(library).toHaveLength(1)
        console.log(`built plain view: mqtt-hub chunk ${gzip(library[0]!)} B gzipped; all ${scripts.length} scripts ${code.map(gzip).reduce((x, y) => x + y)} B`)
        expect(gzip(library[0]!)).toBeLessThan(10.25 * 1024) // as src/bundle.test.ts
      }
    })

    test('the inspector, imported when called, shows both tabs, one connection and this tab\'s subscription', async ({ context, broker, prefix }) => {
      const [a, b] = [await plainTab(context, server, broker.url), await plainTab(context, server, broker.url)]
      await b.evaluate((filter) => consumer.subscribe(filter), `${prefix}/seen`)
      await a.evaluate(() => consumer.mountInspector())
      await expect(a.getByTestId('topology-tab')).toHaveCount(2)
      await expect(a.getByTestId('hub-connections')).toHaveText('1')
      await expect(a.getByTestId('client-id')).toHaveText((await broker.stats()).clients[0]!)
      await expect(a.locator(`[data-testid="all-subscription"][data-filter="${prefix}/seen"]`)).toHaveAttribute('data-tabs', '1')
      await expect(a.getByTestId('finding')).toHaveText(['Nothing looks stuck.'])
    })

    test('Vue: a non-idempotent callback runs once across two tabs, an idempotent one in each; unmount unsubscribes', async ({ context, broker, prefix }) => {
      const topic = `${prefix}/vue`
      const [a, b] = [await dashboardTab(context, server, broker.url, topic), await dashboardTab(context, server, broker.url, topic)]
      // Both tabs' subscriptions are made when their components mount: wait until the broker holds them.
      await expect.poll(async () => (await broker.stats()).subscribes.map((s) => s.filter).sort()).toEqual(
        expect.arrayContaining([`${topic}/alarms`, `${topic}/feed`]))
      for (let i = 0; i < 10; i++) await broker.publish(`${topic}/alarms`, JSON.stringify({ alarm: i }), { qos: 1 })
      await a.evaluate(() => dashboard.publishFeed({ note: 'from a' }))

      const alarms = async () => [...(await a.evaluate(() => dashboard.seen.alarms)), ...(await b.evaluate(() => dashboard.seen.alarms))]
      await expect.poll(async () => (await alarms()).length).toBe(10)
      await a.waitForTimeout(300) // time for a second run to show
      expect((await alarms()).map((data) => (data as { alarm: number }).alarm).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      for (const page of [a, b]) await eventually(() => page.evaluate(() => dashboard.seen.feed), [{ note: 'from a' }])

      // The last component to unmount makes the broker drop the subscriptions.
      await broker.resetStats()
      await a.evaluate(() => dashboard.unmount())
      await b.evaluate(() => dashboard.unmount())
      await expect.poll(async () => (await broker.stats()).unsubscribes.map((u) => u.filter).sort()).toEqual([`${topic}/alarms`, `${topic}/feed`])
    })

    test('without SharedWorker the packed dedicated worker serves each tab, and a non-idempotent callback still runs once', async ({ browser, broker, prefix }) => {
      const context = await browser.newContext()
      await context.addInitScript(() => {
        delete (globalThis as { SharedWorker?: unknown }).SharedWorker
      })
      const topic = `${prefix}/vue-fallback`
      const [a, b] = [await dashboardTab(context, server, broker.url, topic), await dashboardTab(context, server, broker.url, topic)]
      expect(await a.evaluate(() => dashboard.mode())).toBe('dedicated-worker')
      // One tab holds the group and subscribes; the other waits for the lock.
      await expect.poll(async () => (await broker.stats()).subscribes.filter((s) => s.filter === `${topic}/alarms`).length).toBe(1)
      for (let i = 0; i < 5; i++) await broker.publish(`${topic}/alarms`, JSON.stringify({ alarm: i }), { qos: 1 })
      const alarms = async () => [...(await a.evaluate(() => dashboard.seen.alarms)), ...(await b.evaluate(() => dashboard.seen.alarms))]
      await expect.poll(async () => (await alarms()).length).toBe(5)
      await a.waitForTimeout(300) // time for a second run to show
      expect(await alarms()).toHaveLength(5)
      await context.close()
    })

    test('React in StrictMode: an exclusive handler runs once per message across two tabs, useMessages keeps the last 3 once each, unmount unsubscribes', async ({ context, broker, prefix }) => {
      const topic = `${prefix}/react`
      const [a, b] = [await viewTab(context, server, 'react', broker.url, topic), await viewTab(context, server, 'react', broker.url, topic)]
      for (const page of [a, b]) await expect(page.locator('#alerts')).toHaveText('subscribed')

      for (let i = 0; i < 10; i++) await broker.publish(`${topic}/alerts`, JSON.stringify({ alert: i }), { qos: 1 })
      // A last message behind the ten: once it is handled, so are the ones published before it.
      await broker.publish(`${topic}/alerts`, JSON.stringify({ alert: 10 }), { qos: 1 })
      const alerts = async () => [...(await a.evaluate(() => reactApp.seen.alerts)), ...(await b.evaluate(() => reactApp.seen.alerts))]
      await expect.poll(async () => (await alerts()).some((x) => x.alert === 10)).toBe(true)
      expect((await alerts()).map((x) => x.alert).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])

      for (let i = 1; i <= 5; i++) await a.evaluate((text) => reactApp.publish('feed', text), `f${i}`)
      for (const page of [a, b]) await expect(page.locator('#feed')).toHaveText('f3,f4,f5')

      await broker.resetStats()
      for (const page of [a, b]) await page.evaluate(() => reactApp.unmount())
      await expect.poll(async () => (await broker.stats()).unsubscribes.map((u) => u.filter).sort()).toEqual([`${topic}/alerts`, `${topic}/feed`])
    })

    test('the seed\'s useMQTT as written: an isIdempotent: false callback runs once across two tabs with the parsed JSON, an idempotent one in each with the text', async ({ context, broker, prefix }) => {
      const topic = `${prefix}/seed`
      const [a, b] = [await viewTab(context, server, 'seed', broker.url, topic), await viewTab(context, server, 'seed', broker.url, topic)]
      await expect.poll(async () => (await broker.stats()).subscribes.map((s) => s.filter)).toEqual(expect.arrayContaining([`${topic}/orders`, `${topic}/feed`]))
      const [idsA, idsB] = [await a.evaluate(() => seed.ids()), await b.evaluate(() => seed.ids())]
      expect(new Set([...idsA, ...idsB]).size).toBe(4)

      for (let i = 0; i < 6; i++) await a.evaluate((text) => seed.publishOrder(text), JSON.stringify({ order: i }))
      await a.evaluate(() => seed.publishOrder(JSON.stringify({ order: 6 })))
      const orders = async () => [...(await a.evaluate(() => seed.seen.orders)), ...(await b.evaluate(() => seed.seen.orders))] as Array<{ order: number }>
      await expect.poll(async () => (await orders()).some((x) => x.order === 6)).toBe(true)
      expect((await orders()).map((x) => x.order).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6])

      await b.evaluate(() => seed.publishFeed('plain text'))
      for (const page of [a, b]) await eventually(() => page.evaluate(() => seed.seen.feed), ['plain text'])
      await eventually(() => b.evaluate(() => seed.seen.acks), ['ok'])
    })
  })
}
