import type { ReconnectOptions } from '../../src/public-types.ts'

/**
 * Reconnect delays: `min * factor ** attempt`, capped, with jitter so that many browsers that
 * lost one broker do not come back in lockstep. The attempt counter is reset by the caller only
 * after a connection stayed up for `stableAfterMs` (a broker that accepts and drops at once
 * must not reset the backoff).
 */
export class Backoff {
  private attempt = 0

  constructor(
    private readonly options: ReconnectOptions,
    private readonly random: () => number = Math.random,
  ) {}

  get attempts(): number {
    return this.attempt
  }

  next(): number {
    const { minDelayMs, maxDelayMs, factor, jitter } = this.options
    const base = Math.min(maxDelayMs, minDelayMs * factor ** this.attempt)
    this.attempt++
    const spread = base * jitter
    return Math.round(base - spread / 2 + spread * this.random())
  }

  reset(): void {
    this.attempt = 0
  }
}
