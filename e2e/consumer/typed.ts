// Not run: type-checked by e2e/consumer.spec.ts with the installed package's declarations. Each
// expected error below fails the check if the types it guards were lost (resolved to any).
import { createHub, HubError, type Hub, type HubMessage, type HubMode } from 'mqtt-hub'
import mqtt, { type IClientOptions, type MqttHubClient } from 'mqtt-hub/compat'
import { createMqttHub, useMqtt } from 'mqtt-hub/vue'

const hub: Hub = createHub({ url: 'ws://127.0.0.1:1883' })
const mode: HubMode = hub.mode
void hub.subscribe('a/+', (message: HubMessage) => console.log(message.topic, message.text(), mode), { qos: 1, exclusive: true })
// @ts-expect-error QoS is 0, 1 or 2
void hub.publish('a/b', 'x', { qos: 3 })
void (new HubError('TIMEOUT', 'x').code satisfies string)

const options: IClientOptions = { username: 'u', password: 'p', keepalive: 30 }
const client: MqttHubClient = mqtt.connect('ws://127.0.0.1:1883', options)
client.on('message', (topic, payload, packet) => console.log(topic, payload.toString(), packet.qos))
client.subscribe('a/#', { qos: 1 }, (error, granted) => console.log(error, granted?.[0]?.qos))
// @ts-expect-error no such event
client.on('outgoingEmpty', () => {})

const plugin = createMqttHub({ url: 'ws://127.0.0.1:1883' })
const { status, onMessage } = useMqtt('alarms', { hub: plugin.hub, idempotent: false })
onMessage((data) => console.log(data, status.value))
// @ts-expect-error status is read-only
status.value = 'closed'
