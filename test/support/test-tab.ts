// Test support (not shipped): a tab as the worker sees it, driven from Node through the real
// Comlink facade over a MessageChannel, with the worker's liveness signal under the test's control.
import * as Comlink from 'comlink'
import { HubError } from '../../src/errors.ts'
import { DEFAULTS } from '../../src/defaults.ts'
import { unpackDeliveries } from '../../src/delivery-batch.ts'
import { type Delivery, type OpenRequest, PROTOCOL_VERSION, type PublishedEvent, type StatusEvent, type TabApi, type WorkerAddress, type WorkerEvent } from '../../src/protocol.ts'
import type { ExclusiveSpec, HubEvent, MqttConnectOptions, OutboxLimits, QoS, QueueLimits } from '../../src/public-types.ts'
import { exposeTabApi } from '../../worker/service/expose.ts'
import { HubService, type Liveness } from '../../worker/service/hub-service.ts'
import type { SessionStorage } from '../../worker/session/session.ts'

export class TestWorker {
  private readonly gone = new Map<string, () => void>()
  readonly service: HubService
  private tabs = 0

  constructor(storage?: Promise<SessionStorage>) {
    const liveness: Liveness = {
      workerLock: 'test-worker',
      workerLockHeld: Promise.resolve(),
      watchTab: (tabLock, onGone) => this.gone.set(tabLock, onGone),
      ownSession: async () => () => {},
    }
    this.service = new HubService(liveness, storage)
  }

  /** Connects a new tab, as `onconnect` does for a real port. */
  tab(): TestTab {
    const channel = new MessageChannel()
    exposeTabApi(this.service.facade(), channel.port1)
    const lock = `tab-${++this.tabs}`
    return new TestTab(Comlink.wrap<TabApi>(channel.port2), lock, () => this.gone.get(lock)?.())
  }
}

export interface OpenOptions {
  url: string
  name?: string
  mqtt?: MqttConnectOptions
  outbox?: Partial<OutboxLimits>
  queue?: Partial<QueueLimits>
  minSubscriptionQos?: QoS
  /** Default 0 here (the session closes with its last tab), so that tests do not wait for it. */
  lingerMs?: number
}

/** Polls `check` until it holds (for conditions that span several tabs, or the worker's counters). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new HubError('TIMEOUT', `Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export class TestTab {
  readonly statuses: StatusEvent[] = []
  readonly deliveries: Delivery[] = []
  readonly warnings: string[] = []
  readonly acked: PublishedEvent['results'] = []
  readonly hubEvents: HubEvent[] = []
  private events: MessagePort | undefined
  private nextId = 1
  private listeners = new Set<() => void>()
  /** A frozen tab reads nothing: it confirms no batch until thawed. */
  private frozen = false
  private unconfirmed = 0

  constructor(
    readonly remote: Comlink.Remote<TabApi>,
    readonly lock: string,
    /** What the worker sees when the tab closes, crashes or navigates away (its Web Lock is released). */
    readonly crash: () => void,
  ) {}

  async open(options: OpenOptions): Promise<StatusEvent> {
    const events = new MessageChannel()
    this.events = events.port1
    events.port1.onmessage = (event: MessageEvent<WorkerEvent>) => {
      if (event.data.type === 'status') this.statuses.push(event.data)
      else if (event.data.type === 'warning') this.warnings.push(event.data.error.message)
      else if (event.data.type === 'published') this.acked.push(...event.data.results)
      else if (event.data.type === 'event') this.hubEvents.push(event.data.event)
      else if (event.data.type === 'dispatched') return // its jobs may start: this test tab starts them when a test settles them
      else if (event.data.type === 'superseded') this.supersededBy = event.data.worker ?? null
      else if (event.data.type === 'withdrawn') for (const job of event.data.jobs) this.withdrawn.add(`${event.data.sub}:${job}`)
      else {
        unpackDeliveries(event.data, (delivery) => this.deliveries.push(delivery))
        if (this.frozen) this.unconfirmed++
        else events.port1.postMessage({ type: 'received' })
      }
      for (const listener of this.listeners) listener()
    }
    const request: OpenRequest = {
      protocol: PROTOCOL_VERSION,
      name: options.name ?? 'default',
      url: [options.url],
      maxIncomingPacketBytes: 8 * 1024 * 1024,
      ...(options.minSubscriptionQos !== undefined && { minSubscriptionQos: options.minSubscriptionQos }),
      mqtt: options.mqtt ?? {},
      reconnect: { ...DEFAULTS.reconnect, minDelayMs: 100, maxDelayMs: 500 },
      tabLock: this.lock,
      subscriptions: [],
      awaiting: [],
      outbox: { ...DEFAULTS.outbox, ...options.outbox },
      queue: { ...DEFAULTS.queue, ...options.queue },
      lingerMs: options.lingerMs ?? 0,
      events: events.port2,
    }
    const opened = await this.remote.open(Comlink.transfer(request, [events.port2]))
    this.statuses.push(opened.status)
    return opened.status
  }

  /**
   * Leaves, as the tab stub's close() does: it waits at most a second for the worker's answer
   * (seen once on a clean clone: a close that never answered held a test's teardown).
   */
  async leave(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))
    await Promise.race([this.remote.close().catch(() => {}), bound])
    clearTimeout(timer)
  }

  async subscribe(filter: string, qos: QoS = 0, exclusive?: Partial<ExclusiveSpec>): Promise<number> {
    const id = this.nextId++
    const spec = exclusive && { group: filter, balance: 'sticky' as const, timeoutMs: 30_000, retries: 0, ...exclusive }
    await this.remote.subscribe({ id, filter, qos, ...(spec && { exclusive: spec }) })
    return id
  }

  /** Exclusive jobs delivered to this tab (in order), not yet settled by `settle()`. */
  jobs(): Delivery[] {
    return this.deliveries.filter((d) => d.job !== undefined && !this.settledJobs.has(d) && !this.withdrawn.has(`${d.subs[0]}:${d.job}`))
  }

  /** Reports an exclusive job as finished, as the tab stub does when the handler settles. */
  settle(delivery: Delivery, error?: string): void {
    this.settledJobs.add(delivery)
    this.events!.postMessage({ type: 'settled', sub: delivery.subs[0]!, job: delivery.job!, ...(error && { error }) })
  }

  private readonly settledJobs = new Set<Delivery>()
  /** Set when a newer worker took the connection over (null: it did not say where it is). */
  supersededBy: WorkerAddress | null | undefined
  /** Jobs the worker took back ("sub:job"): the tab stub does not start them. */
  readonly withdrawn = new Set<string>()

  /** Stops confirming batches, as a tab whose main thread is blocked. */
  freeze(): void {
    this.frozen = true
  }

  /** Confirms what arrived while frozen, as the tab does once its main thread is free again. */
  thaw(): void {
    this.frozen = false
    for (; this.unconfirmed > 0; this.unconfirmed--) this.events!.postMessage({ type: 'received' })
  }

  /** Reports the page's visibility, as the tab stub does on `visibilitychange`. */
  setVisible(visible: boolean): void {
    this.events!.postMessage({ type: 'visibility', visible })
  }

  /** Reports the page frozen or in the back/forward cache (`active` false) or back, as the tab stub does. */
  setLifecycle(active: boolean): void {
    this.events!.postMessage({ type: 'lifecycle', active })
  }

  /** Messages delivered to one subscription of this tab, as "topic payload" strings. */
  received(id: number): string[] {
    return this.deliveries.filter((d) => d.subs.includes(id)).map((d) => `${d.topic} ${new TextDecoder().decode(d.payload)}`)
  }

  get status(): string {
    return this.statuses.at(-1)?.status ?? 'none'
  }

  /** Waits until `check` holds, re-checking after every event from the worker. */
  until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener)
        reject(new HubError('TIMEOUT', `Timed out waiting for ${what}`))
      }, timeoutMs)
      const listener = (): void => {
        if (!check()) return
        clearTimeout(timer)
        this.listeners.delete(listener)
        resolve()
      }
      this.listeners.add(listener)
    })
  }
}
