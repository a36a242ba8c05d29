// The demo page (built, served by `vite preview`) in three tabs of one browser: its panels must
// tell the truth. Every figure is checked against a fact from elsewhere: the broker's own counts
// (control API), the other tabs, or the page's visibility.
import { test, expect, type BrowserContext, type Page } from '@playwright/test'

const BROKER_PORT = Number(process.env.MQTT_HUB_BROKER_PORT ?? 1894)
const CONTROL_PORT = Number(process.env.MQTT_HUB_CONTROL_PORT ?? 1895)
const PAGE = `/?broker=ws://127.0.0.1:${BROKER_PORT}&control=${CONTROL_PORT}`
const CONTROL = `http://127.0.0.1:${CONTROL_PORT}`

interface BrokerStats { connected: number; connects: number; clients: string[]; subscribes: Array<{ filter: string }> }

async function brokerStats(): Promise<BrokerStats> {
  return (await fetch(`${CONTROL}/stats`)).json() as Promise<BrokerStats>
}

async function openDemo(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
  await page.goto(PAGE)
  await expect(page.getByTestId('status')).toHaveText('connected')
  await expect(page.getByTestId('tab-id')).toHaveText(/^#\d+$/)
  return page
}

const tid = (page: Page, id: string) => page.getByTestId(id)

test.describe.configure({ mode: 'serial' })

test('three tabs: one connection, true counts, exclusive jobs, the outbox drains after the broker restarts', async ({ browser }, testInfo) => {
  test.setTimeout(90_000)
  await fetch(`${CONTROL}/start`, { method: 'POST' })
  // The broker serves the whole run: the SUBSCRIBEs counted below are this test's own.
  await fetch(`${CONTROL}/reset`, { method: 'POST' })
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } })
  const tabs = [await openDemo(context), await openDemo(context), await openDemo(context)]
  const [a, b, c] = tabs as [Page, Page, Page]

  // Topology: three tabs, this one marked, visibility as each page reports it.
  for (const page of tabs) {
    await expect(tid(page, 'topology-tab')).toHaveCount(3)
    await expect(page.locator('[data-testid="topology-tab"][data-self="true"]')).toHaveCount(1)
    const id = (await tid(page, 'tab-id').textContent())!.slice(1)
    await expect(page.locator('[data-testid="topology-tab"][data-self="true"]')).toHaveAttribute('data-id', id)
  }
  const ids = await Promise.all(tabs.map(async (page) => (await tid(page, 'tab-id').textContent())!))
  expect(new Set(ids).size).toBe(3)
  const visibility = await Promise.all(tabs.map((page) => page.evaluate(() => document.visibilityState === 'visible')))
  for (const i of tabs.keys()) {
    const chip = a.locator(`[data-testid="topology-tab"][data-id="${ids[i]!.slice(1)}"]`)
    await expect(chip).toHaveAttribute('data-visible', String(visibility[i]))
  }

  // One broker connection for three tabs: the worker says 1, the broker counts 1 client, and it is ours.
  const stats = await brokerStats()
  expect(stats.connected).toBe(1)
  for (const page of tabs) {
    await expect(tid(page, 'hub-connections')).toHaveText('1')
    await expect(tid(page, 'broker-connected')).toHaveText('1')
    await expect(tid(page, 'client-id')).toHaveText(stats.clients[0]!)
  }
  await expect(tid(a, 'connection-name')).toHaveText('default')
  await expect(tid(a, 'broker-url')).toHaveText(`ws://127.0.0.1:${BROKER_PORT}/`)

  // Subscriptions: every tab holds demo/# and the jobs group; the broker holds each filter once.
  const allRow = (page: Page, filter: string) => page.locator(`[data-testid="all-subscription"][data-filter="${filter}"]`)
  for (const page of tabs) {
    await expect(tid(page, 'subscription')).toHaveCount(1)
    await expect(allRow(page, 'demo/#')).toHaveAttribute('data-tabs', '3')
    await expect(allRow(page, 'demo/jobs/+')).toHaveAttribute('data-tabs', '3')
    await expect(page.locator('[data-testid="broker-subscription"]')).toHaveCount(2)
  }
  // A fourth subscription in one tab: counted, but no new broker subscription.
  await tid(b, 'subscribe-filter').fill('demo/#')
  await tid(b, 'subscribe-qos').selectOption('0')
  await tid(b, 'subscribe-button').click()
  await expect(allRow(a, 'demo/#')).toHaveAttribute('data-subscriptions', '4')
  await expect(allRow(a, 'demo/#')).toHaveAttribute('data-tabs', '3')
  await expect(a.locator('[data-testid="broker-subscription"][data-filter="demo/#"]')).toHaveAttribute('data-qos', '1')
  const subscribes = (await brokerStats()).subscribes.filter((s) => s.filter === 'demo/#' || s.filter === 'demo/jobs/+')
  expect(subscribes.filter((s) => s.filter === 'demo/jobs/+')).toHaveLength(1)

  // Inline validation from HubError, before anything is sent.
  await tid(a, 'publish-topic').fill('demo/+/bad')
  await expect(tid(a, 'publish-error')).toContainText('INVALID_TOPIC_NAME')
  await tid(a, 'publish-topic').fill('demo/hello')
  await expect(tid(a, 'publish-error')).toBeHidden()

  // A message published from one tab reaches the logs of all three.
  await tid(a, 'publish-payload').fill('hello from the e2e')
  await tid(a, 'publish-button').click()
  for (const page of tabs) await expect(page.locator('[data-testid="log-row"][data-topic="demo/hello"]').first()).toBeVisible()

  // Exclusive jobs: each of 6 jobs is handled in exactly one tab.
  await tid(c, 'jobs-post').click()
  await expect.poll(async () => (await Promise.all(tabs.map((page) => page.locator('[data-testid="job"][data-state="done"]').count())))
    .reduce((x, y) => x + y), { timeout: 15_000 }).toBe(6)
  const handled = (await Promise.all(tabs.map((page) => page.locator('[data-testid="job"]').evaluateAll(
    (items) => items.map((item) => (item as HTMLElement).dataset.job!))))).flat()
  expect(handled).toHaveLength(6)
  expect(new Set(handled).size).toBe(6)
  await expect(tid(a, 'jobs-group')).toContainText('6 handled')

  // Throughput: a burst fired by the broker is counted by this tab.
  await tid(b, 'burst-count').selectOption('500')
  await tid(b, 'burst-button').click()
  await expect(tid(b, 'burst-result')).toContainText('published 500 messages')
  await expect.poll(async () => Number(await tid(b, 'throughput-total').textContent()), { timeout: 10_000 }).toBeGreaterThanOrEqual(500)

  // The broker buttons follow its state; the diagnosis has nothing to say while all is well.
  await expect(tid(a, 'broker-stop')).toBeEnabled()
  await expect(tid(a, 'broker-start')).toBeDisabled()
  await expect(tid(a, 'finding')).toHaveText(['Nothing looks stuck.'])
  await expect(tid(a, 'summary')).toHaveText('3 tabs → one broker connection → the broker counts 1 client, ours included')

  // Outbox: with the broker stopped, QoS 1 publishes wait; after it starts again they drain.
  await tid(a, 'broker-stop').click()
  for (const page of tabs) await expect(tid(page, 'status')).toHaveText(/offline|reconnecting/)
  for (const page of tabs) {
    await expect(tid(page, 'broker-start')).toBeEnabled()
    await expect(tid(page, 'broker-stop')).toBeDisabled()
  }
  await expect(tid(a, 'summary')).toHaveText(/^3 tabs → no connection \((offline|reconnecting)\) → the broker is stopped$/)
  await expect(tid(a, 'finding').first()).toContainText(/Not connected for \d+s \(since [\d:]+\): CONNECTION_LOST/)
  await expect(tid(a, 'uptime')).toHaveText('not connected')
  await tid(a, 'outbox-queue').click()
  await expect(tid(a, 'outbox-depth')).toHaveText('10')
  await expect(tid(b, 'outbox-depth')).toHaveText('10') // one outbox, shared by the tabs
  await expect(tid(a, 'outbox-age')).not.toHaveText('–')
  await expect(tid(a, 'finding')).toContainText([/Not connected/, '10 QoS 1/2 messages in the outbox'])
  await shoot(tabs, testInfo, 'offline')
  await tid(a, 'broker-start').click()
  for (const page of tabs) await expect(tid(page, 'status')).toHaveText('connected', { timeout: 15_000 })
  await expect(tid(a, 'broker-stop')).toBeEnabled()
  await expect(tid(a, 'broker-start')).toBeDisabled()
  await expect(tid(a, 'outbox-depth')).toHaveText('0', { timeout: 15_000 })
  await expect(tid(a, 'outbox-acked')).toHaveText('10')
  await expect(a.locator('[data-testid="log-row"][data-topic^="demo/outbox/"]')).toHaveCount(10)
  await expect(tid(a, 'reconnects')).toHaveText('1')
  await expect.poll(async () => (await brokerStats()).connected).toBe(1)
  await expect(tid(c, 'broker-connected')).toHaveText('1')

  // Closing a tab: the others see two tabs, the connection stays one.
  await c.close()
  for (const page of [a, b]) await expect(tid(page, 'topology-tab')).toHaveCount(2)
  await expect(allRow(a, 'demo/jobs/+')).toHaveAttribute('data-tabs', '2')
  expect((await brokerStats()).connected).toBe(1)

  await shoot([a, b], testInfo, 'final')
  await context.close()
})

test('a job whose tab closes before it finishes is handled by another tab', async ({ browser }) => {
  const context = await browser.newContext()
  const tabs = [await openDemo(context), await openDemo(context), await openDemo(context)]
  const [a] = tabs as [Page, Page, Page]
  await a.getByTestId('jobs-post').click()
  // Each tab works 600 ms per job: close the first tab that has one running.
  let victim: Page | undefined
  await expect.poll(async () => {
    for (const page of tabs) if (await page.locator('[data-testid="job"][data-state="running"]').count() > 0) victim = page
    return victim !== undefined
  }).toBe(true)
  const lost = await victim!.locator('[data-testid="job"][data-state="running"]').evaluateAll(
    (items) => items.map((item) => (item as HTMLElement).dataset.job!))
  await victim!.close()
  const survivors = tabs.filter((page) => page !== victim)
  for (const job of lost) {
    await expect.poll(async () => (await Promise.all(survivors.map((page) =>
      page.locator(`[data-testid="job"][data-job="${job}"][data-state="done"]`).count()))).reduce((x, y) => x + y), { timeout: 15_000 }).toBe(1)
    const moved = survivors.map((page) => page.locator(`[data-testid="job"][data-job="${job}"] [data-testid="job-moved"]`))
    expect((await Promise.all(moved.map((m) => m.count()))).reduce((x, y) => x + y)).toBe(1)
  }
  await context.close()
})

test('at 800 px: a message two subscriptions of one tab match is listed once per subscription, each saying which, and its payload keeps the width', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } })
  const page = await openDemo(context)
  await tid(page, 'subscribe-filter').fill('demo/sensors/+')
  await tid(page, 'subscribe-button').click()
  await expect(tid(page, 'subscription')).toHaveCount(2)
  await tid(page, 'publish-topic').fill('demo/sensors/kitchen')
  const payload = 'a payload long enough to show whether the column keeps its width'
  await tid(page, 'publish-payload').fill(payload)
  await tid(page, 'publish-button').click()
  const rows = page.locator('[data-testid="log-row"][data-topic="demo/sensors/kitchen"]')
  await expect(rows).toHaveCount(2)
  // Which of the tab's two subscriptions got each copy: both, once each.
  await expect.poll(async () => (await rows.locator('[data-testid="log-via"]').allTextContents()).sort()).toEqual(['demo/#', 'demo/sensors/+'])
  const cell = (await rows.first().locator('[data-testid="log-payload"]').boundingBox())!
  expect(cell.width).toBeGreaterThan(400)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800)
  await context.close()
})

/** Full-page screenshots of each tab, in the test's output directory. */
async function shoot(pages: Page[], testInfo: import('@playwright/test').TestInfo, stage: string): Promise<void> {
  for (const page of pages) {
    const id = (await page.getByTestId('tab-id').textContent())!.replace('#', 'tab-')
    await page.screenshot({ path: testInfo.outputPath(`${stage}-${id}.png`), fullPage: true })
  }
}
