// A page with `mqtt` bound to mqtt-hub/compat, as an app that changed `import mqtt from 'mqtt'`
// would have it: e2e/hub-compat.spec.ts runs MQTT.js code in it unchanged.
import mqtt, { type MqttHubClient } from '../../src/compat.ts'

declare global {
  interface Window {
    mqtt: typeof mqtt
    /** What the test's MQTT.js code saw, in order. */
    log: string[]
    client: MqttHubClient
  }
}

// Options the test's broker needs of every hub (e2e/fixtures.ts), as an app would pass them.
const hubOptions = (window as { hubTestOptions?: object }).hubTestOptions ?? {}
window.mqtt = Object.assign(Object.create(mqtt) as typeof mqtt, {
  connect: ((url: string, options: Parameters<typeof mqtt.connect>[1] = {}) =>
    mqtt.connect(url, { ...options, hub: { ...hubOptions, ...options.hub } })) as typeof mqtt.connect,
})
window.log = []
document.getElementById('state')!.textContent = 'ready'
