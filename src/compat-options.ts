// MQTT.js connect options, mapped to hub options: what the hub does the same way is passed on,
// what it makes moot is accepted and ignored (docs/migrating.md says why), the rest is refused by name.
import { HubError } from './errors.ts'
import { record } from './options.ts'
import type { MqttConnectOptions } from './public-types.ts'
import type { HubOptions } from './types.ts'

/**
 * The MQTT.js options mqtt-hub understands (names and meaning as in MQTT.js's IClientOptions):
 * the connect options a hub takes anyway, and these.
 */
export interface IClientOptions extends MqttConnectOptions {
  /** Milliseconds between reconnect attempts, fixed as in MQTT.js; 0: do not reconnect. Absent: the hub's backoff. */
  reconnectPeriod?: number
  /** Don't connect until `client.connect()`. */
  manualConnect?: boolean
  /** false: a QoS 0 publish while not connected calls back with an error instead of waiting. */
  queueQoSZero?: boolean
  /** true: after a refused CONNACK keep trying (MQTT.js stops by default). */
  reconnectOnConnackError?: boolean
  /** Accepted for MQTT.js code; the hub always restores subscriptions. */
  resubscribe?: true
  reschedulePings?: boolean
  protocolId?: 'MQTT'
  /** Accepted and moot: the worker's WebSocket always carries binary frames. */
  encoding?: 'binary'
  /** What only the hub has: the connection name, outbox limits, reconnect caps, worker. */
  hub?: Omit<HubOptions, 'url' | 'mqtt'>
}

/** `client.options`: what was given, with MQTT.js's defaults and the parts of the url. */
export interface ResolvedClientOptions extends Omit<IClientOptions, 'hub'> {
  keepalive: number
  reschedulePings: boolean
  protocolId: 'MQTT'
  protocolVersion: 4 | 5
  reconnectPeriod: number
  connectTimeout: number
  clean: boolean
  resubscribe: true
  queueQoSZero: boolean
  protocol: 'ws' | 'wss'
  hostname: string
  port: number
  path: string
}

const PASSED_ON = ['clientId', 'username', 'password', 'keepalive', 'clean', 'protocolVersion', 'connectTimeout', 'will', 'properties'] as const
const ACCEPTED = new Set(['reconnectPeriod', 'manualConnect', 'resubscribe', 'queueQoSZero', 'reconnectOnConnackError', 'reschedulePings', 'protocolId', 'encoding', 'hub'])

/** MQTT.js's own defaults (client.ts defaultConnectOptions), as `client.options` shows them. */
const MQTTJS_DEFAULTS = {
  keepalive: 60, reschedulePings: true, protocolId: 'MQTT', protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 30_000, clean: true,
  resubscribe: true, queueQoSZero: true,
} as const

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
  autoUseTopicAlias: 'the hub uses the topic aliases the broker offers by itself',
  autoAssignTopicAlias: 'the hub uses the topic aliases the broker offers by itself',
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
  options: ResolvedClientOptions
}

export function mapConnectOptions(url: string, options: IClientOptions = {}): MappedOptions {
  const o = record(options, 'connect options')
  for (const key of Object.keys(o)) {
    if (o[key] === undefined || PASSED_ON.includes(key as (typeof PASSED_ON)[number]) || ACCEPTED.has(key)) continue
    const reason = REFUSED[key]
    throw new HubError('INVALID_OPTIONS', reason ? `MQTT.js option ${key} is not supported by mqtt-hub: ${reason}` : `Unknown connect option ${key}`)
  }
  // One connection serves every tab: its subscriptions are restored for all of them, or for none.
  if (o.resubscribe === false) throw new HubError('INVALID_OPTIONS', 'resubscribe: false is not supported: the hub restores every subscription of the shared connection after a reconnect')
  if (o.protocolId !== undefined && o.protocolId !== 'MQTT') throw new HubError('INVALID_OPTIONS', 'protocolId must be MQTT (MQTT 3.1 is not supported)')
  if (o.encoding !== undefined && o.encoding !== 'binary') throw new HubError('INVALID_OPTIONS', 'encoding must be binary')
  if (o.connectTimeout === 0) {
    // MQTT.js takes 0 and times out at once ('connack timeout'): no client connects with it.
    throw new HubError('INVALID_OPTIONS', 'connectTimeout: 0 would time out before any CONNACK (MQTT.js never connects with it); give milliseconds')
  }
  for (const key of ['queueQoSZero', 'reconnectOnConnackError', 'manualConnect'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new HubError('INVALID_OPTIONS', `${key} must be a boolean`)
  }
  const mqtt = Object.fromEntries(PASSED_ON.filter((key) => o[key] !== undefined).map((key) => [key, o[key]]))
  const hub = { ...(o.hub === undefined ? {} : record(o.hub, 'hub options')) } as Omit<HubOptions, 'url' | 'mqtt'>
  if (o.reconnectPeriod !== undefined) {
    if (typeof o.reconnectPeriod !== 'number' || !Number.isFinite(o.reconnectPeriod) || o.reconnectPeriod < 0) {
      throw new HubError('INVALID_OPTIONS', 'reconnectPeriod must be a number of milliseconds (0: do not reconnect)')
    }
    // A fixed period, as MQTT.js code expects; 0 is the client's business (it stops using the hub).
    if (o.reconnectPeriod > 0) {
      const period = o.reconnectPeriod
      hub.reconnect = { ...hub.reconnect, minDelayMs: period, maxDelayMs: period, factor: 1, jitter: 0 }
    }
  }
  const { hub: _hub, ...given } = o as IClientOptions
  return { hub: { ...hub, url, mqtt }, manualConnect: o.manualConnect === true, options: { ...MQTTJS_DEFAULTS, ...given, ...urlParts(url) } }
}

/** The url as MQTT.js splits it into options; a bad url is refused later by the hub, with its reason. */
function urlParts(url: string): Pick<ResolvedClientOptions, 'protocol' | 'hostname' | 'port' | 'path'> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { protocol: 'ws', hostname: '', port: 0, path: '' }
  }
  const protocol = parsed.protocol === 'wss:' ? 'wss' : 'ws'
  const port = parsed.port === '' ? (protocol === 'wss' ? 443 : 80) : Number(parsed.port)
  return { protocol, hostname: parsed.hostname, port, path: parsed.pathname }
}
