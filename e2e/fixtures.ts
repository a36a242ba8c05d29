// Playwright fixtures: a real broker per project (aedes in-process or a mosquitto process), tabs
// that load the harness page in one browser context (so they share one SharedWorker), and CDP
// access to that worker, which Playwright has no API for.
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test'
import { startAedes, startMosquitto, type TestBroker } from './brokers.ts'

export interface BrokerOptions {
  brokerKind: 'aedes' | 'mosquitto'
  protocolVersion: 4 | 5
}

interface Fixtures {
  /** Opens a new tab of the harness page in the test's browser context. */
  openTab: () => Promise<Page>
  /** A topic prefix no other test uses (retained messages outlive tests on a shared broker). */
  prefix: string
  /** The shared workers of the browser, seen through CDP. */
  sharedWorkers: { list(): Promise<string[]>; killAll(): Promise<number> }
}

let counter = 0

export const test = base.extend<Fixtures, BrokerOptions & { broker: TestBroker }>({
  brokerKind: ['aedes', { option: true, scope: 'worker' }],
  protocolVersion: [4, { option: true, scope: 'worker' }],
  broker: [
    async ({ brokerKind }, use) => {
      const broker = brokerKind === 'aedes' ? await startAedes() : await startMosquitto()
      await use(broker)
      await broker.close()
    },
    { scope: 'worker' },
  ],
  prefix: async ({ protocolVersion }, use, testInfo) => {
    await use(`e2e/${testInfo.project.name}/${protocolVersion}/${++counter}-${Date.now()}`)
  },
  openTab: async ({ context }, use) => {
    await use(() => openTab(context))
  },
  sharedWorkers: async ({ browser }, use) => {
    const cdp = await browser.newBrowserCDPSession()
    const workers = async () => {
      const { targetInfos } = await cdp.send('Target.getTargets')
      return targetInfos.filter((t) => t.type === 'shared_worker')
    }
    await use({
      list: async () => (await workers()).map((t) => t.url),
      killAll: async () => {
        const found = await workers()
        for (const t of found) await cdp.send('Target.closeTarget', { targetId: t.targetId })
        return found.length
      },
    })
    await cdp.detach()
  },
})

export async function openTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
  await page.goto('/e2e/harness/index.html')
  await expect(page.locator('#state')).toHaveText('ready')
  return page
}

/** Polls `read` until it equals `expected` (deep), for counts that settle asynchronously. */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeout = 10_000): Promise<void> {
  await expect.poll(read, { timeout }).toEqual(expected)
}

export { expect }
