// MQTT.js connect options as mqtt-hub/compat maps them: passed on, accepted, or refused by name.
import { describe, expect, it } from 'vitest'
import { mapConnectOptions, type IClientOptions } from './compat-options.ts'
import { HubError } from './errors.ts'

const url = 'wss://broker.example.com/mqtt'

function refusal(options: object): string {
  try {
    mapConnectOptions(url, options as IClientOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(HubError)
    return `${(error as HubError).code}: ${(error as HubError).message}`
  }
  return 'accepted'
}

describe('mqtt-hub/compat connect options', () => {
  it('passes the connect options both share to the hub, and nothing else', () => {
    const will = { topic: 'clients/1', payload: 'gone', qos: 1 as const, retain: true }
    const { hub, manualConnect } = mapConnectOptions(url, {
      clientId: 'c1', username: 'u', password: 'p', keepalive: 30, clean: false, protocolVersion: 5, connectTimeout: 60_000, will,
      properties: { sessionExpiryInterval: 60 }, resubscribe: true, queueQoSZero: true, reschedulePings: true, protocolId: 'MQTT',
    })
    expect(hub).toEqual({
      url,
      mqtt: { clientId: 'c1', username: 'u', password: 'p', keepalive: 30, clean: false, protocolVersion: 5, connectTimeout: 60_000, will, properties: { sessionExpiryInterval: 60 } },
    })
    expect(manualConnect).toBe(false)
  })

  it('maps reconnectPeriod to a fixed delay (no backoff, no jitter, as MQTT.js) and keeps the hub options given beside it', () => {
    const { hub } = mapConnectOptions(url, { reconnectPeriod: 1000, manualConnect: true, hub: { name: 'orders', reconnect: { stableAfterMs: 5000 } } })
    expect(hub).toEqual({ url, mqtt: {}, name: 'orders', reconnect: { stableAfterMs: 5000, minDelayMs: 1000, maxDelayMs: 1000, factor: 1, jitter: 0 } })
    expect(mapConnectOptions(url, { manualConnect: true }).manualConnect).toBe(true)
    // 0: the client stops using the hub when the connection goes (MQTT.js does not reconnect); the hub's policy is untouched.
    expect(mapConnectOptions(url, { reconnectPeriod: 0 }).hub).toEqual({ url, mqtt: {} })
  })

  it('accepts what MQTT.js accepts and the hub can honour: encoding binary, queueQoSZero false, reconnectOnConnackError', () => {
    for (const options of [{ encoding: 'binary' }, { queueQoSZero: false }, { reconnectOnConnackError: true }, { keepalive: 0 }] as IClientOptions[]) {
      expect(refusal(options)).toBe('accepted')
    }
  })

  it('shows client.options as MQTT.js does: what was given, its defaults, and the url split up', () => {
    const { options } = mapConnectOptions('ws://127.0.0.1:9001/mqtt', { clientId: 'c1', keepalive: 30 })
    expect(options).toEqual({
      clientId: 'c1', keepalive: 30, reschedulePings: true, protocolId: 'MQTT', protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 30_000, clean: true,
      resubscribe: true, queueQoSZero: true, protocol: 'ws', hostname: '127.0.0.1', port: 9001, path: '/mqtt',
    })
    expect(mapConnectOptions(url).options).toMatchObject({ protocol: 'wss', hostname: 'broker.example.com', port: 443 })
  })

  it('refuses what the hub cannot honour, naming the option and the reason', () => {
    expect(refusal({ reconnectPeriod: -1 })).toMatch(/^INVALID_OPTIONS: reconnectPeriod must be a number of milliseconds/)
    expect(refusal({ connectTimeout: 0 })).toMatch(/^INVALID_OPTIONS: connectTimeout: 0 would time out before any CONNACK/)
    expect(refusal({ customHandleAcks: () => {} })).toMatch(/^INVALID_OPTIONS: MQTT\.js option customHandleAcks is not supported by mqtt-hub: the hub acknowledges in the worker/)
    expect(refusal({ host: 'broker', port: 8883 })).toMatch(/^INVALID_OPTIONS: MQTT\.js option host is not supported by mqtt-hub: give the broker as a ws:\/\/ or wss:\/\/ url/)
    expect(refusal({ resubscribe: false })).toMatch(/^INVALID_OPTIONS: resubscribe: false is not supported/)
    expect(refusal({ protocolId: 'MQIsdp' })).toMatch(/^INVALID_OPTIONS: protocolId must be MQTT/)
    expect(refusal({ clientld: 'typo' })).toBe('INVALID_OPTIONS: Unknown connect option clientld')
    expect(refusal([])).toMatch(/^INVALID_OPTIONS: connect options must be an object/)
  })

  it('never puts a password into an error message', () => {
    const message = refusal({ password: 'hunter2', wsOptions: {} })
    expect(message).toMatch(/^INVALID_OPTIONS: MQTT\.js option wsOptions/) // refused: the check below reads a real message
    expect(message).not.toContain('hunter2')
  })
})
