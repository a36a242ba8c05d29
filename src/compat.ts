// mqtt-hub/compat: MQTT.js's `connect(url, options)` over a hub, so that code written for
// MQTT.js moves by changing its import (`import mqtt from 'mqtt-hub/compat'`).
import { MqttHubClient } from './compat-client.ts'
import { mapConnectOptions, type IClientOptions } from './compat-options.ts'
import { HubError } from './errors.ts'

/** Connects (unless `manualConnect`) and returns an MQTT.js-shaped client; bad options throw a HubError. */
export function connect(url: string, options?: IClientOptions): MqttHubClient {
  const { hub, manualConnect, options: resolved } = mapConnectOptions(url, options)
  return new MqttHubClient(hub, resolved, manualConnect)
}

/**
 * As MQTT.js's connectAsync: resolves with the client once connected (or ended), rejects with the
 * first error (a refused CONNACK) and ends the client; `allowRetries: false` also rejects when the
 * first attempt fails.
 */
export function connectAsync(url: string, options?: IClientOptions, allowRetries = true): Promise<MqttHubClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, options)
    const settle = (outcome: () => void): void => {
      client.off('connect', resolved).off('end', resolved).off('error', failed).off('close', closed)
      outcome()
    }
    const resolved = (): void => settle(() => resolve(client))
    const failed = (error: Error): void => settle(() => {
      client.end()
      reject(error)
    })
    const closed = (): void => failed(new HubError('CONNECTION_LOST', "Couldn't connect to server"))
    client.on('connect', resolved).on('end', resolved).on('error', failed)
    if (!allowRetries) client.on('close', closed)
  })
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

/** `import mqtt from 'mqtt-hub/compat'`: MQTT.js's `mqtt.connect()` and `mqtt.connectAsync()`, over the shared connection. */
export default { connect, connectAsync }
