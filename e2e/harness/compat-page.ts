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

window.mqtt = mqtt
window.log = []
document.getElementById('state')!.textContent = 'ready'
