// A tab whose main thread is blocked reads nothing from its port. The worker must neither hold
// back the other tabs nor keep every message for the frozen one: its queue is bounded, QoS 0
// overflow drops the oldest (counted, reported to the tab when it wakes up), and the worker's heap
// stays bounded under a burst of 100,000 messages (read through CDP).
import mqtt from 'mqtt'
import { expect, openTab, test } from './fixtures.ts'

declare const harness: Window['harness']

const BURST = 100_000
const PAYLOAD = 'p'.repeat(256)
const FREEZE_MS = 20_000

interface Counted { count: number; last: number; at: number; errors: string[] }
declare const counted: Counted // set on each page's window by the test

test.setTimeout(120_000)

test('a frozen tab does not delay the others, and 100,000 messages to it keep the worker\'s memory bounded', async ({ context, broker, prefix, sharedWorkers }) => {
  const topic = `${prefix}/burst`
  const [frozen, reader] = [await openTab(context), await openTab(context)]
  for (const tab of [frozen, reader]) {
    await tab.evaluate(async ({ url, topic }) => {
      const state: Counted = { count: 0, last: -1, at: 0, errors: [] }
      Object.assign(window, { counted: state })
      await harness.open({ url })
      const hub = harness.hub()
      hub.onError((error) => state.errors.push(`${(error as { code?: string }).code}: ${(error as Error).message}`))
      await hub.subscribe(topic, (m) => {
        state.count++
        state.last = Number(m.text().slice(0, m.text().indexOf(' ')))
        state.at = Date.now()
      })
    }, { url: broker.url, topic })
  }
  const baseline = await sharedWorkers.heapUsed(true)

  // Block the tab's main thread (the page's own code does this: a long loop, a huge render).
  const frozenUntil = await frozen.evaluate((ms) => {
    const until = Date.now() + ms
    setTimeout(() => { while (Date.now() < until); }, 0)
    return until
  }, FREEZE_MS)

  const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
  const started = Date.now()
  for (let n = 0; n < BURST; n++) publisher.publish(topic, `${n} ${PAYLOAD}`)
  let peak = baseline
  const sampling = (async () => {
    while (Date.now() < frozenUntil - 1_000) {
      peak = Math.max(peak, await sharedWorkers.heapUsed())
      if ((await reader.evaluate(() => counted.count)) === BURST) return
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()
  await sampling
  await publisher.endAsync()

  // The reading tab got every message while the other was still frozen.
  const read = await reader.evaluate(() => counted)
  expect(read.count).toBe(BURST)
  expect(read.at).toBeLessThan(frozenUntil)
  // What the worker keeps for the frozen tab, garbage collected (the peak above includes garbage).
  const held = await sharedWorkers.heapUsed(true)
  expect(Date.now()).toBeLessThan(frozenUntil)
  console.log(`[stalled tab] ${BURST} messages of ${PAYLOAD.length + 6} B read by the other tab in ${read.at - started} ms while one tab was frozen`)

  // The frozen tab wakes up: it gets the newest messages, in order, and hears how many it lost.
  await expect.poll(() => frozen.evaluate(() => counted.errors.length), { timeout: FREEZE_MS + 10_000 }).toBe(1)
  // The report of the drop can come ahead of the last batches the tab still gets.
  await expect.poll(() => frozen.evaluate(() => counted.last), { timeout: 10_000 }).toBe(BURST - 1)
  const metrics = await frozen.evaluate(() => harness.hub().metrics())
  const woke = await frozen.evaluate(() => counted)
  expect(woke.last).toBe(BURST - 1)
  expect(woke.count + metrics.delivery.dropped.qos0).toBe(BURST)
  expect(woke.count).toBeLessThanOrEqual(10_000 + 2_000) // the queue and the window
  expect(woke.errors[0]).toMatch(/^MESSAGES_DROPPED: \d+ messages for this tab were dropped/)
  expect(metrics.delivery.stalls).toBe(1)
  expect((await reader.evaluate(() => harness.hub().metrics())).delivery.dropped).toEqual({ qos0: 0, qos12: 0 })

  const after = await sharedWorkers.heapUsed(true)
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
  console.log(`[stalled tab] worker heap: ${mb(baseline)} MB before, ${mb(held)} MB held while the tab was frozen after the burst `
    + `(${mb(peak)} MB with garbage at most), ${mb(after)} MB after; frozen tab got ${woke.count}, ${metrics.delivery.dropped.qos0} dropped`)
  // Kept for the frozen tab, unbounded, the burst alone would be over 26 MB of payload.
  expect(held - baseline).toBeLessThan(12 * 1024 * 1024)
  expect(after - baseline).toBeLessThan(4 * 1024 * 1024)
})
