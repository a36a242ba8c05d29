// Playwright fixtures: a real broker per project (aedes in-process, a mosquitto or RabbitMQ process), tabs
// that load the harness page in one browser context (so they share one SharedWorker), and CDP
// access to that worker, which Playwright has no API for.
import { test as base, expect, type BrowserContext, type CDPSession, type Page } from '@playwright/test'
import { BROKER_TRAITS, startBroker, type BrokerKind, type BrokerTraits, type TestBroker } from './brokers.ts'

export interface BrokerOptions {
  brokerKind: BrokerKind
  protocolVersion: 4 | 5
}

/**
 * Hub options a user of this broker must set, given to every hub the test pages open (through
 * `window.hubTestOptions`): RabbitMQ needs every broker subscription at one QoS (docs/brokers.md).
 */
const HUB_OPTIONS: Record<BrokerKind, object> = { aedes: {}, mosquitto: {}, rabbitmq: { minSubscriptionQos: 1 } }

interface Fixtures {
  /** What the project's broker gives by its nature (RabbitMQ: no MQTT 5, no retained for wildcards, QoS 2 as 1). */
  traits: BrokerTraits
  /** Opens a new tab of the harness page in the test's browser context. */
  openTab: () => Promise<Page>
  /** A topic prefix no other test uses (retained messages outlive tests on a shared broker). */
  prefix: string
  /** The shared workers of the browser, seen through CDP. */
  sharedWorkers: {
    list(): Promise<string[]>
    killAll(): Promise<number>
    /** JS heap in use by the (first) shared worker, in bytes; `collect` runs a full GC first. */
    heapUsed(collect?: boolean): Promise<number>
  }
}

let counter = 0

export const test = base.extend<Fixtures, BrokerOptions & { broker: TestBroker }>({
  brokerKind: ['aedes', { option: true, scope: 'worker' }],
  protocolVersion: [4, { option: true, scope: 'worker' }],
  broker: [
    async ({ brokerKind }, use) => {
      const broker = await startBroker(brokerKind)
      await use(broker)
      await broker.close()
    },
    { scope: 'worker' },
  ],
  traits: async ({ brokerKind }, use) => {
    await use(BROKER_TRAITS[brokerKind])
  },
  context: async ({ context, brokerKind }, use) => {
    const options = HUB_OPTIONS[brokerKind]
    await context.addInitScript((o) => { (window as unknown as { hubTestOptions: object }).hubTestOptions = o }, options)
    await use(context)
  },
  prefix: async ({ protocolVersion }, use, testInfo) => {
    // No '.': RabbitMQ takes it for a level separator (e2e/rabbitmq.test.ts).
    await use(`e2e/${testInfo.project.name.replaceAll('.', '_')}/${protocolVersion}/${++counter}-${Date.now()}`)
  },
  openTab: async ({ context }, use) => {
    await use(() => openTab(context))
  },
  sharedWorkers: async ({ browser }, use) => {
    const cdp = await browser.newBrowserCDPSession()
    const workers = async () => {
      const { targetInfos } = await cdp.send('Target.getTargets')
      return targetInfos.filter((t) => t.type === 'shared_worker')
    }
    await use({
      list: async () => (await workers()).map((t) => t.url),
      killAll: async () => {
        const found = await workers()
        for (const t of found) await cdp.send('Target.closeTarget', { targetId: t.targetId })
        return found.length
      },
      heapUsed: async (collect = false) => {
        const [target] = await workers()
        if (!target) throw new Error('no shared worker')
        const worker = await workerSession(cdp, target.targetId)
        try {
          if (collect) await worker.send('HeapProfiler.collectGarbage')
          return ((await worker.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize
        } finally {
          await worker.detach()
        }
      },
    })
    await cdp.detach()
  },
})

/**
 * A CDP session with one worker target, through the browser session: Playwright's CDPSession
 * cannot address a child session, so messages go through Target.sendMessageToTarget.
 */
async function workerSession(cdp: CDPSession, targetId: string) {
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false })
  let nextId = 1
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>()
  const onMessage = (event: { sessionId?: string; message: string }): void => {
    if (event.sessionId !== sessionId) return
    const reply = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } }
    const waiter = reply.id === undefined ? undefined : pending.get(reply.id)
    if (!waiter) return
    pending.delete(reply.id!)
    if (reply.error) waiter.reject(new Error(reply.error.message))
    else waiter.resolve(reply.result)
  }
  cdp.on('Target.receivedMessageFromTarget', onMessage)
  return {
    send: (method: string, params: object = {}) => new Promise<unknown>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject)
    }),
    detach: async () => {
      cdp.off('Target.receivedMessageFromTarget', onMessage)
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {})
    },
  }
}

export async function openTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
  await page.goto('/e2e/harness/index.html')
  await expect(page.locator('#state')).toHaveText('ready')
  return page
}

/** Polls `read` until it equals `expected` (deep), for counts that settle asynchronously. */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeout = 10_000): Promise<void> {
  await expect.poll(read, { timeout }).toEqual(expected)
}

export { expect }
