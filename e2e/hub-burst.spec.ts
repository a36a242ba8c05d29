// A broker faster than a tab: a burst of small QoS 0 messages into two tabs that keep reading.
// Every message reaches both (only a tab that stops confirming may lose the oldest), and the
// worker's heap stays within its per-tab byte budget. Runs once per protocol version.
import mqtt from 'mqtt'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'

declare const harness: Window['harness']
declare const counted: { count: number; last: number; order: boolean } // set on each page's window by the test

const PAYLOAD = 'p'.repeat(100)
const MB = 1024 * 1024
/** The default burst budget (32 MiB) and window (4 MiB) of each of the two tabs, and room for MQTT.js's buffers. */
const HEAP_BOUND = 2 * (32 + 4) * MB + 16 * MB

for (const burst of [20_000, 100_000]) {
  test(`a burst of ${burst.toLocaleString('en')} QoS 0 messages of 100 B reaches both of two reading tabs in full, with the worker heap bounded`, async ({ openTab, broker, protocolVersion, prefix, sharedWorkers }) => {
    test.setTimeout(180_000)
    const topic = `${prefix}/burst`
    const tabs: Page[] = [await openTab(), await openTab()]
    for (const tab of tabs) {
      await tab.evaluate(async ({ url, topic, protocolVersion }) => {
        const state = { count: 0, last: -1, order: true }
        Object.assign(window, { counted: state })
        await harness.open({ url, mqtt: { protocolVersion } })
        await harness.hub().subscribe(topic, (m) => {
          const n = m.payload[0]! | (m.payload[1]! << 8) | (m.payload[2]! << 16)
          if (n !== state.last + 1) state.order = false
          state.last = n
          state.count++
        })
      }, { url: broker.url, topic, protocolVersion })
    }
    const baseline = await sharedWorkers.heapUsed(true)

    // Straight over TCP where the broker has it, as fast as the broker takes them.
    const publisher = await mqtt.connectAsync(broker.tcpUrl ?? broker.url, { reconnectPeriod: 0 })
    const payload = Buffer.from(PAYLOAD)
    const started = Date.now()
    for (let n = 0; n < burst; n++) {
      const message = Buffer.from(payload)
      message.writeUIntLE(n, 0, 3)
      publisher.publish(topic, message)
    }
    let peak = baseline
    const counts = () => Promise.all(tabs.map((tab) => tab.evaluate(() => counted.count)))
    // Until both have all, or nothing arrived for 10 s; the pause samples the heap, it waits for nothing.
    for (let last = '', quietSince = Date.now(); Date.now() - quietSince < 10_000;) {
      const now = await counts()
      if (now.every((count) => count === burst)) break
      if (now.join() !== last) [last, quietSince] = [now.join(), Date.now()]
      peak = Math.max(peak, await sharedWorkers.heapUsed())
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const elapsed = Date.now() - started
    await publisher.endAsync()
    const traffic = await tabs[0]!.evaluate(() => harness.hub().metrics().then((m) => ({ in: m.traffic.messagesIn, dropped: m.delivery.dropped })))
    console.log(`[${test.info().project.name}] burst of ${burst}: the worker received ${traffic.in}; tab 1 dropped ${JSON.stringify(traffic.dropped)}`)

    for (const tab of tabs) {
      expect(await tab.evaluate(() => counted)).toEqual({ count: burst, last: burst - 1, order: true })
      expect((await tab.evaluate(() => harness.hub().metrics())).delivery.dropped).toEqual({ qos0: 0, qos12: 0 })
    }
    const mb = (bytes: number) => (bytes / MB).toFixed(1)
    console.log(`[${test.info().project.name}] burst of ${burst} x ${PAYLOAD.length} B: both tabs got all in ${elapsed} ms `
      + `(${Math.round(burst / (elapsed / 1000))} msg/s per tab); worker heap ${mb(baseline)} MB before, ${mb(peak)} MB at most (garbage included)`)
    expect(peak - baseline).toBeLessThan(HEAP_BOUND)
  })
}
