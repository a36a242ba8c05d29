// One MQTT.js connection in this tab: what apps do today.
import mqtt, { type MqttClient } from 'mqtt'
import type { Transport } from './bench-page.ts'

export function directTransport(): Transport {
  let client: MqttClient | undefined
  let handler: (payload: Uint8Array) => void = () => {}
  return {
    async connect(url) {
      client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 15_000 })
      client.on('message', (_topic, payload) => handler(payload))
    },
    async subscribe(filter, onPayload) {
      handler = onPayload
      await client!.subscribeAsync(filter, { qos: 0 })
    },
    async publish(topic, payload, qos) {
      await client!.publishAsync(topic, payload as Buffer, { qos })
    },
  }
}
