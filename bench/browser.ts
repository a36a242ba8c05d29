// Headless Chromium as the e2e tests run it, and tabs of the bench pages driven through plain
// CDP. Playwright launches the browser, but its own page API is not used for the tabs: it
// enables the Network domain on every page it drives, and Chromium then reports every WebSocket
// frame to it, which costs the browser process (and Node) per frame: a tax on MQTT.js in a tab
// that the hub's SharedWorker (which Playwright does not attach to) never pays. Tabs live in
// browser contexts created over CDP, which Playwright leaves alone, and get Runtime only.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type CDPSession } from '@playwright/test'
import type { BenchPage } from './pages/bench-page.ts'
import type { BenchPages, PageKind } from './pages.ts'
import { sleep } from './stats.ts'

const ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

export function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
  return chromium.launch({ executablePath, args: ARGS })
}

export function browserVersion(browser: Browser): string {
  return `Chromium ${browser.version()}`
}

/** One attached target (tab or worker), spoken to through Target.sendMessageToTarget. */
class TargetSession {
  private nextId = 1
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()

  constructor(private readonly cdp: CDPSession, readonly sessionId: string, readonly targetId: string) {}

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.cdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
        .catch((error: Error) => { this.pending.delete(id); reject(error) })
    })
  }

  receive(message: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown }): void {
    if (message.method === 'Runtime.exceptionThrown') {
      const details = (message.params as { exceptionDetails: { exception?: { description?: string }; text: string } }).exceptionDetails
      console.error(`  [page error] ${details.exception?.description ?? details.text}`)
    }
    const waiter = message.id === undefined ? undefined : this.pending.get(message.id)
    if (!waiter) return
    this.pending.delete(message.id!)
    if (message.error) waiter.reject(new Error(message.error.message))
    else waiter.resolve(message.result)
  }

  detached(): void {
    for (const waiter of this.pending.values()) waiter.reject(new Error('Target closed'))
    this.pending.clear()
  }
}

/** The browser seen through one CDP session: contexts, tabs and workers Playwright does not drive. */
export class BenchBrowser {
  private readonly sessions = new Map<string, TargetSession>()

  private constructor(readonly browser: Browser, private readonly cdp: CDPSession) {
    cdp.on('Target.receivedMessageFromTarget', (event) => this.sessions.get(event.sessionId)?.receive(JSON.parse(event.message)))
    cdp.on('Target.detachedFromTarget', (event) => {
      this.sessions.get(event.sessionId)?.detached()
      this.sessions.delete(event.sessionId)
    })
  }

  static async launch(): Promise<BenchBrowser> {
    const browser = await launchBrowser()
    return new BenchBrowser(browser, await browser.newBrowserCDPSession())
  }

  async attach(targetId: string): Promise<TargetSession> {
    const { sessionId } = await this.cdp.send('Target.attachToTarget', { targetId, flatten: false })
    const session = new TargetSession(this.cdp, sessionId, targetId)
    this.sessions.set(sessionId, session)
    return session
  }

  async detach(session: TargetSession): Promise<void> {
    this.sessions.delete(session.sessionId)
    await this.cdp.send('Target.detachFromTarget', { sessionId: session.sessionId }).catch(() => {})
  }

  createContext(): Promise<string> {
    return this.cdp.send('Target.createBrowserContext', {}).then((r) => r.browserContextId)
  }

  async disposeContext(browserContextId: string): Promise<void> {
    await this.cdp.send('Target.disposeBrowserContext', { browserContextId }).catch(() => {})
  }

  createTarget(url: string, browserContextId: string): Promise<string> {
    return this.cdp.send('Target.createTarget', { url, browserContextId }).then((r) => r.targetId)
  }

  async closeTarget(targetId: string): Promise<void> {
    await this.cdp.send('Target.closeTarget', { targetId })
  }

  /** Used JS heap of each SharedWorker of a context, after a full garbage collection. */
  async sharedWorkerHeaps(browserContextId: string): Promise<number[]> {
    const { targetInfos } = await this.cdp.send('Target.getTargets')
    const heaps: number[] = []
    for (const target of targetInfos.filter((t) => t.type === 'shared_worker' && t.browserContextId === browserContextId)) {
      const session = await this.attach(target.targetId)
      await session.send('HeapProfiler.collectGarbage')
      heaps.push((await session.send<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize)
      await this.detach(session)
    }
    return heaps
  }

  close(): Promise<void> {
    return this.browser.close()
  }
}

type Bench = Omit<BenchPage, 'extra'>
type Method = keyof Bench

/** One tab of a bench page; calls window.bench in it. */
export class Tab {
  constructor(private readonly session: TargetSession) {}

  get targetId(): string {
    return this.session.targetId
  }

  /** Calls `window.bench[method](...args)` in the tab and returns its (awaited, JSON) result. */
  call<M extends Method>(method: M, ...args: Parameters<Bench[M]>): Promise<Awaited<ReturnType<Bench[M]>>> {
    return this.evaluate(`window.bench.${method}(...${JSON.stringify(args)})`)
  }

  /** Calls a page-specific `window.bench.extra[name](...args)`. */
  extra<T>(name: string, ...args: unknown[]): Promise<T> {
    return this.evaluate(`window.bench.extra[${JSON.stringify(name)}](...${JSON.stringify(args)})`)
  }

  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.session.send<{
      result: { value?: unknown }
      exceptionDetails?: { exception?: { description?: string }; text: string }
    }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text)
    return result.value as T
  }

  /** JSHeapUsedSize after a full garbage collection. */
  async heap(): Promise<number> {
    await this.session.send('HeapProfiler.collectGarbage')
    await this.session.send('Performance.enable')
    const { metrics } = await this.session.send<{ metrics: Array<{ name: string; value: number }> }>('Performance.getMetrics')
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN
  }

  /** The main thread's busy time so far (CDP Performance.getMetrics TaskDuration), in ms. */
  async busyMs(): Promise<number> {
    await this.session.send('Performance.enable')
    const { metrics } = await this.session.send<{ metrics: Array<{ name: string; value: number }> }>('Performance.getMetrics')
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN) * 1000
  }

  /** Wall-clock ms of the page's load event, once it happened. */
  async loadedAt(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (let at = await this.call('loadedAt'); Date.now() < deadline; at = await this.call('loadedAt')) {
      if (at !== null) return at
      await sleep(10)
    }
    throw new Error('The bench page never fired its load event')
  }

  async untilReady(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const probe = `document.getElementById('state')?.textContent === 'ready'`
    while (!(await this.evaluate<boolean>(probe).catch(() => false))) {
      if (Date.now() > deadline) throw new Error('The bench page did not load')
      await sleep(20)
    }
  }
}

/** Tabs of one page kind in one browser context (so hub tabs share one SharedWorker). */
export class TabGroup {
  readonly tabs: Tab[] = []

  private constructor(private readonly browser: BenchBrowser, readonly contextId: string, private readonly url: string, readonly kind: PageKind) {}

  static async open(browser: BenchBrowser, pages: BenchPages, kind: PageKind): Promise<TabGroup> {
    return new TabGroup(browser, await browser.createContext(), pages.url(kind), kind)
  }

  /** Opens a tab, connects it to the broker and subscribes it to `filter`. */
  async add(brokerUrl: string, filter: string | null): Promise<Tab> {
    const session = await this.browser.attach(await this.browser.createTarget(this.url, this.contextId))
    await session.send('Runtime.enable') // page errors are logged
    const tab = new Tab(session)
    await tab.untilReady()
    await tab.call('connect', brokerUrl)
    if (filter !== null) await tab.call('subscribe', filter)
    this.tabs.push(tab)
    return tab
  }

  /** Opens a tab that connects and subscribes by itself at load (see autostart in bench-page.ts). */
  async addAutostarted(query: Record<string, string>): Promise<Tab> {
    const url = `${this.url}?${new URLSearchParams(query).toString()}`
    const session = await this.browser.attach(await this.browser.createTarget(url, this.contextId))
    await session.send('Runtime.enable')
    const tab = new Tab(session)
    await tab.untilReady()
    this.tabs.push(tab)
    return tab
  }

  async grow(count: number, brokerUrl: string, filter: string | null): Promise<void> {
    while (this.tabs.length < count) await this.add(brokerUrl, filter)
  }

  /** Closes one tab as a user would (its pagehide handlers run). */
  async closeTab(tab: Tab): Promise<void> {
    this.tabs.splice(this.tabs.indexOf(tab), 1)
    await this.browser.closeTarget(tab.targetId)
  }

  workerHeaps(): Promise<number[]> {
    return this.browser.sharedWorkerHeaps(this.contextId)
  }

  close(): Promise<void> {
    return this.browser.disposeContext(this.contextId)
  }
}
