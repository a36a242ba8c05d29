// MQTT.js connect options, mapped to hub options: what the hub does the same way is passed on,
// what it makes moot is accepted and ignored (README says why), the rest is refused by name.
import { HubError } from './errors.ts'
import { record } from './options.ts'
import type { MqttConnectOptions } from './public-types.ts'
import type { HubOptions } from './types.ts'

/**
 * The MQTT.js options mqtt-hub understands (names and meaning as in MQTT.js's IClientOptions):
 * the connect options a hub takes anyway, and these.
 */
export interface IClientOptions extends MqttConnectOptions {
  /** The first delay before reconnecting; the hub then backs off (with jitter) up to `hub.reconnect.maxDelayMs`. 0 is refused. */
  reconnectPeriod?: number
  /** Don't connect until `client.connect()`. */
  manualConnect?: boolean
  /** Accepted for MQTT.js code; the hub always restores subscriptions and queues while offline. */
  resubscribe?: true
  queueQoSZero?: true
  reschedulePings?: boolean
  protocolId?: 'MQTT'
  /** What only the hub has: the connection name, outbox limits, reconnect caps, worker. */
  hub?: Omit<HubOptions, 'url' | 'mqtt'>
}

const PASSED_ON = ['clientId', 'username', 'password', 'keepalive', 'clean', 'protocolVersion', 'connectTimeout', 'will', 'properties'] as const
const ACCEPTED = new Set(['reconnectPeriod', 'manualConnect', 'resubscribe', 'queueQoSZero', 'reschedulePings', 'protocolId', 'hub'])

/** Options MQTT.js has and the hub cannot honour, with the reason users see. */
const REFUSED: Record<string, string> = {
  protocol: 'give the broker as a ws:// or wss:// url',
  host: 'give the broker as a ws:// or wss:// url',
  hostname: 'give the broker as a ws:// or wss:// url',
  port: 'give the broker as a ws:// or wss:// url',
  path: 'give the broker as a ws:// or wss:// url',
  servers: "give a cluster's nodes to createHub as url: [...] (ws:// or wss:// URLs)",
  wsOptions: 'the worker opens the WebSocket itself',
  transformWsUrl: 'functions cannot reach the worker; compute the url first',
  createWebsocket: 'the worker opens the WebSocket itself',
  customHandleAcks: 'the hub acknowledges in the worker, never while a tab works',
  incomingStore: 'the hub keeps QoS 1/2 messages in its own IndexedDB outbox',
  outgoingStore: 'the hub keeps QoS 1/2 messages in its own IndexedDB outbox',
  messageIdProvider: 'the hub assigns packet ids',
  autoUseTopicAlias: 'not supported by the hub',
  autoAssignTopicAlias: 'not supported by the hub',
  reconnectOnConnackError: 'the hub reports a refused CONNACK as an error',
  timerVariant: 'the worker runs its own timers',
  unixSocket: 'browsers connect over WebSocket only',
  ca: 'TLS is the browser\'s: use wss://',
  cert: 'TLS is the browser\'s: use wss://',
  key: 'TLS is the browser\'s: use wss://',
  rejectUnauthorized: 'TLS is the browser\'s: use wss://',
}

export interface MappedOptions {
  hub: HubOptions
  manualConnect: boolean
}

export function mapConnectOptions(url: string, options: IClientOptions = {}): MappedOptions {
  const o = record(options, 'connect options')
  for (const key of Object.keys(o)) {
    if (o[key] === undefined || PASSED_ON.includes(key as (typeof PASSED_ON)[number]) || ACCEPTED.has(key)) continue
    const reason = REFUSED[key]
    throw new HubError('INVALID_OPTIONS', reason ? `MQTT.js option ${key} is not supported by mqtt-hub: ${reason}` : `Unknown connect option ${key}`)
  }
  if (o.resubscribe === false) throw new HubError('INVALID_OPTIONS', 'resubscribe: false is not supported: the hub restores every subscription after a reconnect')
  if (o.queueQoSZero === false) throw new HubError('INVALID_OPTIONS', 'queueQoSZero: false is not supported: the hub queues QoS 0 publishes while offline')
  if (o.protocolId !== undefined && o.protocolId !== 'MQTT') throw new HubError('INVALID_OPTIONS', 'protocolId must be MQTT (MQTT 3.1 is not supported)')
  const mqtt = Object.fromEntries(PASSED_ON.filter((key) => o[key] !== undefined).map((key) => [key, o[key]]))
  const hub = { ...(o.hub === undefined ? {} : record(o.hub, 'hub options')) } as Omit<HubOptions, 'url' | 'mqtt'>
  if (o.reconnectPeriod !== undefined) {
    if (typeof o.reconnectPeriod !== 'number' || !(o.reconnectPeriod > 0)) {
      throw new HubError('INVALID_OPTIONS', 'reconnectPeriod must be a positive number of milliseconds: the hub always reconnects the connection every tab shares')
    }
    hub.reconnect = { ...hub.reconnect, minDelayMs: o.reconnectPeriod }
  }
  return { hub: { ...hub, url, mqtt }, manualConnect: o.manualConnect === true }
}
