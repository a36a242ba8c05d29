// A page that uses mqtt-hub as an app would, with a small API the e2e tests drive through
// page.evaluate(): everything it received is recorded so that tests can count.
import {
  createHub, HubError, readyAll, type Hub, type HubEvent, type HubEventType, type HubOptions, type QoS, type Subscription,
} from '../../src/index.ts'

const EVENT_TYPES: HubEventType[] = [
  'connecting', 'connected', 'disconnected', 'reconnecting', 'offline', 'closed', 'stateChanged',
  'sessionAdded', 'sessionRemoved', 'superseded', 'subscribed', 'subscribeRefused', 'unsubscribed',
]

interface Received {
  topic: string
  text: string
  qos: number
  retain: boolean
}

const hubs: Hub[] = []
const subscriptions = new Map<string, Subscription>()
const received = new Map<string, Received[]>()
const statuses: string[] = []
/** What each hub's onError heard: the HubError code, or the message of anything else. */
const errors: string[] = []
/** Every session event each hub heard (hub index → events). */
const events = new Map<number, HubEvent[]>()
let acked = 0

function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof HubError) return { code: error.code, message: error.message }
  return { code: 'NOT_A_HUB_ERROR', message: String(error) }
}

const harness = {
  /** Opens a hub (the first one of the page unless told otherwise) and waits until it is connected. */
  async open({ waitReady, build, ...options }: HubOptions & { waitReady?: boolean; build?: number }): Promise<number> {
    // Another build of the app: the same worker code under another script URL, so another SharedWorker.
    const worker = build === undefined ? undefined
      : () => new SharedWorker(new URL('../../worker/index.ts?build=2', import.meta.url), { type: 'module', name: 'mqtt-hub' })
    const hub = createHub({ ...window.hubTestOptions, ...options, ...(worker && { worker }) })
    hubs.push(hub)
    hub.onStatus((status) => statuses.push(status))
    hub.onError((error) => errors.push(error instanceof HubError ? `${error.code}: ${error.message}` : String(error)))
    const heard: HubEvent[] = []
    events.set(hubs.length - 1, heard)
    for (const type of EVENT_TYPES) hub.on(type, (event) => heard.push(event))
    if (waitReady !== false) await hub.ready(15_000)
    return hubs.length - 1
  },

  async subscribe(key: string, filter: string, qos: QoS = 0, hub = 0): Promise<void> {
    received.set(key, [])
    const sub = await hubs[hub]!.subscribe(filter, (m) => {
      received.get(key)!.push({ topic: m.topic, text: m.text(), qos: m.qos, retain: m.retain })
    }, { qos })
    subscriptions.set(key, sub)
  },

  /**
   * An exclusive subscription whose handler takes `workMs` and reports its start and end through
   * a beacon to the test's collector (`?collector=URL`), so that a tab that dies mid-handler still told.
   */
  async subscribeExclusive(key: string, filter: string, options: { qos?: QoS; workMs?: number; group?: string } = {}, hub = 0): Promise<void> {
    received.set(key, [])
    // A beacon reaches the test's collector even when this tab closes or crashes right after.
    const collector = new URLSearchParams(location.search).get('collector')
    const record = (event: string, id: string, redelivered: boolean): void => {
      if (!collector) return
      const body = JSON.stringify({ event, id, redelivered, tab: document.title })
      // Chromium refuses a beacon when too many are in flight: then a plain request (the tab is alive).
      if (!navigator.sendBeacon(collector, body)) void fetch(collector, { method: 'POST', body, mode: 'no-cors' }).catch(() => {})
    }
    const sub = await hubs[hub]!.subscribe(filter, async (m) => {
      record('start', m.text(), m.redelivered)
      if (options.workMs) await new Promise((resolve) => setTimeout(resolve, options.workMs))
      received.get(key)!.push({ topic: m.topic, text: m.text(), qos: m.qos, retain: m.retain })
      record('end', m.text(), m.redelivered)
    }, { qos: options.qos ?? 1, exclusive: true, ...(options.group && { group: options.group }) })
    subscriptions.set(key, sub)
  },

  async unsubscribe(key: string): Promise<void> {
    await subscriptions.get(key)!.unsubscribe()
  },

  publish(topic: string, payload: string, qos: QoS = 0, retain = false, hub = 0): Promise<void> {
    return hubs[hub]!.publish(topic, payload, { qos, retain })
  },

  /**
   * Publishes `count` messages `${prefix}${i}` in order (one every `intervalMs`, or all at once)
   * and resolves once every one is stored (onDurable), without waiting for the broker's acks;
   * `acked()` counts those.
   */
  async publishMany(topic: string, prefix: string, count: number, qos: QoS, intervalMs = 0, hub = 0): Promise<void> {
    const stored: Promise<void>[] = []
    for (let i = 0; i < count; i++) {
      stored.push(new Promise<void>((durable, failed) => {
        hubs[hub]!.publish(topic, `${prefix}${i}`, { qos, onDurable: durable }).then(() => acked++, failed)
      }))
      if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
    await Promise.all(stored)
  },

  acked(): number {
    return acked
  },

  received(key: string): Received[] {
    return received.get(key) ?? []
  },

  texts(key: string): string[] {
    return (received.get(key) ?? []).map((m) => `${m.topic} ${m.text}${m.retain ? ' (retained)' : ''}`)
  },

  status(hub = 0): string {
    return hubs[hub]?.status ?? 'none'
  },

  statuses(): string[] {
    return statuses
  },

  errors(): string[] {
    return errors
  },

  /** Runs `fn` and returns the HubError it threw or rejected with (code and message), or null. */
  async errorOf(fn: () => unknown): Promise<{ code: string; message: string } | null> {
    try {
      await fn()
      return null
    } catch (error) {
      return errorOf(error)
    }
  },

  /** Session events hub `hub` heard, as "type session detail" strings. */
  events(hub = 0): string[] {
    return (events.get(hub) ?? []).map((e) => {
      const detail = e.type === 'subscribed' ? ` ${e.filter} ${e.qos}` : e.type === 'unsubscribed' ? ` ${e.filter}`
        : e.type === 'stateChanged' ? ` ${e.from}>${e.to}` : e.type === 'reconnecting' ? ` ${e.attempt}` : ''
      return `${e.type} ${e.session}${detail}`
    })
  },

  /** The session flag of every CONNACK hub `hub` heard, in order. */
  sessionPresent(hub = 0): boolean[] {
    return (events.get(hub) ?? []).flatMap((e) => (e.type === 'connected' ? [e.sessionPresent] : []))
  },

  /** The errors of the `disconnected` events hub `hub` heard, as "CODE: message". */
  disconnectErrors(hub = 0): string[] {
    return (events.get(hub) ?? []).flatMap((e) => (e.type === 'disconnected' ? [`${e.error.code}: ${e.error.message}`] : []))
  },

  readyAll(timeoutMs = 15_000): Promise<void> {
    return readyAll(hubs.filter((hub) => hub.status !== 'closed'), timeoutMs)
  },

  /**
   * Answers every request on `filter` with "echo <payload> from <tab title>" (MQTT 5 response
   * topic + correlation data); `exclusive`: one tab of the group answers each request.
   */
  async serve(key: string, filter: string, hub = 0, exclusive = false): Promise<void> {
    received.set(key, [])
    const target = hubs[hub]!
    const sub = await target.subscribe(filter, async (m) => {
      received.get(key)!.push({ topic: m.topic, text: m.text(), qos: m.qos, retain: m.retain })
      await target.respond(m, `echo ${m.text()} from ${document.title}`, { properties: { userProperties: { server: document.title } } })
    }, { qos: 1, exclusive })
    subscriptions.set(key, sub)
  },

  /** A request's answer: its text and user properties. */
  async request(topic: string, payload: string, timeout = 5_000, hub = 0): Promise<{ text: string; userProperties: unknown }> {
    const answer = await hubs[hub]!.request(topic, payload, { qos: 1, timeout })
    return { text: answer.text(), userProperties: answer.properties?.userProperties }
  },

  /** Reads `count` messages of `filter` with `for await`, then breaks (which unsubscribes); "ended" is recorded last. */
  stream(key: string, filter: string, count: number, hub = 0): void {
    received.set(key, [])
    const stream = hubs[hub]!.messages(filter, { qos: 1 })
    void (async () => {
      for await (const m of stream) {
        received.get(key)!.push({ topic: m.topic, text: m.text(), qos: m.qos, retain: m.retain })
        if (received.get(key)!.length === count) break
      }
      received.get(key)!.push({ topic: '', text: 'ended', qos: 0, retain: false })
    })()
  },

  hub(index = 0): Hub {
    return hubs[index]!
  },

  createHub,
}

declare global {
  interface Window {
    harness: typeof harness
    /** What the test's broker needs of every hub (e2e/fixtures.ts). */
    hubTestOptions?: Partial<HubOptions>
  }
}

window.harness = harness
document.getElementById('state')!.textContent = 'ready'
