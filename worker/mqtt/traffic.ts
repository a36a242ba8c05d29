import type { HubError } from '../../src/errors.ts'
import { toWire } from '../../src/errors.ts'
import type { TrafficMetrics } from '../../src/reports.ts'

const BUCKET_MS = 500
const WINDOW_BUCKETS = 10 // 5 s

/** Counts over a sliding window of fixed buckets: memory stays constant whatever the rate. */
class RateWindow {
  private readonly counts = new Array<number>(WINDOW_BUCKETS).fill(0)
  private bucket = 0

  add(now: number): void {
    this.advance(now)
    this.counts[this.bucket % WINDOW_BUCKETS]++
  }

  perSecond(now: number): number {
    this.advance(now)
    const sum = this.counts.reduce((a, b) => a + b, 0)
    return Math.round((sum * 1000) / (WINDOW_BUCKETS * BUCKET_MS) * 10) / 10
  }

  private advance(now: number): void {
    const current = Math.floor(now / BUCKET_MS)
    if (current - this.bucket >= WINDOW_BUCKETS) this.counts.fill(0)
    else for (let b = this.bucket + 1; b <= current; b++) this.counts[b % WINDOW_BUCKETS] = 0
    this.bucket = current
  }
}

/** Messages and bytes through one broker connection, and what went wrong: `metrics().traffic`. */
export class TrafficMeter {
  messagesIn = 0
  messagesOut = 0
  messagesOutAliased = 0
  bytesIn = 0
  bytesOut = 0
  errors = 0
  reconnects = 0
  private lastError: TrafficMetrics['lastError'] = null
  private lastMessageAt: number | null = null
  private readonly rateIn = new RateWindow()
  private readonly rateOut = new RateWindow()

  received(bytes: number, now = Date.now()): void {
    this.messagesIn++
    this.bytesIn += bytes
    this.lastMessageAt = now
    this.rateIn.add(now)
  }

  sent(bytes: number, aliased = false, now = Date.now()): void {
    this.messagesOut++
    if (aliased) this.messagesOutAliased++
    this.bytesOut += bytes
    this.rateOut.add(now)
  }

  failed(error: HubError, now = Date.now()): void {
    this.errors++
    this.lastError = { ...toWire(error), at: now }
  }

  snapshot(now = Date.now()): TrafficMetrics {
    const { messagesIn, messagesOut, messagesOutAliased, bytesIn, bytesOut, errors, lastError, reconnects, lastMessageAt } = this
    return {
      messagesIn, messagesOut, messagesOutAliased, bytesIn, bytesOut, errors, lastError, reconnects, lastMessageAt,
      messagesInPerSecond: this.rateIn.perSecond(now),
      messagesOutPerSecond: this.rateOut.perSecond(now),
    }
  }
}
