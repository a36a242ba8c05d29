// Checks what a caller passes in, in the tab, before anything crosses to the worker.
import { DEFAULTS } from './defaults.ts'
import { HubError } from './errors.ts'
import type { ExclusiveSpec, MqttConnectOptions, OutboxLimits, QoS, QueueLimits, ReconnectOptions } from './public-types.ts'
import { validateTopicName } from './topic.ts'


/** The largest payload an MQTT packet can carry, less room for the header and topic. */
export const MAX_PAYLOAD_BYTES = 268_435_455 - 65_542

/** Every key `createHub()` takes (HubOptions). */
const HUB_KEYS = new Set(['url', 'name', 'mqtt', 'reconnect', 'outbox', 'queue', 'maxPayloadBytes', 'lingerMs', 'callTimeoutMs', 'worker', 'maxIncomingPacketBytes', 'minSubscriptionQos'])

/** createHub()'s options as an object whose every key is known: nothing a caller passes is silently dropped. */
export function checkHubOptions(options: unknown): Record<string, unknown> {
  const o = record(options, 'options')
  for (const key of Object.keys(o)) {
    if (HUB_KEYS.has(key)) continue
    // MQTT.js habits: say where they go.
    const moved = MQTT_KEYS.has(key as keyof MqttConnectOptions) ? `mqtt.${key}` : key === 'reconnectPeriod' ? 'reconnect: { minDelayMs, maxDelayMs }' : key === 'servers' ? 'url: [url1, url2]' : ''
    throw new HubError('INVALID_OPTIONS', `${key} is not a createHub() option${moved && `: use ${moved}`}`)
  }
  return o
}

const MQTT_KEYS = new Set<keyof MqttConnectOptions>([
  'clientId', 'username', 'password', 'keepalive', 'clean', 'protocolVersion', 'connectTimeout', 'will', 'properties',
])

export function checkQos(qos: unknown): QoS {
  if (qos === undefined) return 0
  if (qos === 0 || qos === 1 || qos === 2) return qos
  throw new HubError('INVALID_QOS', `QoS must be 0, 1 or 2, got ${describeValue(qos)}`)
}

export function checkPayload(payload: unknown, max = MAX_PAYLOAD_BYTES): string | Uint8Array {
  if (typeof payload === 'string') {
    // A UTF-16 unit takes at most 3 UTF-8 bytes: only count exactly when it could be too long.
    if (payload.length * 3 > max && new TextEncoder().encode(payload).byteLength > max) {
      throw new HubError('INVALID_PAYLOAD', `Payload must be at most ${max} bytes (maxPayloadBytes)`)
    }
    return payload
  }
  if (payload instanceof Uint8Array) {
    if (payload.byteLength > max) {
      throw new HubError('INVALID_PAYLOAD', `Payload must be at most ${max} bytes (maxPayloadBytes), got ${payload.byteLength}`)
    }
    return payload
  }
  throw new HubError('INVALID_PAYLOAD', `Payload must be a string or a Uint8Array, got ${describeValue(payload)}`)
}

export function checkUrl(url: unknown): string {
  if (typeof url !== 'string') throw new HubError('INVALID_URL', `url must be a ws:// or wss:// URL string, got ${describeValue(url)}`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new HubError('INVALID_URL', 'url is not a valid URL; expected ws://host:port/path or wss://...')
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new HubError('INVALID_URL', `url must use ws: or wss:, got ${parsed.protocol}`)
  }
  return url
}

/** The URLs of one broker or of a cluster's nodes, tried in turn: one string or a non-empty list. */
export function checkUrls(value: unknown): string[] {
  if (!Array.isArray(value)) return [checkUrl(value)]
  if (value.length === 0) throw new HubError('INVALID_URL', 'url must be one URL or a non-empty list of URLs')
  return value.map(checkUrl)
}

/** What MQTT can encode: a 5-byte fixed header and a 268,435,455-byte remaining length. */
const MAX_PACKET_BYTES = 268_435_460

export function checkMaxIncomingPacket(value: unknown): number {
  if (value === undefined) return DEFAULTS.maxIncomingPacketBytes
  if (!isInteger(value, 64, MAX_PACKET_BYTES)) throw new HubError('INVALID_OPTIONS', `maxIncomingPacketBytes must be an integer from 64 to ${MAX_PACKET_BYTES}`)
  return value as number
}

export function checkName(name: unknown): string {
  if (name === undefined) return DEFAULTS.name
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new HubError('INVALID_OPTIONS', `name must be a string of 1 to 200 characters, got ${describeValue(name)}`)
  }
  return name
}

export function checkMqttOptions(options: unknown): MqttConnectOptions {
  if (options === undefined) return {}
  const o = record(options, 'mqtt')
  for (const key of Object.keys(o)) {
    if (!MQTT_KEYS.has(key as keyof MqttConnectOptions)) {
      throw new HubError('INVALID_OPTIONS', `mqtt.${key} is not a supported option${key === 'reconnectPeriod' ? ': use reconnect: { minDelayMs, maxDelayMs }' : ''}`)
    }
  }
  for (const key of ['clientId', 'username', 'password'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') throw new HubError('INVALID_OPTIONS', `mqtt.${key} must be a string`)
  }
  if (o.keepalive !== undefined && !isInteger(o.keepalive, 0, 65_535)) {
    throw new HubError('INVALID_OPTIONS', 'mqtt.keepalive must be an integer number of seconds from 0 to 65535')
  }
  if (o.connectTimeout !== undefined && !isInteger(o.connectTimeout, 1, 600_000)) {
    throw new HubError('INVALID_OPTIONS', 'mqtt.connectTimeout must be a number of milliseconds from 1 to 600000')
  }
  if (o.clean !== undefined && typeof o.clean !== 'boolean') throw new HubError('INVALID_OPTIONS', 'mqtt.clean must be a boolean')
  if (o.clientId === '' && o.clean === false) throw new HubError('INVALID_OPTIONS', 'mqtt.clientId must not be empty when clean is false [MQTT-3.1.3-8]')
  if (o.protocolVersion !== undefined && o.protocolVersion !== 4 && o.protocolVersion !== 5) {
    throw new HubError('INVALID_OPTIONS', 'mqtt.protocolVersion must be 4 (MQTT 3.1.1) or 5')
  }
  if (o.properties !== undefined) record(o.properties, 'mqtt.properties')
  if (o.will !== undefined) {
    const will = record(o.will, 'mqtt.will')
    validateTopicName(will.topic as string)
    checkPayload(will.payload)
    checkQos(will.qos)
    if (will.retain !== undefined && typeof will.retain !== 'boolean') throw new HubError('INVALID_OPTIONS', 'mqtt.will.retain must be a boolean')
  }
  return o as MqttConnectOptions
}

export function checkReconnectOptions(options: unknown): ReconnectOptions {
  if (options === undefined) return DEFAULTS.reconnect
  const o = { ...DEFAULTS.reconnect, ...record(options, 'reconnect') }
  for (const [key, value] of Object.entries(o)) {
    if (!(key in DEFAULTS.reconnect)) throw new HubError('INVALID_OPTIONS', `reconnect.${key} is not a supported option`)
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new HubError('INVALID_OPTIONS', `reconnect.${key} must be a non-negative number`)
    }
  }
  if (o.factor < 1 || o.jitter > 1 || o.minDelayMs > o.maxDelayMs) {
    throw new HubError('INVALID_OPTIONS', 'reconnect needs factor >= 1, jitter <= 1 and minDelayMs <= maxDelayMs')
  }
  return o
}



export function checkOutboxLimits(options: unknown): OutboxLimits {
  return checkLimits(options, 'outbox', DEFAULTS.outbox)
}

export function checkQueueLimits(options: unknown): QueueLimits {
  return checkLimits(options, 'queue', DEFAULTS.queue)
}

/** Both limits have the same shape: a number of messages and of bytes. */
function checkLimits(options: unknown, what: string, defaults: QueueLimits): QueueLimits {
  if (options === undefined) return defaults
  const o = { ...defaults, ...record(options, what) }
  for (const [key, value] of Object.entries(o)) {
    if (!(key in defaults)) throw new HubError('INVALID_OPTIONS', `${what}.${key} is not a supported option`)
    if (!isInteger(value, 1, Number.MAX_SAFE_INTEGER)) throw new HubError('INVALID_OPTIONS', `${what}.${key} must be a positive integer`)
  }
  return o
}

/** The exclusive part of subscribe options, or undefined for an ordinary subscription. */
export function checkExclusive(o: Record<string, unknown>, filter: string): ExclusiveSpec | undefined {
  const { exclusive, group, balance = DEFAULTS.exclusive.balance, timeoutMs = DEFAULTS.exclusive.timeoutMs, retries = DEFAULTS.exclusive.retries } = o
  if (exclusive === undefined || exclusive === false) {
    if (group !== undefined) throw new HubError('INVALID_OPTIONS', 'group is only for exclusive subscriptions (exclusive: true)')
    return undefined
  }
  if (exclusive !== true) throw new HubError('INVALID_OPTIONS', 'exclusive must be a boolean')
  if (group !== undefined && (typeof group !== 'string' || group.length === 0 || group.length > 200)) {
    throw new HubError('INVALID_OPTIONS', 'group must be a string of 1 to 200 characters')
  }
  if (balance !== 'sticky' && balance !== 'round-robin') throw new HubError('INVALID_OPTIONS', "balance must be 'sticky' or 'round-robin'")
  if (!isInteger(timeoutMs, 1, 2_147_483_647)) throw new HubError('INVALID_OPTIONS', 'timeoutMs must be a positive number of milliseconds')
  if (!isInteger(retries, 0, 100)) throw new HubError('INVALID_OPTIONS', 'retries must be an integer from 0 to 100')
  return { group: typeof group === 'string' ? group : filter, balance, timeoutMs, retries }
}

export function checkMaxPayload(value: unknown): number {
  if (value === undefined) return MAX_PAYLOAD_BYTES
  if (!isInteger(value, 0, MAX_PAYLOAD_BYTES)) throw new HubError('INVALID_OPTIONS', `maxPayloadBytes must be an integer from 0 to ${MAX_PAYLOAD_BYTES}`)
  return value
}

export function checkTimeout(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!isInteger(value, 1, 2_147_483_647)) throw new HubError('INVALID_OPTIONS', `${what} must be a positive number of milliseconds`)
  return value
}

export function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HubError('INVALID_OPTIONS', `${what} must be an object, got ${describeValue(value)}`)
  }
  return value as Record<string, unknown>
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

/** A short description of a bad value for an error message (never the value of a string: it may be a secret). */
function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return `a string`
  return typeof value
}

export function checkLinger(value: unknown): number {
  if (value === undefined) return DEFAULTS.lingerMs
  if (!isInteger(value, 0, 3_600_000)) throw new HubError('INVALID_OPTIONS', 'lingerMs must be an integer number of milliseconds from 0 to 3600000')
  return value
}
