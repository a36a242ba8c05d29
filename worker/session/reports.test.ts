// hub.inspect() through the worker's real tab facade, against in-process aedes: what an app's
// inspector (the demo) shows must match what the broker and the tabs really hold.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startAedes, type TestBroker } from '../../e2e/brokers.ts'
import { TestWorker, type TestTab } from '../../test/support/test-tab.ts'

describe('hub inspection', () => {
  let broker: TestBroker
  let worker: TestWorker
  const opened: TestTab[] = []
  let run = 0
  const prefix = (): string => `inspect-${++run}-${Date.now()}`

  beforeAll(async () => {
    broker = await startAedes()
  })
  afterAll(() => broker.close())
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((tab) => tab.leave()))
  })

  async function openTabs(count: number): Promise<TestTab[]> {
    worker = new TestWorker()
    const tabs = Array.from({ length: count }, () => worker.tab())
    opened.push(...tabs)
    for (const tab of tabs) await tab.open({ url: broker.url })
    await tabs[0]!.until(() => tabs[0]!.status === 'connected', 'connected')
    return tabs
  }

  it('lists every tab with its visibility and subscriptions, and marks the asking tab', async () => {
    const p = prefix()
    const [a, b, c] = await openTabs(3)
    await a!.subscribe(`${p}/#`, 1)
    await b!.subscribe(`${p}/#`, 0)
    await b!.subscribe(`${p}/x`, 2)
    await c!.subscribe(`${p}/jobs/+`, 1, { group: 'jobs' })
    b!.setVisible(false) // on the events port, which has no order with calls: poll
    let seen = await b!.remote.inspect()
    while (seen.tabs.find((t) => t.self)!.visible) seen = await b!.remote.inspect()

    expect(seen.tabs).toHaveLength(3)
    expect(seen.tabs.filter((t) => t.self)).toHaveLength(1)
    const self = seen.tabs.find((t) => t.self)!
    expect(self.visible).toBe(false)
    expect(self.subscriptions).toEqual([{ filter: `${p}/#`, qos: 0 }, { filter: `${p}/x`, qos: 2 }])
    expect(seen.tabs.filter((t) => t.visible)).toHaveLength(2)
    expect(new Set(seen.tabs.map((t) => t.id)).size).toBe(3)
    expect(seen.tabs.find((t) => t.subscriptions.some((s) => s.group === 'jobs'))?.subscriptions)
      .toEqual([{ filter: `${p}/jobs/+`, qos: 1, group: 'jobs' }])
  })

  it('counts subscriptions per filter across tabs and shows what the broker granted', async () => {
    const p = prefix()
    const [a, b, c] = await openTabs(3)
    await a!.subscribe(`${p}/#`, 1)
    await b!.subscribe(`${p}/#`, 0)
    await b!.subscribe(`${p}/#`, 0) // twice in one tab: two subscriptions, one tab
    await c!.subscribe(`${p}/jobs/+`, 1, { group: 'jobs' })
    await a!.subscribe(`${p}/jobs/+`, 1, { group: 'jobs' })

    const seen = await a!.remote.inspect()
    expect(seen.subscriptions).toEqual(expect.arrayContaining([
      { filter: `${p}/#`, qos: 1, tabs: 2, subscriptions: 3 },
      { filter: `${p}/jobs/+`, group: 'jobs', qos: 1, tabs: 2, subscriptions: 2 },
    ]))
    expect(seen.subscriptions).toHaveLength(2)
    // One broker subscription per filter, whatever the number of tabs (the group holds its own).
    expect(seen.broker).toEqual(expect.arrayContaining([{ filter: `${p}/#`, qos: 1 }, { filter: `${p}/jobs/+`, qos: 1 }]))
    expect(seen.broker).toHaveLength(2)
    const stats = await broker.stats()
    expect(stats.subscribes.filter((s) => s.filter.startsWith(p)).map((s) => s.filter).sort()).toEqual([`${p}/#`, `${p}/jobs/+`])
  })

  it('drops a tab that crashed, with its subscriptions', async () => {
    const p = prefix()
    const [a, b] = await openTabs(2)
    await a!.subscribe(`${p}/a`)
    await b!.subscribe(`${p}/b`)
    b!.crash()
    const seen = await a!.remote.inspect()
    expect(seen.tabs.map((t) => t.self)).toEqual([true])
    expect(seen.subscriptions.map((s) => s.filter)).toEqual([`${p}/a`])
  })

  it('tells the connection: url, client id, status, since when, and how many reconnects', async () => {
    const [a] = await openTabs(1)
    const before = Date.now()
    let seen = await a!.remote.inspect()
    expect(seen).toMatchObject({ name: 'default', url: `${broker.url}/`, protocolVersion: 4, status: 'connected', reconnects: 0 })
    expect(seen.clientId).toMatch(/^mqtt-hub-/)
    expect(seen.connectedAt).toBeLessThanOrEqual(before)
    expect((await broker.stats()).clients).toContain(seen.clientId)

    await broker.stop()
    await a!.until(() => a!.status === 'offline', 'offline')
    seen = await a!.remote.inspect()
    expect(seen.connectedAt).toBeNull()
    await broker.start()
    await a!.until(() => a!.status === 'connected', 'connected again', 8000)
    seen = await a!.remote.inspect()
    expect(seen.reconnects).toBe(1)
    expect(seen.connectedAt).toBeGreaterThan(before)
  })
})
