// What every scenario file shares: one browser of an engine per file, the harness tabs a test
// opened (closed after it, and the hub worker seen to end), and brokers per describe block.
import { afterAll, afterEach, beforeAll, inject } from 'vitest'
import { startAedes, startMosquitto, type TestBroker } from '../brokers.ts'
import { launch, until, type Engine, type EngineName, type Tab } from './engines.ts'

declare const harness: Window['harness']

export interface BrokerKind {
  /** aedes-3.1.1, mosquitto-5 */
  name: string
  kind: 'aedes' | 'mosquitto'
  protocolVersion: 4 | 5
}

/**
 * Both brokers and both protocol versions. What differs between brokers is the Playwright suite's
 * matter (every broker, in Chromium); here it is the engine.
 */
export const BROKERS: BrokerKind[] = [
  { name: 'aedes-3.1.1', kind: 'aedes', protocolVersion: 4 },
  { name: 'mosquitto-5', kind: 'mosquitto', protocolVersion: 5 },
]

export interface Session {
  readonly engine: Engine
  /** The harness origin, e.g. http://127.0.0.1:PORT */
  readonly origin: string
  /** Opens a harness tab (closed after the test) and waits for its page to be ready. */
  tab(query?: string): Promise<Tab>
  /** Opens a tab on any URL (closed after the test). */
  open(url: string): Promise<Tab>
  /** Opens a harness tab and a hub in it, connected to `url`. */
  hubTab(url: string, mqtt?: object, query?: string): Promise<Tab>
  /** Closes a tab the test opened. */
  close(tab: Tab): Promise<void>
  /** Opens a tab that hides `tab` if the engine needs one; closed after the test. */
  hide(tab: Tab): Promise<void>
  /** Resolves once no hub worker of the origin is alive (its Web Lock is free). */
  workerGone(): Promise<void>
}

let prefixes = 0

/** A topic prefix no other test uses (retained messages outlive tests on a broker). */
export function topicPrefix(engine: string, broker: string): string {
  return `xb/${engine}/${broker}/${++prefixes}-${Date.now()}`
}

export function useEngine(name: EngineName): Session {
  let engine: Engine | undefined
  const opened: Tab[] = []
  /** Tabs on the harness page, which records its own errors (classic WebDriver has no console). */
  const harnessTabs = new Set<Tab>()
  const origin = inject('harnessOrigin')

  beforeAll(async () => {
    engine = await launch(name)
    console.log(`[${name}] ${engine.version}`)
  })

  afterEach(async () => {
    const errors: string[] = []
    for (const tab of harnessTabs) {
      const log = await tab.evaluate(() => (window as unknown as { pageLog?: Array<{ type: string; detail?: string }> }).pageLog ?? [])
      errors.push(...log.filter((e) => e.type === 'error').map((e) => e.detail ?? '?'))
    }
    harnessTabs.clear()
    for (const tab of opened.splice(0).reverse()) await tab.close()
    // The next test starts with no worker: the worker ends with its last tab. (A page of the
    // origin opened only to look: one kept open all along made WebKitGTK keep closed tabs' locks.)
    await session.workerGone()
    if (errors.length > 0) throw new Error(`uncaught errors in the test's pages: ${errors.join('; ')}`)
  })

  afterAll(async () => {
    await engine?.quit()
  })

  const session: Session = {
    get engine() {
      if (!engine) throw new Error(`${name} is not running`)
      return engine
    },
    origin,
    async tab(query = '') {
      const tab = await session.open(`${origin}/e2e/xbrowser/index.html${query}`)
      await until(() => tab.evaluate(() => document.getElementById('state')?.textContent), (s) => s === 'ready', 20_000, 'the harness page')
      harnessTabs.add(tab)
      return tab
    },
    async open(url) {
      const tab = await session.engine.open(url)
      opened.push(tab)
      return tab
    },
    async hubTab(url, mqtt = {}, query = '') {
      const tab = await session.tab(query)
      await tab.evaluate((o) => harness.open(o).then(() => {}), { url, mqtt })
      return tab
    },
    async close(tab) {
      harnessTabs.delete(tab)
      opened.splice(opened.indexOf(tab), 1)
      await tab.close()
    },
    async hide(tab) {
      const front = await session.engine.hide(tab)
      if (front) opened.push(front)
    },
    async workerGone() {
      const observer = await session.engine.open(`${origin}/e2e/xbrowser/away.html`)
      await until(
        () => observer.evaluate(async () => (await navigator.locks.query()).held?.filter((l) => l.name?.startsWith('mqtt-hub:worker:')).length ?? 0),
        (n) => n === 0, 10_000, 'the hub worker to end').finally(() => observer.close())
    },
  }
  return session
}

/** A real broker for the tests of one describe block. */
export function useBroker(kind: BrokerKind): { readonly broker: TestBroker } {
  let broker: TestBroker | undefined
  beforeAll(async () => {
    broker = kind.kind === 'aedes' ? await startAedes() : await startMosquitto()
  })
  afterAll(async () => {
    await broker?.close()
  })
  return {
    get broker() {
      if (!broker) throw new Error(`${kind.name} is not running`)
      return broker
    },
  }
}

/** Everything harness key `key` of `tab` received, as "topic text" lines. */
export const texts = (tab: Tab, key: string) => tab.evaluate((k) => harness.texts(k), key)
