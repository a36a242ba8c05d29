import { describe, expect, it } from 'vitest'
import { HubError } from './errors.ts'
import { checkHubOptions, checkMqttOptions } from './options.ts'

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn()
  } catch (error) {
    if (error instanceof HubError) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('not refused')
}

describe('createHub options: nothing a caller passes is silently dropped', () => {
  it('takes every documented key', () => {
    const all = { url: 'ws://h', name: 'n', mqtt: {}, reconnect: {}, outbox: {}, queue: {}, maxPayloadBytes: 1, lingerMs: 0, callTimeoutMs: 1, worker: () => null }
    expect(checkHubOptions(all)).toBe(all)
  })

  it.each([
    ['username', 'username is not a createHub() option: use mqtt.username'],
    ['password', 'password is not a createHub() option: use mqtt.password'],
    ['clientId', 'clientId is not a createHub() option: use mqtt.clientId'],
    ['keepalive', 'keepalive is not a createHub() option: use mqtt.keepalive'],
    ['reconnectPeriod', 'reconnectPeriod is not a createHub() option: use reconnect: { minDelayMs, maxDelayMs }'],
    ['lingerMS', 'lingerMS is not a createHub() option'],
  ])('refuses a top-level %s with INVALID_OPTIONS naming it and where it goes', (key, message) => {
    expect(refusal(() => checkHubOptions({ url: 'ws://h', [key]: 1 }))).toEqual({ code: 'INVALID_OPTIONS', message })
  })

  it('never quotes the value of a refused key (it may be a password)', () => {
    expect(refusal(() => checkHubOptions({ url: 'ws://h', password: 'sekret' })).message).not.toContain('sekret')
  })

  it('tells where mqtt.reconnectPeriod goes', () => {
    expect(refusal(() => checkMqttOptions({ reconnectPeriod: 1000 })).message)
      .toBe('mqtt.reconnectPeriod is not a supported option: use reconnect: { minDelayMs, maxDelayMs }')
  })
})
