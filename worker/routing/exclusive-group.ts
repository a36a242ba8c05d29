import type { WireError } from '../../src/errors.ts'
import type { Delivery } from '../../src/protocol.ts'
import type { ExclusiveSpec, MessageFields } from '../../src/public-types.ts'
import type { ExclusiveMetrics } from '../../src/reports.ts'
import type { Inbox } from '../storage/inbox.ts'
import type { InboxRecord } from '../storage/hub-db.ts'
import type { InboundMessage, MessageSubscriber } from './subscriber.ts'

/** Where a member's work goes: the tab's delivery queue. */
export interface MemberTab {
  deliver(delivery: Delivery): void
  /** Takes back the subscription's jobs queued and not yet sent to the tab. */
  withdraw(sub: number): void
  /** A problem of the group's that the member's app should hear of (the inbox is full). */
  warn(error: WireError): void
  /** The page is visible: a sticky group's owner is its oldest visible member. */
  readonly visible: boolean
  /** The page runs (not frozen, not in the back/forward cache): only such members get work. */
  readonly active: boolean
}

export interface Member {
  readonly tab: MemberTab
  /** The tab's subscription id. */
  readonly id: number
  readonly outstanding: Set<Job>
  timer?: ReturnType<typeof setTimeout>
  /** Finished nothing within the timeout: gets work only when no other member is there. */
  stalled: boolean
}

/** A message of the group; its MQTT 5 properties are kept, so that an exclusive responder can answer a request. */
interface Job extends Readonly<MessageFields> {
  readonly id: number
  /** Inbox key of a QoS 1/2 message, deleted once handled. */
  key: number | null
  member: Member | null
  redelivered: boolean
  attempts: number
}

/** Jobs a member may hold at once: it runs them one after another, the rest wait in its tab. */
const WINDOW = 64
/**
 * A hidden page runs its timers once a second (once a minute in Chrome after 5 minutes): it
 * holds one job at a time, so that a visible member can take over after at most one.
 */
const HIDDEN_WINDOW = 1
/** Packet ids remembered to recognise re-sends (the broker has at most 65535 in flight). */
const SEEN_LIMIT = 2048

function windowOf(member: Member): number {
  return member.tab.visible ? WINDOW : HIDDEN_WINDOW
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * One exclusive group: every message goes to exactly one live member, no election. The member
 * runs its jobs in order and reports each as settled; jobs of a member that leaves (tab closed,
 * crashed, unsubscribed) or finishes nothing within `timeoutMs` go to another member, marked
 * redelivered. QoS 1/2 messages are in the inbox from before the broker's ack until settled.
 */
export class ExclusiveGroup implements MessageSubscriber {
  readonly members: Member[] = []
  private readonly queue: Job[] = []
  private readonly jobs = new Map<number, Job>()
  private nextJob = 1
  private next = 0
  /** Inbox messages left from an earlier worker are loaded before anything is dispatched. */
  private restored: boolean
  readonly metrics: Omit<ExclusiveMetrics, 'pending'> = { handled: 0, failed: 0, redelivered: 0, timeouts: 0, duplicates: 0 }
  /**
   * QoS 1/2 messages seen, by the broker's packet id: a broker re-sends a message whose ack it did
   * not get, after a reconnect, with the same id [MQTT-4.4.0-1] (aedes without DUP). Bounded.
   */
  private readonly seen = new Map<number, { topic: string; payload: Uint8Array; connection: number }>()
  /** Called when a QoS 1/2 message could not be kept in the inbox (full, or IndexedDB failed). */
  onNotDurable: () => void = () => {}
  /** Handing over to a newer worker: no new job starts. */
  private paused = false
  private idle: Array<() => void> = []

  constructor(
    readonly session: string,
    readonly name: string,
    readonly filter: string,
    readonly spec: ExclusiveSpec,
    private readonly inbox: Inbox | null,
  ) {
    this.restored = inbox === null
  }

  get pending(): number {
    return this.jobs.size
  }

  /** A message for the group. Returns a promise while it is being written to the inbox: the broker is acked after it. */
  receive(message: InboundMessage): Promise<void> | undefined {
    const { topic, payload, qos, retain, properties, packetId: messageId } = message
    if (qos > 0 && messageId !== undefined && this.isResent(messageId, topic, payload, message.connection, message.justConnected)) {
      this.metrics.duplicates++
      return undefined
    }
    const job: Job = { id: this.nextJob++, topic, payload, qos, retain, properties, key: null, member: null, redelivered: false, attempts: 0 }
    this.jobs.set(job.id, job)
    if (qos === 0 || !this.inbox) {
      this.enqueue(job)
      return undefined
    }
    const record = { session: this.session, group: this.name, topic, payload, qos, retain, messageId, receivedAt: Date.now(), ...(properties && { properties }) }
    return this.inbox.add(record).catch(() => null).then((key) => {
      job.key = key
      if (key === null) this.onNotDurable() // handled from memory only: lost if the worker ends first
      this.enqueue(job)
    })
  }

  /**
   * The same id, topic and payload as a message of an earlier connection, or of this one in its
   * first seconds: the broker's re-send. (aedes, taking over a session, was seen sending one
   * queued message twice on the new connection, same id, no DUP.) A broker reuses an id only
   * after our ack, and sequentially: an identical message under a reused id so soon is not real.
   */
  private isResent(messageId: number, topic: string, payload: Uint8Array, connection: number, justConnected: boolean): boolean {
    const earlier = this.seen.get(messageId)
    this.seen.delete(messageId)
    const resent = earlier !== undefined && (earlier.connection < connection || justConnected)
      && earlier.topic === topic && sameBytes(earlier.payload, payload)
    if (!resent) {
      this.seen.set(messageId, { topic, payload, connection })
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value!)
    }
    return resent
  }

  /** Loads what an earlier worker left in the inbox, ahead of anything received since. */
  async restore(): Promise<void> {
    if (!this.inbox || this.restored) return
    const stored = await this.inbox.pending(this.session, this.name)
    // Written by this worker already (each add's key is set before a later read answers).
    const known = new Set([...this.jobs.values()].map((job) => job.key))
    const records = stored.filter((r) => !known.has(r.key!))
    for (const r of records) if (r.messageId !== undefined) this.seen.set(r.messageId, { topic: r.topic, payload: r.payload, connection: 0 })
    const jobs = records.map((record) => this.jobFromRecord(record))
    this.queue.unshift(...jobs)
    this.restored = true
    this.pump()
  }

  join(member: Member): void {
    this.members.push(member)
    this.pump()
  }

  /** The member's tab left, or it unsubscribed: its unfinished jobs go to the others. */
  leave(member: Member): void {
    const index = this.members.indexOf(member)
    if (index === -1) return
    this.members.splice(index, 1)
    this.takeBack(member)
    this.pump()
  }

  settled(member: Member, jobId: number, failed: boolean): void {
    const job = this.jobs.get(jobId)
    if (!job || job.member !== member) return // it was given to another member meanwhile
    member.outstanding.delete(job)
    member.stalled = false
    this.rearm(member)
    job.member = null
    if (failed && job.attempts < this.spec.retries) {
      job.attempts++
      job.redelivered = true
      this.metrics.redelivered++
      this.queue.unshift(job)
    } else {
      if (failed) this.metrics.failed++
      else this.metrics.handled++
      this.jobs.delete(job.id)
      if (job.key !== null) this.inbox?.remove(job.key)
    }
    this.pump()
  }

  private enqueue(job: Job): void {
    this.queue.push(job)
    this.pump()
  }

  /** A member's page was frozen or cached: its jobs go to the others at once, and it gets none until it is back. */
  suspend(member: Member): void {
    if (!this.members.includes(member)) return
    this.takeBack(member)
    this.pump()
  }

  /** A member's page is back, or its visibility changed: work may go to it again. */
  resume(): void {
    this.pump()
  }

  /** Stops starting jobs, and resolves once no member runs one (or after `timeoutMs`). */
  quiesce(timeoutMs: number): Promise<void> {
    this.paused = true
    if (this.members.every((m) => m.outstanding.size === 0)) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.idle.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  private pump(): void {
    if (!this.restored) return
    if (this.paused) {
      if (this.members.every((m) => m.outstanding.size === 0)) for (const done of this.idle.splice(0)) done()
      return
    }
    while (this.queue.length > 0) {
      const member = this.pick()
      if (!member) return
      this.assign(this.queue.shift()!, member)
    }
  }

  /**
   * Sticky: one owner, the oldest visible member that keeps up (else the oldest that keeps up,
   * else the oldest); a new owner starts only once the previous one finished what it holds, so
   * the group's jobs run in order. Round-robin: the next member with room, visible ones first.
   * A frozen or cached member gets nothing.
   */
  private pick(): Member | undefined {
    if (this.spec.balance === 'sticky') {
      // Called per job: find the owner without building a list.
      const owner = this.members.find((m) => m.tab.active && m.tab.visible && !m.stalled)
        ?? this.members.find((m) => m.tab.active && !m.stalled) ?? this.members.find((m) => m.tab.active)
      if (!owner || owner.outstanding.size >= windowOf(owner)) return undefined
      return this.members.some((m) => m !== owner && m.outstanding.size > 0) ? undefined : owner
    }
    const active = this.members.filter((m) => m.tab.active)
    const live = active.filter((m) => !m.stalled)
    const visible = live.filter((m) => m.tab.visible)
    const candidates = visible.length > 0 ? visible : live.length > 0 ? live : active
    for (let i = 0; i < candidates.length; i++) {
      const member = candidates[(this.next + i) % candidates.length]
      if (member.outstanding.size < windowOf(member)) {
        this.next = (this.next + i + 1) % candidates.length
        return member
      }
    }
    return undefined
  }

  private assign(job: Job, member: Member): void {
    job.member = member
    member.outstanding.add(job)
    const { topic, payload, qos, retain, redelivered, properties } = job
    member.tab.deliver({ subs: [member.id], topic, payload, qos, retain, job: job.id, redelivered, ...(properties && { properties }) })
    if (!member.timer) member.timer = setTimeout(() => this.stall(member), this.spec.timeoutMs)
  }

  /** Progress resets the member's watchdog; it runs only while the member holds jobs. */
  private rearm(member: Member): void {
    clearTimeout(member.timer)
    member.timer = member.outstanding.size > 0 ? setTimeout(() => this.stall(member), this.spec.timeoutMs) : undefined
  }

  /** Finished nothing within the timeout (frozen or hung): its jobs go to another member if there is one. */
  private stall(member: Member): void {
    member.timer = undefined
    this.metrics.timeouts++
    if (this.members.every((m) => m === member || m.stalled)) {
      this.rearm(member) // nobody else to give the work to: keep waiting
      return
    }
    member.stalled = true
    this.takeBack(member)
    this.pump()
  }

  /** The member's tab does not keep up with its messages: its jobs go to members that do, if any. */
  evict(member: Member): void {
    if (this.members.every((m) => m === member || m.stalled)) return
    member.stalled = true
    this.takeBack(member)
    this.pump()
  }

  private takeBack(member: Member): void {
    member.tab.withdraw(member.id)
    clearTimeout(member.timer)
    member.timer = undefined
    const jobs = [...member.outstanding].sort((a, b) => a.id - b.id)
    member.outstanding.clear()
    for (const job of jobs) {
      job.member = null
      job.redelivered = true
      this.metrics.redelivered++
    }
    this.queue.unshift(...jobs)
  }

  private jobFromRecord(record: InboxRecord): Job {
    const job: Job = {
      id: this.nextJob++, topic: record.topic, payload: record.payload, qos: record.qos, retain: record.retain, properties: record.properties,
      // Left by an earlier worker: it may have been handled, or have started to be.
      key: record.key!, member: null, redelivered: true, attempts: 0,
    }
    this.jobs.set(job.id, job)
    return job
  }
}
