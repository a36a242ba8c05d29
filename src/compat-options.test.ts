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

  it('maps reconnectPeriod to the first reconnect delay and keeps the hub options given beside it', () => {
    const { hub } = mapConnectOptions(url, { reconnectPeriod: 1000, manualConnect: true, hub: { name: 'orders', reconnect: { maxDelayMs: 5000 } } })
    expect(hub).toEqual({ url, mqtt: {}, name: 'orders', reconnect: { maxDelayMs: 5000, minDelayMs: 1000 } })
    expect(mapConnectOptions(url, { manualConnect: true }).manualConnect).toBe(true)
  })

  it('refuses what the hub cannot honour, naming the option and the reason', () => {
    expect(refusal({ reconnectPeriod: 0 })).toMatch(/^INVALID_OPTIONS: reconnectPeriod must be a positive number of milliseconds: the hub always reconnects/)
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
