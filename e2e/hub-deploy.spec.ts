// A new version of the app deployed while tabs of the old one stay open: the old and the new
// build have their own SharedWorker (another script URL). The newest takes the connection over at
// once, the old tabs move to it, and nothing stored is lost or handled twice. Once per broker.
import type { Page } from '@playwright/test'
import mqtt from 'mqtt'
import { expect, openTab, test } from './fixtures.ts'

declare const harness: Window['harness']

const texts = (page: Page, key: string) => page.evaluate((key) => harness.texts(key), key)

async function open(page: Page, url: string, protocolVersion: 4 | 5, prefix: string, build?: number): Promise<void> {
  await page.evaluate(async ({ url, protocolVersion, prefix, build }) => {
    const mqtt = { protocolVersion, clean: false, clientId: `deploy-${prefix.replace(/\W/g, '-').slice(-40)}`, ...(protocolVersion === 5 && { properties: { sessionExpiryInterval: 300 } }) }
    await harness.open({ url, mqtt, ...(build !== undefined && { build }) })
    await harness.subscribeExclusive('jobs', `${prefix}/jobs`, { qos: 1 })
    await harness.subscribe('plain', `${prefix}/plain`, 1)
  }, { url, protocolVersion, prefix, build })
}

test('a tab of a new build is connected at once while the old build\'s tab is open; both keep working on one connection', async ({ context, broker, protocolVersion, prefix, sharedWorkers }) => {
  const witness = await mqtt.connectAsync(broker.url, { protocolVersion, clientId: `broker-side-witness-${Date.now()}` })
  const got: string[] = []
  witness.on('message', (_topic, payload) => got.push(payload.toString()))
  await witness.subscribeAsync(`${prefix}/out`, { qos: 1 })
  try {
    const old = await openTab(context)
    await open(old, broker.url, protocolVersion, prefix)
    await old.evaluate((p) => harness.publishMany(`${p}/out`, 'old-', 20, 1), prefix)
    for (let i = 0; i < 5; i++) await broker.publish(`${prefix}/jobs`, `job-${i}`, { qos: 1 })
    await expect.poll(() => texts(old, 'jobs').then((t) => t.length)).toBe(5)

    const fresh = await openTab(context)
    const started = Date.now()
    await open(fresh, broker.url, protocolVersion, prefix, 2)
    const connectedMs = Date.now() - started
    console.log(`[${broker.kind} ${protocolVersion}] the new build's tab was connected ${connectedMs} ms after it opened, with the old build's tab open`)
    expect(await sharedWorkers.list()).toHaveLength(2) // one per build
    await expect.poll(() => old.evaluate(() => harness.hub().inspect().then((i) => i.tabs.length))).toBe(2) // the old tab moved to the new worker

    // Both publish, both handle jobs once between them, both get plain messages.
    await Promise.all([
      old.evaluate((p) => harness.publishMany(`${p}/out`, 'old-', 20, 1), prefix),
      fresh.evaluate((p) => harness.publishMany(`${p}/out`, 'new-', 20, 1), prefix),
    ])
    for (let i = 5; i < 15; i++) await broker.publish(`${prefix}/jobs`, `job-${i}`, { qos: 1 })
    await broker.publish(`${prefix}/plain`, 'both', { qos: 1 })
    await expect.poll(async () => (await texts(old, 'plain')).concat(await texts(fresh, 'plain'))).toEqual([`${prefix}/plain both`, `${prefix}/plain both`])
    await expect.poll(async () => (await texts(old, 'jobs')).length + (await texts(fresh, 'jobs')).length).toBe(15)
    const jobs = [...await texts(old, 'jobs'), ...await texts(fresh, 'jobs')].map((t) => t.split(' ')[1]).sort()
    expect(jobs).toEqual(Array.from({ length: 15 }, (_, i) => `job-${i}`).sort())
    await expect.poll(() => new Set(got).size, { timeout: 15_000 }).toBe(40)
    expect([...new Set(got)].sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `old-${i}`), ...Array.from({ length: 20 }, (_, i) => `new-${i}`)].sort())
    // One connection with the hub's client id for both builds: the old worker disconnected before the new one connected.
    const stats = await broker.stats()
    expect(stats.clients.filter((id) => id.startsWith('deploy-'))).toHaveLength(1)
  } finally {
    await witness.endAsync()
  }
})
