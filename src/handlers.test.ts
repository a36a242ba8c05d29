// The tab's side of exclusive work: a job starts only once the worker said its batch was
// dispatched, and never while the page is away (frozen, cached or closing), when the worker
// gives every job the tab holds to another member.
import { describe, expect, it } from 'vitest'
import { packDeliveries } from './delivery-batch.ts'
import { Handlers, type LocalSubscription } from './handlers.ts'
import type { TabEvent } from './protocol.ts'

function setUp() {
  const ran: string[] = []
  const subs = new Map<number, LocalSubscription>([[1, {
    id: 1, filter: 'jobs', qos: 1, exclusive: { group: 'jobs', balance: 'sticky', timeoutMs: 30_000, retries: 0 },
    handler: (m) => void ran.push(m.text()), chain: Promise.resolve(),
  }]])
  const handlers = new Handlers(subs)
  const replies: TabEvent[] = []
  const job = (n: number) => ({ subs: [1], topic: 'jobs', payload: new TextEncoder().encode(`j${n}`), qos: 1 as const, retain: false, job: n })
  const deliver = (...jobs: number[]) => handlers.deliver(packDeliveries(jobs.map(job)), (event) => replies.push(event))
  const settled = async () => {
    await subs.get(1)!.chain
    return replies.filter((r) => r.type === 'settled').map((r) => (r as { job: number }).job)
  }
  return { handlers, ran, deliver, settled }
}

describe('exclusive jobs in the tab', () => {
  it('start once their batch is dispatched, in order, each settled', async () => {
    const { handlers, ran, deliver, settled } = setUp()
    deliver(1, 2)
    await Promise.resolve()
    expect(ran).toEqual([])
    handlers.dispatched()
    expect(await settled()).toEqual([1, 2])
    expect(ran).toEqual(['j1', 'j2'])
  })

  it('do not start while the page is away, though their batch was dispatched; start again once it is back', async () => {
    const { handlers, ran, deliver, settled } = setUp()
    deliver(1, 2)
    handlers.pageActive = false // pagehide: the worker takes these back
    handlers.dispatched()
    expect(await settled()).toEqual([])
    expect(ran).toEqual([])
    handlers.pageActive = true
    deliver(3)
    handlers.dispatched()
    expect(await settled()).toEqual([3])
  })
})
