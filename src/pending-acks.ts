import type { HubError } from './errors.ts'

/** Resolves with the packet id the broker acknowledged (when the worker saw the ack). */
type Resolve = (messageId: number | undefined) => void

/** Publishes stored in the outbox whose broker ack this tab waits for, by outbox seq. */
export class PendingAcks {
  private readonly pending = new Map<number, { resolve: Resolve; reject(error: HubError): void }>()
  /** Acks that arrived before publish() learned its seq (two ports, no order between them). */
  private readonly early = new Map<number, [error: HubError | undefined, messageId: number | undefined]>()

  expect(seq: number, resolve: Resolve, reject: (error: HubError) => void): void {
    const early = this.early.get(seq)
    if (early) {
      this.early.delete(seq)
      if (early[0]) reject(early[0])
      else resolve(early[1])
      return
    }
    this.pending.set(seq, { resolve, reject })
  }

  settle(seq: number, error: HubError | undefined, messageId?: number): void {
    const waiter = this.pending.get(seq)
    this.pending.delete(seq)
    if (!waiter) {
      this.early.set(seq, [error, messageId])
      if (this.early.size > 10_000) this.early.delete(this.early.keys().next().value!)
    } else if (error) waiter.reject(error)
    else waiter.resolve(messageId)
  }

  waiting(): number[] {
    return [...this.pending.keys()]
  }

  rejectAll(error: HubError): void {
    for (const waiter of this.pending.values()) waiter.reject(error)
    this.pending.clear()
  }
}
