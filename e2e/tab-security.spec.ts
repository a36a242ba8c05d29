// Credentials live in worker memory only: not in IndexedDB (inbox, outbox, groups, client id),
// not in error messages, not in metrics. Checked with a broker that requires them.
import { startAedesBroker } from '../demo/broker.mjs'
import { freePort } from './brokers.ts'
import { expect, openTab, test } from './fixtures.ts'

declare const harness: Window['harness']

const SECRET = 'pa55-Very-Secret-7Q'

test('credentials never reach IndexedDB, error messages or metrics', async ({ context, prefix }) => {
  const broker = await startAedesBroker({ port: await freePort(), credentials: { username: 'app', password: SECRET } })
  try {
    const page = await openTab(context)
    const url = broker.url
    const seen = await page.evaluate(async ({ url, secret, prefix }) => {
      const texts: string[] = []
      // A refused hub: its errors and statuses are shown to users and logged.
      // Credentials in the URL too (MQTT.js reads them from there): they must be redacted as well.
      const withUserInfo = url.replace('ws://', `ws://app:${secret}-in-url@`)
      const refused = harness.createHub({ url: withUserInfo, name: 'wrong', mqtt: { username: 'app', password: `${secret}-wrong` } })
      refused.onStatus((status, error) => texts.push(status, error?.message ?? ''))
      texts.push((await harness.errorOf(() => refused.ready(3_000)))?.message ?? '')
      await refused.close()
      // A working hub that stores things: exclusive inbox, outbox, groups, a persistent client id.
      const hub = harness.createHub({ url, mqtt: { username: 'app', password: secret, clean: false } })
      await hub.ready(5_000)
      await hub.subscribe(`${prefix}/jobs`, () => new Promise(() => {}), { exclusive: true, qos: 1 })
      await hub.publish(`${prefix}/jobs`, 'work', { qos: 1 })
      await hub.publish(`${prefix}/out`, 'x', { qos: 2 })
      texts.push(JSON.stringify(await hub.metrics()))
      // Everything the hub wrote to IndexedDB.
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('mqtt-hub')
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      const stores = [...db.objectStoreNames]
      for (const store of stores) {
        const all = await new Promise<unknown[]>((resolve) => {
          const request = db.transaction(store).objectStore(store).getAll()
          request.onsuccess = () => resolve(request.result)
        })
        texts.push(JSON.stringify(all, (_k, v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v)))
      }
      db.close()
      await hub.close()
      return { texts, stores }
    }, { url, secret: SECRET, prefix })
    expect(seen.stores.sort()).toEqual(['groups', 'inbox', 'meta', 'outbox'])
    expect(seen.texts.join('\n')).toContain('refused') // the refusal was seen and described
    expect(seen.texts.join('\n')).toContain('clientId:default') // the persisted client id was read back
    expect(seen.texts.join('\n')).not.toContain(SECRET)
  } finally {
    await broker.close()
  }
})

test('a tab receives only messages for its own subscriptions: the worker sends the others nothing', async ({ context, broker, prefix }) => {
  const [a, b] = [await openTab(context), await openTab(context)]
  for (const tab of [a, b]) await tab.evaluate((url) => harness.open({ url }).then(() => {}), broker.url)
  await a.evaluate((f) => harness.subscribe('mine', f, 1), `${prefix}/a/#`)
  await b.evaluate((f) => harness.subscribe('theirs', f, 1), `${prefix}/b/#`)
  for (let i = 0; i < 50; i++) await broker.publish(`${prefix}/a/${i}`, `secret ${i}`, { qos: i % 2 === 0 ? 0 : 1 })
  await expect.poll(() => a.evaluate(() => harness.received('mine').length)).toBe(50)
  // Counted by the worker as sent to that tab's port: nothing, not merely nothing handled.
  expect((await b.evaluate(() => harness.hub().metrics())).delivery.delivered).toBe(0)
  expect((await a.evaluate(() => harness.hub().metrics())).delivery.delivered).toBe(50)
})

test('a page of another origin cannot reach the hub worker: it gets its own, and cannot connect to ours', async ({ context, baseURL }) => {
  const page = await openTab(context)
  await page.evaluate(() => harness.createHub({ url: 'ws://127.0.0.1:1' }).metrics())
  // localhost and 127.0.0.1 are different origins (same server).
  const other = await context.newPage()
  const otherOrigin = baseURL!.replace('127.0.0.1', 'localhost')
  await other.goto(`${otherOrigin}/e2e/harness/index.html`)
  await expect(other.locator('#state')).toHaveText('ready')
  const attempt = await other.evaluate((ours) => {
    try {
      new SharedWorker(`${ours}/worker/index.ts`, { type: 'module', name: 'mqtt-hub' })
      return 'connected'
    } catch (error) {
      return (error as Error).name
    }
  }, baseURL!)
  expect(attempt).toBe('SecurityError')
  // Its own hub works with a worker of its own origin: nothing is shared across origins.
  const inspection = await other.evaluate(() => harness.createHub({ url: 'ws://127.0.0.1:1' }).inspect())
  expect(inspection.tabs).toHaveLength(1)
})
