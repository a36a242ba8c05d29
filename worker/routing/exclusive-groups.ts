import { DEFAULTS } from '../../src/defaults.ts'
import { HubError, toWire } from '../../src/errors.ts'
import type { SubscriptionSpec } from '../../src/protocol.ts'
import type { ExclusiveSpec, QoS } from '../../src/public-types.ts'
import type { SessionMetrics } from '../../src/reports.ts'
import { ExclusiveGroup, type Member, type MemberTab } from './exclusive-group.ts'
import type { HubDatabase } from '../storage/hub-db.ts'
import type { Inbox } from '../storage/inbox.ts'
import type { RoutedSubscription, SubscriptionRegistry } from './subscription-registry.ts'

/**
 * Where each tab has a worker of its own (no SharedWorker), the workers of one browser agree on
 * which of them serves a group: only the holder subscribes, so each message is handled once
 * across tabs (Web Locks in a browser; a lock of a worker that ends is released).
 */
export interface GroupLeases {
  /** Resolves once this worker holds the group, with the function that gives it up; rejects if `signal` aborts first. */
  acquire(session: string, group: string, signal: AbortSignal): Promise<() => void>
}


/**
 * The exclusive groups of one session. A group holds its own broker subscription (its anchor) for
 * as long as it exists, also while no member is alive, so that its messages keep reaching the
 * inbox; it ends when its last member unsubscribes. Groups are recorded in IndexedDB: a worker
 * that starts on a persistent session (`clean: false`) routes the broker's queued messages to
 * them before any tab is back.
 */
export class ExclusiveGroups {
  private readonly groups = new Map<string, ExclusiveGroup>()
  private readonly anchors = new Map<ExclusiveGroup, RoutedSubscription>()
  /** With leases: the groups this worker holds (subscribed), and how to give each up; a pending acquire is aborted. */
  private readonly leased = new Map<ExclusiveGroup, { held: (() => void) | null; abort: AbortController }>()

  constructor(
    private readonly session: string,
    private readonly registry: SubscriptionRegistry,
    private readonly db: HubDatabase | null,
    private readonly inbox: Inbox | null,
    /** Set where each tab has a worker of its own: a group is served by one worker of the browser at a time. */
    private readonly leases?: GroupLeases,
  ) {}

  /** Makes the tab's subscription a member of its group, creating the group if needed. */
  async join(tab: MemberTab, spec: SubscriptionSpec & { exclusive: ExclusiveSpec }): Promise<{ group: ExclusiveGroup; member: Member }> {
    let group = this.groups.get(spec.exclusive.group)
    if (group && group.filter !== spec.filter) {
      throw new HubError('INVALID_OPTIONS', `Exclusive group "${group.name}" is for the filter "${group.filter}", not "${spec.filter}"`)
    }
    if (!group) group = await this.create(spec.exclusive.group, spec.filter, spec.qos, spec.exclusive)
    else await this.raiseQos(group, spec.qos)
    const member: Member = { tab, id: spec.id, outstanding: new Set(), stalled: false }
    group.join(member)
    return { group, member }
  }

  /**
   * A member left. An explicit unsubscribe by the last member ends the group and its inbox. With
   * leases, a group this worker has no member of ends here and passes to another tab's worker,
   * inbox and all.
   */
  leave(group: ExclusiveGroup, member: Member, explicit: boolean): void {
    group.leave(member)
    if (group.members.length > 0 || this.groups.get(group.name) !== group) return
    if (this.leases) this.handOver(group)
    if (this.leases || !explicit) return
    this.groups.delete(group.name)
    const anchor = this.anchors.get(group)
    if (anchor) this.registry.remove(anchor)
    this.anchors.delete(group)
    void this.db?.delete('groups', [this.session, group.name]).catch(() => {})
    void this.inbox?.clear(this.session, group.name).catch(() => {})
  }

  /** Recreates the groups recorded by an earlier worker (for a persistent session, before connecting). */
  async restore(): Promise<void> {
    if (this.leases) return // a group is recreated by a tab that joins it, and served by whichever worker holds it
    const records = (await this.db?.getAllFromIndex('groups', 'bySession', this.session).catch(() => [])) ?? []
    // Before connecting: the broker re-sends right after CONNACK, and each group must know what its inbox holds.
    await Promise.all(records
      .filter((record) => !this.groups.has(record.group))
      .map((record) => this.create(record.group, record.filter, record.qos, { group: record.group, ...DEFAULTS.exclusive })))
  }

  /** No new job starts; resolves once no member runs one, or after `timeoutMs`. */
  async quiesce(timeoutMs: number): Promise<void> {
    await Promise.all([...this.groups.values()].map((group) => group.quiesce(timeoutMs)))
  }

  metrics(): SessionMetrics['exclusive'] {
    const out: SessionMetrics['exclusive'] = {}
    for (const group of this.groups.values()) out[group.name] = { ...group.metrics, pending: group.pending }
    return out
  }

  private async create(name: string, filter: string, qos: QoS, spec: ExclusiveSpec): Promise<ExclusiveGroup> {
    const group = new ExclusiveGroup(this.session, name, filter, spec, this.inbox)
    group.onNotDurable = () => {
      const warning = toWire(new HubError('PUBLISH_FAILED',
        `Exclusive group "${name}": the inbox is full (${this.inbox?.limit} messages); a message is kept in memory only`))
      for (const member of group.members) member.tab.warn(warning)
    }
    this.groups.set(name, group)
    const anchor: RoutedSubscription = { subscriber: group, id: 0, filter, qos }
    this.anchors.set(group, anchor)
    void this.db?.put('groups', { session: this.session, group: name, filter, qos }).catch(() => {})
    if (this.leases) this.serveWhenHeld(group, this.leases)
    else await this.serve(group)
    return group
  }

  /** Subscribes the group and loads what its inbox holds (jobs an earlier holder did not finish). */
  private async serve(group: ExclusiveGroup): Promise<void> {
    const anchor = this.anchors.get(group)
    await Promise.all([anchor && this.registry.add(anchor), group.restore()])
  }

  /** The group's members wait (their subscribe() has resolved) until this worker holds the group. */
  private serveWhenHeld(group: ExclusiveGroup, leases: GroupLeases): void {
    const lease = { held: null as (() => void) | null, abort: new AbortController() }
    this.leased.set(group, lease)
    leases.acquire(this.session, group.name, lease.abort.signal).then((release) => {
      if (this.leased.get(group) !== lease) return release() // ended while waiting
      lease.held = release
      void this.serve(group).catch(() => {})
    }, () => {}) // aborted while waiting
  }

  /** No member left in this worker: unsubscribe, finish the inbox's deletes, then let another worker serve the group. */
  private handOver(group: ExclusiveGroup): void {
    this.groups.delete(group.name)
    const anchor = this.anchors.get(group)
    this.anchors.delete(group)
    const lease = this.leased.get(group)
    this.leased.delete(group)
    if (!lease?.held) {
      lease?.abort.abort()
      return
    }
    if (anchor) this.registry.remove(anchor)
    const release = lease.held
    const inbox = this.inbox
    void (inbox?.flush() ?? Promise.resolve()).catch(() => {}).then(() => {
      inbox?.forget(this.session, group.name) // the next holder may change what is on disk
      release()
    })
  }

  /** The group's broker subscription carries the highest QoS any member asked for. */
  private async raiseQos(group: ExclusiveGroup, qos: QoS): Promise<void> {
    const anchor = this.anchors.get(group)
    if (!anchor || anchor.qos >= qos) return
    const raised = { ...anchor, qos }
    this.anchors.set(group, raised)
    if (this.leases && !this.leased.get(group)?.held) return // subscribed with this QoS once held
    await this.registry.add(raised)
    this.registry.remove(anchor)
    void this.db?.put('groups', { session: this.session, group: group.name, filter: group.filter, qos }).catch(() => {})
  }
}
