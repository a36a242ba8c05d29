import type { HubError } from './errors.ts'

/** Publishes stored in the outbox whose broker ack this tab waits for, by outbox seq. */
export class PendingAcks {
  private readonly pending = new Map<number, { resolve(): void; reject(error: HubError): void }>()
  /** Acks that arrived before publish() learned its seq (two ports, no order between them). */
  private readonly early = new Map<number, HubError | undefined>()

  expect(seq: number, resolve: () => void, reject: (error: HubError) => void): void {
    if (this.early.has(seq)) {
      const error = this.early.get(seq)
      this.early.delete(seq)
      if (error) reject(error)
      else resolve()
      return
    }
    this.pending.set(seq, { resolve, reject })
  }

  settle(seq: number, error: HubError | undefined): void {
    const waiter = this.pending.get(seq)
    this.pending.delete(seq)
    if (!waiter) {
      this.early.set(seq, error)
      if (this.early.size > 10_000) this.early.delete(this.early.keys().next().value!)
    } else if (error) waiter.reject(error)
    else waiter.resolve()
  }

  waiting(): number[] {
    return [...this.pending.keys()]
  }

  rejectAll(error: HubError): void {
    for (const waiter of this.pending.values()) waiter.reject(error)
    this.pending.clear()
  }
}
