import { describe, expect, it } from 'vitest'
import { HubError } from './errors.ts'
import { diagnose, type InspectorSample } from './inspector-diagnosis.ts'
import type { HubMetrics, SessionMetrics } from './reports.ts'

const NOW = Date.UTC(2026, 11, 2, 5, 0, 0)

function metrics(over: Partial<SessionMetrics> = {}): SessionMetrics {
  return {
    name: 'default', status: 'connected', tabs: 2, brokerSubscriptions: 1, subscriptions: { local: 1, broker: 1 },
    traffic: {} as SessionMetrics['traffic'], exclusive: {}, inbox: { depth: 0, limit: 10_000, overflowed: 0, durable: true },
    outbox: { depth: 0, bytes: 0, oldestAgeMs: null, inFlight: 0, maxMessages: 10_000, maxBytes: 1 << 24, durable: true, droppedQos0: 0, possibleDuplicates: 0 },
    delivery: { queued: 0, queuedBytes: 0, inFlight: 0, delivered: 0, batches: 0, dropped: { qos0: 0, qos12: 0 }, stalls: 0, handlerErrors: 0 } as SessionMetrics['delivery'],
    ...over,
  }
}

function sample(over: Partial<InspectorSample> = {}): InspectorSample {
  return {
    now: NOW, status: 'connected', lastError: undefined, downSince: null, outboxHistory: [], metrics: metrics(),
    inspection: { name: 'default', url: 'ws://h/', clientId: 'c', protocolVersion: 4, status: 'connected', connectedAt: NOW - 5_000, reconnects: 0, tabs: [], subscriptions: [], broker: [] },
    ...over,
  }
}

const texts = (s: InspectorSample) => diagnose(s).map((f) => `${f.level}: ${f.text}`)

describe('inspector diagnosis: what is stuck and why', () => {
  it('says nothing is stuck when nothing is', () => {
    expect(texts(sample())).toEqual(['info: Nothing looks stuck.'])
  })

  it('tells since when a connection is down, why, and what to check for a broker never reached', () => {
    const [finding] = texts(sample({ status: 'offline', downSince: NOW - 65_000, lastError: new HubError('BROKER_UNREACHABLE', 'Cannot reach the broker at ws://h/') }))
    expect(finding).toMatch(/^warn: Not connected for 1m 5s \(since \d\d:\d\d:\d\d\): BROKER_UNREACHABLE, Cannot reach the broker at ws:\/\/h\/\. Check the URL/)
  })

  it('names an older worker holding the session (SESSION_BUSY)', () => {
    expect(texts(sample({ status: 'connecting', downSince: NOW, lastError: new HubError('SESSION_BUSY', 'busy') }))[0]).toContain('an older version of the app')
  })

  it('an outbox that grows while connected is stuck; while offline it waits for the connection', () => {
    const outbox = { ...metrics().outbox, depth: 30, oldestAgeMs: 3_000 }
    expect(texts(sample({ metrics: metrics({ outbox }), outboxHistory: [10, 20] }))).toEqual([
      'warn: Outbox growing: 30 QoS 1/2 messages in the outbox, the oldest for 3s; the broker is not acknowledging them.',
    ])
    expect(texts(sample({ status: 'offline', downSince: NOW, metrics: metrics({ outbox }), outboxHistory: [10, 20] }))[1])
      .toBe('info: 30 QoS 1/2 messages in the outbox, the oldest for 3s: sent once connected.')
    expect(texts(sample({ metrics: metrics({ outbox }), outboxHistory: [30, 30] }))).toEqual(['info: Nothing looks stuck.'])
  })

  it('tells a stalled other tab from this tab being behind', () => {
    const mine = metrics({ delivery: { ...metrics().delivery, queued: 10 } })
    const all = { sessions: [metrics({ delivery: { ...metrics().delivery, queued: 5_010 } })], totals: {} } as unknown as HubMetrics
    expect(texts(sample({ metrics: mine, all }))).toEqual(['warn: Another tab is stalled: 5000 messages wait in the worker for it (frozen, hidden or busy).'])
  })

  it('an exclusive group with work waiting and no member', () => {
    const exclusive = { jobs: { handled: 3, failed: 0, redelivered: 0, timeouts: 0, duplicates: 0, pending: 4 } }
    expect(texts(sample({ metrics: metrics({ exclusive }) }))).toEqual(['warn: Exclusive group jobs: 4 messages wait and no tab is a member.'])
  })
})
