// mqtt-hub/compat: MQTT.js's `connect(url, options)` over a hub, so that code written for
// MQTT.js moves by changing its import (`import mqtt from 'mqtt-hub/compat'`).
import { MqttHubClient } from './compat-client.ts'
import { mapConnectOptions, type IClientOptions } from './compat-options.ts'

/** Connects (unless `manualConnect`) and returns an MQTT.js-shaped client; bad options throw a HubError. */
export function connect(url: string, options?: IClientOptions): MqttHubClient {
  const { hub, manualConnect } = mapConnectOptions(url, options)
  return new MqttHubClient(hub, manualConnect)
}

/** Resolves once connected; rejects with the first error (refused, timed out) as MQTT.js's connectAsync does. */
export async function connectAsync(url: string, options?: IClientOptions): Promise<MqttHubClient> {
  const client = connect(url, options)
  try {
    await client.hub.ready()
  } catch (error) {
    await client.endAsync()
    throw error
  }
  return client
}

export { MqttHubClient, MessagePayload } from './compat-client.ts'
export type {
  ClientSubscribeCallback, IClientPublishOptions, IClientSubscribeOptions, IConnackPacket, IPublishPacket, ISubscriptionGrant,
  ISubscriptionMap, MqttClientEvents, OnMessageCallback, PacketCallback,
} from './compat-client.ts'
export type { IClientOptions } from './compat-options.ts'
export { HubError, isHubError, type HubErrorCode } from './errors.ts'

/** `import mqtt from 'mqtt-hub/compat'`: MQTT.js's `mqtt.connect()` and `mqtt.connectAsync()`, over the shared connection. */
export default { connect, connectAsync }
