// mqtt-hub/compat: MQTT.js's `connect(url, options)` over a hub, so that code written for
// MQTT.js moves by changing its import (`import mqtt from 'mqtt-hub/compat'`).
import { MqttHubClient } from './compat-client.ts'
import { mapConnectOptions, type IClientOptions } from './compat-options.ts'

/** Connects (unless `manualConnect`) and returns an MQTT.js-shaped client; bad options throw a HubError. */
export function connect(url: string, options?: IClientOptions): MqttHubClient {
  const { hub, manualConnect, options: resolved } = mapConnectOptions(url, options)
  return new MqttHubClient(hub, resolved, manualConnect)
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

export { MqttHubClient } from './compat-client.ts'
export type {
  ClientSubscribeCallback, EndCallback, IClientPublishOptions, MqttClientEvents, OnMessageCallback, PacketCallback, UnsubscribeCallback,
} from './compat-client.ts'
export { ErrorWithReasonCode, MessagePayload } from './compat-packets.ts'
export type {
  IConnackPacket, IOutgoingPublishPacket, IPubackPacket, IPublishPacket, IPubrelPacket, ISubackPacket, ISubscribePacket, ISubscriptionGrant,
  IUnsubackPacket, IUnsubscribePacket, Packet,
} from './compat-packets.ts'
export type { IClientSubscribeOptions, ISubscriptionMap } from './compat-subscriptions.ts'
export type { IClientOptions, ResolvedClientOptions } from './compat-options.ts'
export { HubError, isHubError, type HubErrorCode } from './errors.ts'

export default { connect, connectAsync }
