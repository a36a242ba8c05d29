// What every bench page exposes to the runner (window.bench), whatever carries its messages: the
// runner drives hub, direct and election pages through the same calls and reads the same meter.
import { sentAtOf, seqOf, wallClock } from '../wire.mjs'

/**
 * A record of non-idempotent handler calls that outlives its tab: written to localStorage at
 * pagehide, and again for every call after it (a closing tab may still run a few handlers),
 * read by the runner from a surviving tab (closedTabCalls()). Returns the function that records.
 */
export function callRecord<T>(calls: T[]): (call: T) => void {
  const key = `bench-calls-${crypto.randomUUID()}`
  let hidden = false
  const save = (): void => localStorage.setItem(key, JSON.stringify(calls))
  addEventListener('pagehide', () => { hidden = true; save() })
  return (call) => {
    calls.push(call)
    if (hidden) save()
  }
}

/** The records of the tabs of this browser context that closed. */
export function closedTabCalls(): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)!
    if (key.startsWith('bench-calls-')) out.push(...(JSON.parse(localStorage.getItem(key)!) as unknown[]))
  }
  return out
}

/** How a page reaches the broker: mqtt-hub or its own MQTT.js client. */
export interface Transport {
  connect(url: string): Promise<void>
  subscribe(filter: string, onPayload: (payload: Uint8Array) => void): Promise<void>
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void>
}

export interface Progress {
  count: number
  /** Wall-clock ms of the first and the last message received since reset(). */
  first: number
  last: number
}

/** The handler: as little work as an app's cheapest handler, so that the transport is what is measured. */
class Meter {
  count = 0
  first = 0
  last = 0
  latencies: number[] | null = null

  constructor(private readonly now: () => number) {}

  onPayload(payload: Uint8Array): void {
    const at = this.now()
    if (this.count++ === 0) this.first = at
    this.last = at
    this.latencies?.push(at - sentAtOf(payload))
  }
}

export interface BenchPage {
  /** Wall-clock ms, aligned with the runner's (see wallClock). */
  now(): number
  /** Wall-clock ms of this page's load event (null before it). */
  loadedAt(): number | null
  connect(url: string): Promise<void>
  subscribe(filter: string): Promise<void>
  /** Forgets what was received; with `latency`, also records publish-to-handler latency per message. */
  reset(latency: boolean): void
  progress(): Progress
  latencies(): number[]
  /** ms from navigation start to the first message handled (null before it). */
  firstSinceNavigation(): number | null
  /** Publishes `count` QoS 1 messages with at most `window` unacknowledged; resolves with msg/s. */
  publishQos1(topic: string, count: number, window: number): Promise<number>
  /** Page-specific calls (the election page's leader state, the hub page's exclusive handler). */
  extra: Record<string, (...args: never) => unknown>
}

declare global {
  interface Window {
    bench: BenchPage
  }
}

/** Installs window.bench for `transport`; `onMessage` sees each message after the meter. */
export function exposeBenchPage(
  transport: Transport,
  extra: BenchPage['extra'] = {},
  onMessage: (payload: Uint8Array, seq: number) => void = () => {},
): void {
  const now = wallClock()
  let meter = new Meter(now)
  let firstSinceNavigation: number | null = null
  window.bench = {
    now,
    loadedAt() {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
      return nav && nav.loadEventEnd > 0 ? now() - performance.now() + nav.loadEventEnd : null
    },
    connect: (url) => transport.connect(url),
    subscribe: (filter) => transport.subscribe(filter, (payload) => {
      firstSinceNavigation ??= performance.now()
      meter.onPayload(payload)
      onMessage(payload, seqOf(payload))
    }),
    reset(latency) {
      meter = new Meter(now)
      if (latency) meter.latencies = []
    },
    progress: () => ({ count: meter.count, first: meter.first, last: meter.last }),
    latencies: () => meter.latencies ?? [],
    firstSinceNavigation: () => firstSinceNavigation,
    async publishQos1(topic, count, window) {
      const payload = new Uint8Array(100).fill(0x71)
      const started = now()
      let next = 0
      const lane = async (): Promise<void> => {
        while (next < count) {
          next++
          await transport.publish(topic, payload, 1)
        }
      }
      await Promise.all(Array.from({ length: Math.min(window, count) }, lane))
      return count / ((now() - started) / 1000)
    },
    extra,
  }
  document.getElementById('state')!.textContent = 'ready'
  void autostart(window.bench)
}

/**
 * `?broker=URL&subscribe=FILTER` (or `&exclusive=FILTER`) connects and subscribes at load, as an
 * app does, so that "time from page load" does not include the runner's round trips.
 */
async function autostart(bench: BenchPage): Promise<void> {
  const params = new URLSearchParams(location.search)
  const broker = params.get('broker')
  if (broker === null) return
  await bench.connect(broker)
  const filter = params.get('subscribe')
  if (filter !== null) await bench.subscribe(filter)
  const exclusive = params.get('exclusive')
  if (exclusive !== null) await (bench.extra.subscribeExclusive as (filter: string) => Promise<void>)(exclusive)
}
