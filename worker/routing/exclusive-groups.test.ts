// Exclusive groups where each tab has a worker of its own (no SharedWorker): one worker of the
// browser serves a group at a time, under a lease, and hands it over with its inbox when its last
// member leaves. Two workers over one database (fake-indexeddb), their leases from one lock table
// that grants in request order, as Web Locks do.
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { DEFAULTS } from '../../src/defaults.ts'
import { waitFor } from '../../test/support/test-tab.ts'
import type { Delivery } from '../../src/protocol.ts'
import { openHubDatabase, type HubDatabase } from '../storage/hub-db.ts'
import { Inbox } from '../storage/inbox.ts'
import { ExclusiveGroups, type GroupLeases } from './exclusive-groups.ts'
import type { MemberTab } from './exclusive-group.ts'
import { SubscriptionRegistry, type BrokerSubscriber } from './subscription-registry.ts'

/** Web Locks' exclusive mode for group leases: one holder per name, the others wait in order. */
class LockTable implements GroupLeases {
  private readonly queues = new Map<string, Array<() => void>>()
  /** Grants so far, by name: the holder's release resolves the next. */
  readonly grants = new Map<string, number>()

  acquire(session: string, group: string): Promise<() => void> {
    const name = `${session}:${group}`
    const queue = this.queues.get(name) ?? []
    this.queues.set(name, queue)
    return new Promise((resolve) => {
      const grant = (): void => {
        this.grants.set(name, (this.grants.get(name) ?? 0) + 1)
        resolve(() => {
          queue.shift()
          queue[0]?.()
        })
      }
      queue.push(grant)
      if (queue.length === 1) grant()
    })
  }

  /** The holder and those waiting. */
  requests(session: string, group: string): number {
    return this.queues.get(`${session}:${group}`)?.length ?? 0
  }
}

/** A broker connection that is offline: subscriptions are taken, and sent at the next CONNACK. */
const offline: BrokerSubscriber = { isConnected: false, subscribe: () => {}, unsubscribe: async () => {} }

/** A tab that records what it was given and never finishes a job. */
function tab(): MemberTab & { jobs: string[] } {
  const jobs: string[] = []
  return { jobs, visible: true, active: true, deliver: (d: Delivery) => void jobs.push(new TextDecoder().decode(d.payload)), withdraw: () => {}, warn: () => {} }
}

async function worker(db: HubDatabase, leases: GroupLeases) {
  const inbox = await Inbox.open(db)
  return { inbox, groups: new ExclusiveGroups('s', new SubscriptionRegistry(offline), db, inbox, leases) }
}

const spec = (id: number) => ({ id, filter: 'jobs/#', qos: 1 as const, exclusive: { group: 'g', ...DEFAULTS.exclusive } })
const message = (n: number) => ({ topic: 'jobs/x', payload: new TextEncoder().encode(`job-${n}`), qos: 1 as const, retain: false, packetId: n, connection: 1, justConnected: false })

describe('ExclusiveGroups with a worker per tab', () => {
  it('hands a group over with its unfinished jobs when its last member leaves, and stops counting them in its inbox', async () => {
    const db = await openHubDatabase(`groups-${Date.now()}`)
    const leases = new LockTable()
    const [a, b] = [await worker(db, leases), await worker(db, leases)]
    const [tabA, tabB] = [tab(), tab()]

    const { group, member } = await a.groups.join(tabA, spec(1))
    await waitFor(() => leases.grants.get('s:g') === 1, 'worker A holding the group')
    await Promise.all([group.receive(message(1)), group.receive(message(2))])
    expect(tabA.jobs).toEqual(['job-1', 'job-2']) // given, never finished
    expect(a.inbox.depth).toBe(2)

    // Worker B's tab joins: B waits for the lease while A serves.
    await b.groups.join(tabB, spec(1))
    expect(leases.requests('s', 'g')).toBe(2)
    expect(leases.grants.get('s:g')).toBe(1)
    expect(tabB.jobs).toEqual([])

    a.groups.leave(group, member, false)
    // B holds the group and runs what A left unfinished, from the inbox on disk.
    await waitFor(() => tabB.jobs.length === 2, 'worker B running the jobs A left')
    expect(tabB.jobs).toEqual(['job-1', 'job-2'])
    expect(leases.grants.get('s:g')).toBe(2)
    // A no longer serves the group: its inbox does not count the group's messages, which B now owns.
    expect(a.inbox.depth).toBe(0)
    expect(b.inbox.depth).toBe(2)
  })
})
