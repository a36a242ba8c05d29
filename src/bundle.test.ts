// The tab side is what every page downloads: it must never pull in MQTT.js (about 105 kB
// gzipped, not tree-shakeable), and it has a size budget, the way size-limit guards a bundle.
import { describe, expect, it } from 'vitest'
import { measureTabBundle } from '../scripts/tab-size.mjs'

describe('tab bundle', () => {
  it('holds no MQTT.js and stays under 10.25 kB gzipped; MQTT.js lives in the worker chunk', async () => {
    const size = await measureTabBundle()
    console.log(`tab bundle: ${size.tabBytes} B minified, ${size.tabGzipBytes} B gzipped; worker: ${size.workerGzipBytes} B gzipped`)
    // Strings MQTT.js and mqtt-packet carry in their code.
    expect(size.tabCode).not.toMatch(/MqttClient|connackTimer|mqttjs_/)
    // 6.0 kB for the core, 7.0 with exclusive handlers and the outbox, 8.2 with events, streams,
    // request/response and flow control, 9.1 with options that refuse unknown keys and handler
    // errors as HubError: raise it only for a feature, and say which.
    expect(size.tabGzipBytes).toBeLessThan(10.25 * 1024)
    expect(size.workerGzipBytes).toBeGreaterThan(50 * 1024) // the worker does carry MQTT.js
  })

  it('reports what each entry loads at start, each within its budget, none with MQTT.js', async () => {
    const size = await measureTabBundle()
    console.log(`at start, gzipped: ${Object.entries(size.entries).map(([name, bytes]) => `${name} ${bytes} B`).join(', ')}`)
    expect(size.coreCode).not.toMatch(/MqttClient|connackTimer|mqttjs_/)
    // An app using only createHub, subscribe, publish, status, ready and close; the whole API
    // is one class, so it pays for nearly all of it.
    expect(size.entries['core app']).toBeLessThan(10 * 1024)
    expect(size.entries['mqtt-hub/compat']).toBeLessThan(14 * 1024)
    expect(size.entries['mqtt-hub/vue']).toBeLessThan(10.5 * 1024)
  })
})
