import { describe, expect, it } from 'vitest'
import { HubError } from '../../src/errors.ts'
import { TrafficMeter } from './traffic.ts'

describe('traffic meter', () => {
  it('reports messages per second over the last 5 seconds and forgets older ones', () => {
    const meter = new TrafficMeter()
    const start = 1_000_000
    for (let i = 0; i < 50; i++) meter.received(10, start + i * 100) // 10/s for 5 s
    expect(meter.snapshot(start + 4_999).messagesInPerSecond).toBe(10)
    expect(meter.snapshot(start + 7_400).messagesInPerSecond).toBe(5) // half of those are still in the window
    expect(meter.snapshot(start + 60_000).messagesInPerSecond).toBe(0)
    const totals = meter.snapshot(start + 60_000)
    expect([totals.messagesIn, totals.bytesIn, totals.lastMessageAt]).toEqual([50, 500, start + 4_900])
  })

  it('keeps the last error with its reason code and counts every error', () => {
    const meter = new TrafficMeter()
    meter.failed(new HubError('CONNECTION_LOST', 'lost'), 1)
    meter.failed(new HubError('SUBSCRIBE_REJECTED', 'refused', 0x87), 2)
    expect(meter.snapshot(3)).toMatchObject({ errors: 2, lastError: { code: 'SUBSCRIBE_REJECTED', reasonCode: 0x87, at: 2 } })
  })
})
