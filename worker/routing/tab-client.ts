import { packDeliveries } from '../../src/delivery-batch.ts'
import { toWire, type HubError, type WireError } from '../../src/errors.ts'
import type { Delivery, PublishedEvent, TabEvent, WorkerEvent } from '../../src/protocol.ts'
import type { QueueLimits } from '../../src/public-types.ts'
import type { DeliveryMetrics } from '../../src/reports.ts'
import { DeliveryQueue } from './delivery-queue.ts'
import type { ExclusiveGroup, Member, MemberTab } from './exclusive-group.ts'
import type { InboundMessage, MessageSubscriber } from './subscriber.ts'
import type { RoutedSubscription } from './subscription-registry.ts'

/** A tab's subscription; an exclusive one is a member of its group instead of a registry entry. */
export interface TabSub extends RoutedSubscription {
  readonly subscriber: TabClient
  exclusive?: { group: ExclusiveGroup; member: Member }
}

/**
 * Messages posted to a tab and not yet confirmed by it. A tab whose main thread is blocked reads
 * nothing: past this window its messages wait in the worker's bounded queue instead of piling up
 * unbounded in the browser's port.
 */
const WINDOW_MESSAGES = 2_000
const WINDOW_BYTES = 4 * 1024 * 1024
/**
 * Batches posted and not yet confirmed: one the tab reads, one waiting for it. What arrives
 * meanwhile gathers in the queue and goes as one batch when the tab confirms: a postMessage
 * costs the worker about as much as routing and packing a whole batch (a third of its time with
 * eight tabs when each message went alone).
 */
const BATCHES_IN_FLIGHT = 2
/**
 * A tab confirms each batch as soon as it has dispatched it (milliseconds, seconds on a loaded
 * machine). One that leaves exclusive work unconfirmed this long is frozen or blocked.
 */
const UNRESPONSIVE_MS = 3_000
const STALLED_AFTER_MS = 3_000

/**
 * One Hub instance of one tab, as the worker sees it. Messages for it are queued and posted in
 * batches (one postMessage per message costs about 2.5 times as much), at most two batches and
 * a window of messages ahead of what the tab confirmed. The queue is bounded by bytes, and by a
 * message count once the tab stopped confirming; when it overflows the tab is stalled: its
 * oldest QoS 0 messages are dropped (counted, and reported to it when it reads again) and its
 * exclusive work goes to other members.
 */
export class TabClient implements MessageSubscriber, MemberTab {
  private static opened = 0
  /** Names this hub in inspections. */
  readonly id = ++TabClient.opened
  /** The page's visibility, as it last reported it. */
  visible = true
  /** False while the page is frozen or in the back/forward cache: nothing is queued for it. */
  private pageActive = true
  /** False while the tab leaves exclusive work it was sent unconfirmed for too long (frozen with no event, or blocked). */
  private responsive = true
  private watchdog: ReturnType<typeof setTimeout> | undefined
  /** Exclusive jobs in batches the tab confirmed: it dispatched them, so it may have started them. By subscription. */
  private readonly dispatched = new Map<number, Set<number>>()
  /** Withdrawn while their batch was unconfirmed ("sub:job"). */
  private readonly undispatched = new Set<string>()
  /** Messages that matched while the page was frozen: dropped, counted, and told to it when it is back. */
  private readonly missed = { qos0: 0, qos12: 0 }
  readonly subs = new Map<number, TabSub>()
  private readonly queue: DeliveryQueue
  /** Sizes of the batches posted and not yet confirmed, oldest first. */
  private readonly posted: Array<{ messages: number; bytes: number; jobs: Array<[sub: number, job: number]>; at: number }> = []
  private inFlight = { messages: 0, bytes: 0 }
  private delivered = 0
  private batches = 0
  private stalls = 0
  /** Drops not yet reported to the tab. */
  private unreported = 0
  private stalled = false
  private acks: PublishedEvent['results'] = []
  private flushScheduled = false
  private stallTimer: ReturnType<typeof setTimeout> | undefined
  /** Hears the broker's ack of this tab's stored publishes. */
  readonly onAck = (seq: number, error?: HubError, messageId?: number): void => {
    this.acks.push({ seq, ...(messageId !== undefined && { messageId }), ...(error && { error: toWire(error) }) })
    this.schedule()
  }

  constructor(private readonly events: MessagePort, limits: QueueLimits) {
    this.queue = new DeliveryQueue(limits)
    events.onmessage = (event: MessageEvent<TabEvent>) => {
      const data = event.data
      if (data.type === 'received') this.received()
      else if (data.type === 'visibility') this.visibilityChanged(data.visible === true)
      else if (data.type === 'lifecycle') this.lifecycleChanged(data.active === true)
      else {
        // An exclusive handler of this tab finished.
        const exclusive = this.subs.get(data.sub)?.exclusive
        this.dispatched.get(data.sub)?.delete(data.job)
        exclusive?.group.settled(exclusive.member, data.job, data.error !== undefined)
      }
    }
  }

  get metrics(): DeliveryMetrics {
    return {
      queued: this.queue.length,
      queuedBytes: this.queue.bytes,
      inFlight: this.inFlight.messages,
      delivered: this.delivered,
      batches: this.batches,
      dropped: { qos0: this.queue.dropped.qos0 + this.missed.qos0, qos12: this.queue.dropped.qos12 + this.missed.qos12 },
      stalls: this.stalls,
    }
  }

  send(event: WorkerEvent): void {
    this.events.postMessage(event)
  }

  /** Something no call of this tab caused (its exclusive group's inbox is full, say). */
  warn(error: WireError): void {
    this.send({ type: 'warning', error })
  }

  /** A message for this tab's plain subscriptions `subs`: one delivery, whatever their number. */
  receive(message: InboundMessage, subs: number[]): void {
    const { topic, payload, qos, retain, properties, packetId } = message
    this.deliver({ subs, topic, payload, qos, retain, ...(properties && { properties }), ...(packetId !== undefined && { messageId: packetId }) })
  }

  /** The page runs and reads what it is sent: only then does it get exclusive work. */
  get active(): boolean {
    return this.pageActive && this.responsive
  }

  deliver(delivery: Delivery): void {
    if (!this.pageActive) {
      // Frozen: nothing waits for it (its exclusive groups gave its work to other members).
      if (delivery.qos === 0) this.missed.qos0++
      else this.missed.qos12++
      this.unreported++
      return
    }
    this.dropped(this.queue.push(delivery, this.stoppedConfirming()))
    // Behind two unconfirmed batches, a job waits here: a tab that reads nothing must lose it too.
    if (delivery.job !== undefined) this.watchResponsiveness()
    this.schedule()
  }

  /** Exclusive work waits for the tab: posted, or queued behind what it has not confirmed. */
  private get holdsJobs(): boolean {
    return this.queue.jobs > 0 || this.posted.some((b) => b.jobs.length > 0)
  }

  /** While it holds jobs, the tab must confirm within UNRESPONSIVE_MS. */
  private watchResponsiveness(): void {
    if (this.watchdog === undefined && this.holdsJobs) this.watchdog = setTimeout(() => this.unresponsive(), UNRESPONSIVE_MS)
  }

  private dropped(dropped: number): void {
    if (dropped > 0) {
      this.unreported += dropped
      if (!this.stalled) {
        this.stalled = true
        this.stalls++
        // It does not keep up: its exclusive work goes to members that do.
        for (const sub of this.subs.values()) sub.exclusive?.group.evict(sub.exclusive.member)
      }
    }
  }

  /**
   * Once the oldest posted batch has waited `stalledAfterMs`, the tab has stopped confirming: its
   * queue is cut to the stalled limits then, also when no message arrives any more.
   */
  private watchConfirmations(): void {
    clearTimeout(this.stallTimer)
    const oldest = this.posted[0]
    if (!oldest) return
    const after = this.queue.limits.stalledAfterMs ?? STALLED_AFTER_MS
    this.stallTimer = setTimeout(() => {
      if (this.stoppedConfirming()) this.dropped(this.queue.enforce(true))
      // A timer keeps its own clock: it can fire a millisecond before Date.now() says the time is up.
      else this.watchConfirmations()
    }, Math.max(0, oldest.at + after - Date.now()))
  }

  /**
   * A tab that is merely slower than a burst keeps confirming and gets everything its burst budget
   * holds; one whose oldest posted batch waits unconfirmed past `stalledAfterMs` is bound by the
   * message count and the smaller byte limit.
   */
  private stoppedConfirming(): boolean {
    const oldest = this.posted[0]
    return oldest !== undefined && Date.now() - oldest.at >= (this.queue.limits.stalledAfterMs ?? STALLED_AFTER_MS)
  }

  /** Exclusive jobs its group gives to another member: those still queued here are dropped, the tab is told of the rest. */
  withdraw(sub: number, jobs: number[]): void {
    const wanted = new Set(jobs)
    const queued = new Set<number>()
    this.queue.withdraw((delivery) => {
      const hit = delivery.job !== undefined && delivery.subs[0] === sub && wanted.has(delivery.job)
      if (hit) queued.add(delivery.job!)
      return hit
    })
    const sent = jobs.filter((job) => !queued.has(job))
    for (const job of sent) if (!this.dispatched.get(sub)?.delete(job)) this.undispatched.add(`${sub}:${job}`)
    if (sent.length > 0) this.send({ type: 'withdrawn', sub, jobs: sent })
  }

  close(): void {
    clearTimeout(this.watchdog)
    clearTimeout(this.stallTimer)
    this.queue.clearAll()
    this.acks = []
    this.events.close()
  }

  /**
   * Frozen or cached: its exclusive work goes to other members at once (the page skips the jobs
   * it was given before, see LifecycleEvent), and nothing is queued for it. Back: it gets
   * messages again, is told how many it missed, and its exclusive subscriptions take work again.
   */
  private lifecycleChanged(active: boolean): void {
    if (active === this.pageActive) return
    const wasActive = this.active
    this.pageActive = active
    this.workChanged(wasActive)
    if (active) this.reportDrops('while the page was frozen or in the back/forward cache')
  }

  /**
   * Exclusive work waited for the tab (sent, or queued behind batches it had not confirmed) and
   * it confirmed nothing for UNRESPONSIVE_MS: the page is frozen without telling (Chromium
   * freezes a page with no event when asked to through CDP) or its main thread is blocked. Its
   * jobs go to other members until it reads again.
   */
  private unresponsive(): void {
    this.watchdog = undefined
    if (!this.responsive || !this.holdsJobs) return
    const wasActive = this.active
    this.responsive = false
    this.workChanged(wasActive)
  }

  /**
   * Suspended: its jobs go to other members (the tab hears which before it starts any of them);
   * a tab that reads nothing keeps those it had dispatched, as it may have started them. Back:
   * work may come again.
   */
  private workChanged(wasActive: boolean): void {
    if (wasActive === this.active) return
    for (const sub of this.subs.values()) {
      if (!sub.exclusive) continue
      if (this.active) {
        sub.exclusive.group.resume()
        continue
      }
      const started = this.dispatched.get(sub.id)
      sub.exclusive.group.suspend(sub.exclusive.member, this.pageActive ? (job) => started?.has(job) === true : undefined)
    }
  }

  private visibilityChanged(visible: boolean): void {
    if (visible === this.visible) return
    this.visible = visible
    // A sticky group's owner is its oldest visible member.
    for (const sub of this.subs.values()) sub.exclusive?.group.resume()
  }

  private reportDrops(why: string): void {
    if (this.unreported === 0) return
    const { qos0, qos12 } = this.metrics.dropped
    this.send({ type: 'warning', error: { code: 'MESSAGES_DROPPED', message:
      `${this.unreported} messages for this tab were dropped ${why} `
      + `(queue limit ${this.queue.limits.maxMessages} messages; dropped so far: QoS 0 ${qos0}, QoS 1/2 ${qos12})` } })
    this.unreported = 0
  }

  /** The tab handled a batch: its window opens again. */
  private received(): void {
    const batch = this.posted.shift()
    if (!batch) return
    for (const [sub, job] of batch.jobs) {
      if (this.undispatched.delete(`${sub}:${job}`)) continue // withdrawn before the tab read it
      const set = this.dispatched.get(sub) ?? new Set()
      set.add(job)
      this.dispatched.set(sub, set)
    }
    clearTimeout(this.watchdog)
    this.watchdog = undefined
    this.watchResponsiveness()
    // After any `withdrawn` for them: the tab starts the batch's jobs when it reads this.
    if (batch.jobs.length > 0) this.send({ type: 'dispatched' })
    if (!this.responsive) {
      const wasActive = this.active
      this.responsive = true
      this.workChanged(wasActive)
    }
    this.watchConfirmations()
    this.inFlight.messages -= batch.messages
    this.inFlight.bytes -= batch.bytes
    if (this.stalled && this.queue.length < this.queue.limits.maxMessages / 2) this.stalled = false
    if (this.active) this.reportDrops('because it did not read them in time')
    this.schedule()
  }

  /**
   * A tab with nothing unconfirmed is waiting: what this task routed goes at its end. Otherwise
   * messages gather until the next macrotask, or until the tab confirms a batch when two are
   * unconfirmed, so that a busy tab gets fewer, larger batches.
   */
  private schedule(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    if (this.posted.length === 0) queueMicrotask(() => this.flush())
    else setTimeout(() => this.flush(), 0)
  }

  private flush(): void {
    this.flushScheduled = false
    const room = WINDOW_MESSAGES - this.inFlight.messages
    if (this.queue.length > 0 && room > 0 && this.inFlight.bytes < WINDOW_BYTES && this.posted.length < BATCHES_IN_FLIGHT) {
      const { deliveries, bytes } = this.queue.take(room, WINDOW_BYTES - this.inFlight.bytes)
      const jobs: Array<[number, number]> = []
      for (const d of deliveries) if (d.job !== undefined) jobs.push([d.subs[0]!, d.job])
      this.posted.push({ messages: deliveries.length, bytes, jobs, at: Date.now() })
      if (jobs.length > 0) this.watchResponsiveness()
      if (this.posted.length === 1) this.watchConfirmations()
      this.inFlight.messages += deliveries.length
      this.inFlight.bytes += bytes
      this.delivered += deliveries.length
      this.batches++
      const batch = packDeliveries(deliveries)
      this.events.postMessage(batch, [batch.buffer])
    }
    if (this.acks.length > 0) {
      const results = this.acks
      this.acks = []
      this.send({ type: 'published', results })
    }
  }
}
