// The tab side is what every page downloads: it must never pull in MQTT.js (about 105 kB
// gzipped, not tree-shakeable), and it has a size budget, the way size-limit guards a bundle.
import { describe, expect, it } from 'vitest'
import { measureTabBundle } from '../scripts/tab-size.mjs'

describe('tab bundle', () => {
  it('holds no MQTT.js and stays under 9.5 kB gzipped; MQTT.js lives in the worker chunk', async () => {
    const size = await measureTabBundle()
    console.log(`tab bundle: ${size.tabBytes} B minified, ${size.tabGzipBytes} B gzipped; worker: ${size.workerGzipBytes} B gzipped`)
    // Strings MQTT.js and mqtt-packet carry in their code.
    expect(size.tabCode).not.toMatch(/MqttClient|connackTimer|mqttjs_/)
    // 6.0 kB for the core, 7.0 with exclusive handlers and the outbox, 8.2 with events, streams,
    // request/response and flow control, 9.1 with options that refuse unknown keys and handler
    // errors as HubError: raise it only for a feature, and say which.
    expect(size.tabGzipBytes).toBeLessThan(9.5 * 1024)
    expect(size.workerGzipBytes).toBeGreaterThan(50 * 1024) // the worker does carry MQTT.js
  })
})
