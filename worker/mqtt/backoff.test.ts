import { describe, expect, it } from 'vitest'
import { DEFAULTS } from '../../src/defaults.ts'
import { Backoff } from './backoff.ts'

describe('Backoff', () => {
  it('grows by the factor from the minimum and stops at the cap', () => {
    const backoff = new Backoff({ ...DEFAULTS.reconnect, jitter: 0, minDelayMs: 100, maxDelayMs: 1000 }, () => 0.5)
    const delays = Array.from({ length: 7 }, () => backoff.next())
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000])
  })

  it('spreads each delay by the jitter fraction around the base', () => {
    const options = { ...DEFAULTS.reconnect, minDelayMs: 1000, jitter: 0.5 }
    expect(new Backoff(options, () => 0).next()).toBe(750)
    expect(new Backoff(options, () => 0.999999).next()).toBe(1250)
  })

  it('starts over after reset', () => {
    const backoff = new Backoff({ ...DEFAULTS.reconnect, jitter: 0, minDelayMs: 10 })
    backoff.next()
    backoff.next()
    expect(backoff.attempts).toBe(2)
    backoff.reset()
    expect(backoff.next()).toBe(10)
  })
})
