// MQTT.js itself and mqtt-hub/compat in one page, under one name each: e2e/hub-compat-mqttjs.spec.ts
// runs the same test bodies against both, MQTT.js being the control (what compat must match).
import mqttjs from 'mqtt'
import compat from '../../src/compat.ts'

/** The libraries a test body can pick; both are driven through compat's (MQTT.js-shaped) types. */
export type MqttLibraryName = 'mqtt.js' | 'compat'

declare global {
  interface Window {
    libraries: Record<MqttLibraryName, typeof compat>
  }
}

window.libraries = { 'mqtt.js': mqttjs as unknown as typeof compat, compat }
document.getElementById('state')!.textContent = 'ready'
