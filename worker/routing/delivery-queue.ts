import type { Delivery } from '../../src/protocol.ts'
import type { QueueLimits } from '../../src/public-types.ts'

/** Dropped first (QoS 0) and only then (QoS 1/2): exclusive jobs are never dropped here. */
const QOS0 = 0
const QOS12 = 1

/** About what a queued message costs in memory. */
export function sizeOf(delivery: Delivery): number {
  return delivery.payload.byteLength + delivery.topic.length * 2 + 64
}

/**
 * The messages waiting for one tab, in arrival order, bounded. Past a limit the oldest QoS 0
 * message goes first; when none is left, the oldest QoS 1/2 message of a plain subscription.
 * Exclusive jobs are not dropped: their group bounds how many a tab holds, and takes them back.
 *
 * Dropping from the middle must stay O(1) while a stalled tab's queue is full and every new
 * message drops one: slots are cleared in place, the positions of each kind are kept in order,
 * and the arrays are rebuilt once cleared slots are most of them (amortised O(1) per message).
 */
export class DeliveryQueue {
  private slots: Array<Delivery | undefined> = []
  private head = 0
  private readonly droppable: [number[], number[]] = [[], []]
  private readonly droppableHead = [0, 0]
  length = 0
  bytes = 0
  /** Exclusive jobs among the queued messages. */
  jobs = 0
  readonly dropped: { qos0: number; qos12: number } = { qos0: 0, qos12: 0 }

  constructor(readonly limits: QueueLimits) {}

  /**
   * Adds a message; returns how many messages were dropped to make room. `stalled`: the tab
   * stopped confirming, so `maxMessages` and `maxBytes` bind; otherwise only `burstMaxBytes` does.
   */
  push(delivery: Delivery, stalled = true): number {
    const position = this.slots.length
    this.slots.push(delivery)
    this.length++
    this.bytes += sizeOf(delivery)
    if (delivery.job !== undefined) this.jobs++
    else this.droppable[delivery.qos === 0 ? QOS0 : QOS12].push(position)
    return this.enforce(stalled)
  }

  /** Drops the oldest past the limits that bind now; returns how many. */
  enforce(stalled: boolean): number {
    const maxBytes = stalled ? this.limits.maxBytes : Math.max(this.limits.maxBytes, this.limits.burstMaxBytes ?? 0)
    let dropped = 0
    while (((stalled && this.length > this.limits.maxMessages) || this.bytes > maxBytes) && this.dropOldest()) dropped++
    if (dropped > 0) this.compact()
    return dropped
  }

  /** Takes messages from the front, up to `maxMessages` and (past the first) `maxBytes`. */
  take(maxMessages: number, maxBytes: number): { deliveries: Delivery[]; bytes: number } {
    const deliveries: Delivery[] = []
    let bytes = 0
    while (this.head < this.slots.length && deliveries.length < maxMessages) {
      const delivery = this.slots[this.head]
      if (delivery) {
        const size = sizeOf(delivery)
        if (deliveries.length > 0 && bytes + size > maxBytes) break
        bytes += size
        deliveries.push(delivery)
        this.slots[this.head] = undefined
        this.length--
        this.bytes -= size
        if (delivery.job !== undefined) this.jobs--
      }
      this.head++
    }
    this.compact()
    return { deliveries, bytes }
  }

  /** Removes the messages `matches` picks (exclusive jobs taken back by their group). */
  /** Removes the waiting deliveries that match; returns how many. */
  withdraw(matches: (delivery: Delivery) => boolean): number {
    let removed = 0
    for (let i = this.head; i < this.slots.length; i++) {
      const delivery = this.slots[i]
      if (delivery && matches(delivery)) {
        this.clear(i)
        removed++
      }
    }
    return removed
  }

  clearAll(): void {
    this.slots = []
    this.head = 0
    this.length = 0
    this.bytes = 0
    this.jobs = 0
    this.droppable[QOS0] = []
    this.droppable[QOS12] = []
    this.droppableHead.fill(0)
  }

  private dropOldest(): boolean {
    for (const kind of [QOS0, QOS12]) {
      const positions = this.droppable[kind]
      while (this.droppableHead[kind] < positions.length) {
        const index = positions[this.droppableHead[kind]++]!
        if (index < this.head || !this.slots[index]) continue // sent or withdrawn meanwhile
        this.clear(index)
        if (kind === QOS0) this.dropped.qos0++
        else this.dropped.qos12++
        return true
      }
    }
    return false
  }

  private clear(index: number): void {
    const delivery = this.slots[index]
    if (delivery) this.bytes -= sizeOf(delivery)
    if (delivery?.job !== undefined) this.jobs--
    this.slots[index] = undefined
    this.length--
  }

  /** Rebuilds the arrays once slots sent, dropped or withdrawn are most of them. */
  private compact(): void {
    if (this.slots.length < 2048 || this.length * 2 > this.slots.length) return
    const live = this.slots.slice(this.head).filter((d): d is Delivery => d !== undefined)
    this.slots = live
    this.head = 0
    this.droppable[QOS0] = []
    this.droppable[QOS12] = []
    this.droppableHead.fill(0)
    live.forEach((delivery, position) => {
      if (delivery.job === undefined) this.droppable[delivery.qos === 0 ? QOS0 : QOS12].push(position)
    })
  }
}
