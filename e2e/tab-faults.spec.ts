// Faults outside the tab: a worker that cannot start, a broker that refuses or is not there, a
// second tab asking for the same connection name with other options. No call hangs.
import { startAedesBroker } from '../demo/broker.mjs'
import { freePort } from './brokers.ts'
import { expect, openTab, test } from './fixtures.ts'

declare const harness: Window['harness']

test('a worker script that fails to load makes calls reject with WORKER_UNAVAILABLE within seconds', async ({ context, broker }) => {
  const page = await openTab(context)
  const outcome = await page.evaluate(async (url) => {
    const hub = harness.createHub({
      url,
      name: 'broken',
      worker: () => new SharedWorker('/e2e/harness/missing-worker.js', { type: 'module', name: 'broken-worker' }),
    })
    const started = performance.now()
    const error = await harness.errorOf(() => hub.publish('t', 'x'))
    const elapsed = performance.now() - started
    await hub.close()
    return { code: error?.code, elapsed }
  }, broker.url)
  expect(outcome.code).toBe('WORKER_UNAVAILABLE')
  expect(outcome.elapsed).toBeLessThan(10_000) // bounded by the call timeout, never a hang
})

test('a broker that refuses the credentials gives CONNECTION_REFUSED with the reason, backs off, and never shows the password', async ({ context }) => {
  const secured = await startAedesBroker({ port: await freePort(), credentials: { username: 'app', password: 'right' } })
  try {
    const page = await openTab(context)
    const outcome = await page.evaluate(async (url) => {
      const hub = harness.createHub({ url, mqtt: { username: 'app', password: 'hunter2-secret' }, reconnect: { minDelayMs: 200 } })
      const error = await harness.errorOf(() => hub.ready(5_000))
      await new Promise((r) => setTimeout(r, 2_000))
      const status = hub.status
      const last = hub.lastError?.code
      await hub.close()
      return { code: error?.code, message: error?.message ?? '', status, last }
    }, secured.url)
    expect(outcome.code).toBe('CONNECTION_REFUSED')
    expect(outcome.message).toContain('Bad username or password')
    expect(outcome.message).not.toContain('hunter2')
    expect(['offline', 'reconnecting']).toContain(outcome.status)
    expect(outcome.last).toBe('CONNECTION_REFUSED')
    // Backoff, not a tight loop: 200 ms doubling (±25 %) allows about 4 attempts in 2.x s.
    expect(secured.stats().connects).toBe(0)

    const good = await page.evaluate(async (url) => {
      const hub = harness.createHub({ url, name: 'good', mqtt: { username: 'app', password: 'right' } })
      await hub.ready(5_000)
      const status = hub.status
      await hub.close()
      return status
    }, secured.url)
    expect(good).toBe('connected')
  } finally {
    await secured.close()
  }
})

test('a refused broker is retried with a growing delay, not in a tight loop', async ({ context }) => {
  const secured = await startAedesBroker({ port: await freePort(), credentials: { username: 'app', password: 'right' } })
  try {
    const page = await openTab(context)
    const attempts = await page.evaluate(async (url) => {
      const hub = harness.createHub({ url, mqtt: { username: 'app', password: 'wrong' }, reconnect: { minDelayMs: 100, jitter: 0 } })
      let count = 0
      hub.onStatus((s) => { if (s === 'connecting' || s === 'reconnecting') count++ })
      await new Promise((r) => setTimeout(r, 3_000))
      await hub.close()
      return count
    }, secured.url)
    // Delays 100, 200, 400, 800, 1600 ms: at most 5 attempts after the first in 3 s (a tight loop makes hundreds).
    expect(attempts).toBeGreaterThanOrEqual(3)
    expect(attempts).toBeLessThanOrEqual(6)
  } finally {
    await secured.close()
  }
})

test('a broker that is not listening: ready() rejects at the first failed attempt with BROKER_UNREACHABLE, keeps retrying, and connects once the broker comes; a loss later is CONNECTION_LOST', async ({ context }) => {
  const port = await freePort()
  const page = await openTab(context)
  const before = await page.evaluate(async (url) => {
    const hub = harness.hub(await harness.open({ url, reconnect: { minDelayMs: 100, maxDelayMs: 300 }, waitReady: false }))
    const started = performance.now()
    const error = await harness.errorOf(() => hub.ready(20_000))
    const again = await harness.errorOf(() => hub.ready(20_000))
    return { code: error?.code, again: again?.code, message: error?.message ?? '', tookMs: performance.now() - started, last: hub.lastError?.code }
  }, `ws://127.0.0.1:${port}`)
  expect(before.code).toBe('BROKER_UNREACHABLE')
  expect(before.message).toContain(`Cannot reach the broker at ws://127.0.0.1:${port}`)
  // Both rejections came from failed attempts, long before the 20 s timeout.
  expect(before.again).toBe('BROKER_UNREACHABLE')
  expect(before.tookMs).toBeLessThan(10_000)
  expect(before.last).toBe('BROKER_UNREACHABLE')

  let late = await startAedesBroker({ port })
  try {
    await page.evaluate(() => harness.hub().ready(15_000))
    await late.close()
    await expect.poll(() => page.evaluate(() => harness.hub().lastError?.code)).toBe('CONNECTION_LOST')
    late = await startAedesBroker({ port })
    await page.evaluate(() => harness.hub().ready(15_000))
  } finally {
    await page.evaluate(() => harness.hub().close())
    await late.close()
  }
})

test('a tab asking for a connection name already open with other options gets CONFIG_MISMATCH; the first tab is unaffected', async ({ context, broker, prefix }) => {
  const [a, b] = [await openTab(context), await openTab(context)]
  await a.evaluate((url) => harness.open({ url, name: 'orders', mqtt: { keepalive: 30 } }).then(() => {}), broker.url)
  await a.evaluate((f) => harness.subscribe('k', f), `${prefix}/#`)
  const mismatch = await b.evaluate(async (url) => {
    const hub = harness.createHub({ url, name: 'orders', mqtt: { keepalive: 45, password: 'sekret' } })
    const error = await harness.errorOf(() => hub.ready(5_000))
    const later = await harness.errorOf(() => hub.publish('t', 'x'))
    return { code: error?.code, message: error?.message ?? '', later: later?.code, status: hub.status }
  }, broker.url)
  expect(mismatch.code).toBe('CONFIG_MISMATCH')
  expect(mismatch.message).toContain('mqtt.keepalive')
  expect(mismatch.message).not.toContain('sekret')
  expect(mismatch.later).toBe('CONFIG_MISMATCH')
  expect(mismatch.status).toBe('closed')

  await b.evaluate((url) => harness.open({ url, name: 'orders', mqtt: { keepalive: 30 } }).then(() => {}), broker.url)
  await b.evaluate((t) => harness.publish(t, 'same options work'), `${prefix}/x`)
  await expect.poll(() => a.evaluate(() => harness.texts('k'))).toEqual([`${prefix}/x same options work`])
})

test('calls made the moment the worker is terminated settle within the call timeout, never hang, and the hub recovers with a new worker', async ({ context, broker, prefix, sharedWorkers }) => {
  const [a, b] = [await openTab(context), await openTab(context)]
  for (const tab of [a, b]) {
    await tab.evaluate((url) => harness.open({ url, callTimeoutMs: 3_000 }).then(() => {}), broker.url)
    await tab.evaluate((f) => harness.subscribe('k', f, 1), `${prefix}/k`)
  }
  const calls = a.evaluate(async (topic) => {
    const hub = harness.hub()
    // Started while the worker dies: each either reaches the next worker or fails with a clear code.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const timed = async (call: () => Promise<unknown>) => {
      const started = performance.now()
      const error = await harness.errorOf(call)
      return { outcome: error?.code ?? 'ok', ms: Math.round(performance.now() - started) }
    }
    return Promise.all([
      timed(() => hub.metrics()),
      timed(() => hub.publish(topic, 'during', { qos: 0 })),
      timed(() => hub.subscribe(`${topic}/more`, () => {})),
      timed(() => hub.inspect()),
    ])
  }, `${prefix}/k`)
  expect(await sharedWorkers.killAll()).toBe(1)
  const outcomes = await calls
  console.log(`[worker killed] calls in flight: ${outcomes.map((o) => `${o.outcome} in ${o.ms} ms`).join(', ')}`)
  for (const { outcome, ms } of outcomes) {
    expect(['ok', 'WORKER_UNAVAILABLE', 'TIMEOUT']).toContain(outcome)
    expect(ms).toBeLessThanOrEqual(3_500)
  }
  for (const tab of [a, b]) {
    await expect.poll(() => tab.evaluate(() => harness.status()), { timeout: 15_000 }).toBe('connected')
    expect(await tab.evaluate(() => harness.hub().lastError?.code ?? null)).toBe(null)
  }
  expect(await a.evaluate(() => harness.statuses())).toContain('connecting') // it said so while the worker was gone
  await b.evaluate((t) => harness.publish(t, 'after', 1), `${prefix}/k`)
  for (const tab of [a, b]) await expect.poll(() => tab.evaluate(() => harness.texts('k'))).toContain(`${prefix}/k after`)
})
