// Pages that go into the back/forward cache or are frozen (Page Lifecycle) hold nothing up: their
// exclusive work moves to another member at once, nothing queues for them, and when they come back
// their subscriptions work again and they are told what they missed. Once per protocol version.
import type { Page } from '@playwright/test'
import { chromiumLaunchOptions } from './chromium.ts'
import { eventually, expect, openTab, test } from './fixtures.ts'

declare const harness: Window['harness']
/** In the other tab: resolves when the blocked page said it is about to block. */
declare let blockingSeen: Promise<void>

// Playwright turns the back/forward cache off by default.
test.use({ launchOptions: { ...chromiumLaunchOptions, ignoreDefaultArgs: ['--disable-back-forward-cache'] } })

const texts = (page: Page, key: string) => page.evaluate((key) => harness.texts(key), key)
const jobIds = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `job-${from + i}`)

async function member(page: Page, url: string, protocolVersion: 4 | 5, filter: string): Promise<void> {
  await page.evaluate(async ({ url, protocolVersion, filter }) => {
    await harness.open({ url, mqtt: { protocolVersion } })
    await harness.subscribeExclusive('jobs', filter, { qos: 1 })
    await harness.subscribe('plain', `${filter}/plain`, 0)
  }, { url, protocolVersion, filter })
}

/** The other tabs as `page` sees them in inspect(). */
const others = (page: Page) => page.evaluate(async () => (await harness.hub().inspect()).tabs.filter((t) => !t.self).map((t) => t.active))

for (const away of ['back/forward cache', 'blocked'] as const) {
  test(`a page ${away === 'blocked' ? 'whose main thread is blocked for 6 s' : 'in the back/forward cache'} gives its exclusive work to another tab, and works again when it is back`, async ({ context, broker, protocolVersion, prefix }) => {
    const filter = `${prefix}/jobs`
    const a = await openTab(context)
    await member(a, broker.url, protocolVersion, filter)
    const b = await openTab(context)
    await member(b, broker.url, protocolVersion, filter)
    for (const id of jobIds(3)) await broker.publish(filter, id, { qos: 1 })
    await eventually(() => texts(a, 'jobs'), jobIds(3).map((id) => `${filter} ${id}`)) // sticky: the oldest member

    const leftAt = Date.now()
    // A blocked page tells nothing (as a frozen one whose browser fires no event); a page going into the cache gets pagehide (persisted).
    // The jobs are published once the block began (the page says so on a BroadcastChannel first), not while it is still reading.
    if (away === 'blocked') await b.evaluate(() => void (blockingSeen = new Promise((resolve) => (new BroadcastChannel('e2e-blocking').onmessage = () => resolve()))))
    const blocked = away === 'blocked' ? a.evaluate(() => {
      new BroadcastChannel('e2e-blocking').postMessage('blocking')
      const end = Date.now() + 6_000
      while (Date.now() < end) { /* the page's main thread is busy */ }
    }) : null
    if (blocked) await b.evaluate(() => blockingSeen)
    else await a.goto('/e2e/harness/away.html')
    for (const id of jobIds(5, 3)) await broker.publish(filter, id, { qos: 1 })
    for (let i = 0; i < 20; i++) await broker.publish(`${filter}/plain`, `p${i}`)
    // A blocked page keeps a job it had read before it stopped (it may have started it): the other tab takes the rest, after it.
    await expect.poll(async () => (await texts(b, 'jobs')).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(blocked ? 4 : 5)
    const movedMs = Date.now() - leftAt
    console.log(`[${broker.kind} ${protocolVersion}] ${away}: 5 exclusive jobs handled by the other tab ${movedMs} ms after the page left`)
    if (!blocked) expect(await others(b)).toEqual([false])

    if (blocked) await blocked
    else await a.goBack({ waitUntil: 'commit' })
    await expect.poll(() => others(b)).toEqual([true])
    // The same page, with its state (restored, not reloaded): it ran none of the jobs it was away for.
    if (!blocked) expect(await texts(a, 'jobs')).toEqual(jobIds(3).map((id) => `${filter} ${id}`))
    if (blocked) {
      // Blocked, the worker kept its messages (within the queue's bounds): it gets them now.
      await expect.poll(async () => (await texts(a, 'plain')).length).toBe(20)
    } else {
      // Cached: nothing was kept for it; it is told how many it missed.
      await expect.poll(() => a.evaluate(() => harness.errors().filter((e) => e.startsWith('MESSAGES_DROPPED: 20 messages')).length)).toBe(1)
    }
    await broker.publish(`${filter}/plain`, 'back')
    await expect.poll(async () => (await texts(a, 'plain')).at(-1)).toBe(`${filter}/plain back`)
    // Each job once across both tabs.
    for (const id of jobIds(2, 8)) await broker.publish(filter, id, { qos: 1 })
    await expect.poll(async () => [...await texts(a, 'jobs'), ...await texts(b, 'jobs')].length).toBe(10)
    const all = [...await texts(a, 'jobs'), ...await texts(b, 'jobs')].map((t) => t.split(' ')[1]).sort()
    expect(all).toEqual(jobIds(10).sort())
  })
}
