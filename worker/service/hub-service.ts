import { HubError } from '../../src/errors.ts'
import { checkMessageProperties, checkSubscriptionOptions } from './mqtt5-options.ts'
import {
  checkExclusive, checkLinger, checkMqttOptions, checkName, checkOutboxLimits, checkPayload, checkQos, checkQueueLimits, checkReconnectOptions, checkTimeout, checkUrls, checkMaxIncomingPacket,
} from '../../src/options.ts'
import { type OpenRequest, type OpenResult, PROTOCOL_VERSION, type SubscriptionSpec, type TabApi } from '../../src/protocol.ts'
import type { HubMetrics } from '../../src/reports.ts'
import { validateTopicFilter, validateTopicName } from '../../src/topic.ts'
import { Session, type SessionConfig, type SessionEvent, type SessionStorage } from '../session/session.ts'
import { TabClient } from '../routing/tab-client.ts'

/** How the worker learns that a tab is gone, and proves to tabs that it is alive (Web Locks in a browser). */
export interface Liveness {
  /** Lock the worker holds for its whole life; tabs wait for it to learn the worker died. */
  readonly workerLock: string
  /** Resolves once the worker holds `workerLock`. */
  readonly workerLockHeld: Promise<void>
  /** Calls `onGone` once the tab holding `tabLock` has closed, reloaded, navigated away or crashed. */
  watchTab(tabLock: string, onGone: () => void): void
  /**
   * Resolves once this worker may drive the named connection: two hub workers of one origin (two
   * app versions, or a race after a crash) must never both use one client id or one inbox.
   * Resolves with the function that gives it up.
   */
  ownSession(name: string, signal: AbortSignal): Promise<() => void>
}

/** Every named session of this worker, and the narrow facade each connecting tab gets. */
export class HubService {
  private readonly sessions = new Map<string, Session>()
  private readonly starting = new Map<string, Promise<Session>>()
  /** Sessions whose last tab left, closed when their timer fires unless a tab opens them again. */
  private readonly lingering = new Map<Session, ReturnType<typeof setTimeout>>()

  constructor(
    private readonly liveness: Liveness,
    /** IndexedDB where the browser allows it; without it exclusive work is kept in memory only. */
    private readonly storage: Promise<SessionStorage> = Promise.resolve({ db: null, inbox: null }),
  ) {}

  session(name: string): Session | undefined {
    return this.sessions.get(name)
  }

  /** Every session's metrics, and totals over them. */
  metrics(): HubMetrics {
    const sessions = [...this.sessions.values()].map((session) => session.metrics())
    const totals: HubMetrics['totals'] = {
      sessions: sessions.length, tabs: 0, outboxDepth: 0, inboxDepth: 0, messagesIn: 0, messagesOut: 0, messagesOutAliased: 0,
      bytesIn: 0, bytesOut: 0, messagesInPerSecond: 0, messagesOutPerSecond: 0, errors: 0, reconnects: 0,
    }
    for (const { tabs, outbox, inbox, traffic } of sessions) {
      totals.tabs += tabs
      totals.outboxDepth += outbox.depth
      totals.inboxDepth = inbox.depth // one inbox for the whole worker
      for (const key of ['messagesIn', 'messagesOut', 'messagesOutAliased', 'bytesIn', 'bytesOut', 'messagesInPerSecond', 'messagesOutPerSecond', 'errors', 'reconnects'] as const) {
        totals[key] += traffic[key]
      }
    }
    return { sessions, totals }
  }

  /** Tells every tab of every session (sessions added and removed). */
  private broadcast(event: SessionEvent, about: string): void {
    for (const target of this.sessions.values()) target.emit(event, about)
  }

  /** The last tab left: close after `lingerMs`, unless a tab opens the session again (a reload). */
  private async linger(session: Session, lingerMs: number): Promise<void> {
    const expire = async (): Promise<void> => {
      this.lingering.delete(session)
      if (session.tabs.size > 0 || this.sessions.get(session.name) !== session) return
      await this.remove(session)
    }
    if (lingerMs === 0) return expire() // the leaving tab's close() waits for the connection to close, as before
    this.lingering.set(session, setTimeout(() => void expire(), lingerMs))
  }

  private async remove(session: Session): Promise<void> {
    clearTimeout(this.lingering.get(session))
    this.lingering.delete(session)
    this.sessions.delete(session.name)
    this.broadcast({ type: 'sessionRemoved' }, session.name)
    await session.close()
  }

  /** The browser came back online: do not wait for the backoff. */
  retryAll(): void {
    for (const session of this.sessions.values()) session.retryNow()
  }

  /** A facade for one port. It exposes only these calls, never the service or a session. */
  facade(): TabApi {
    let tab: TabClient | null = null
    let session: Session | null = null
    let lingerMs = 0
    const attached = (): { tab: TabClient; session: Session } => {
      if (!tab || !session) throw new HubError('CLOSED', 'This hub is not open (closed, or open() was not called)')
      return { tab, session }
    }
    const detach = async (): Promise<void> => {
      if (!tab || !session) return
      const [gone, from] = [tab, session]
      tab = session = null
      gone.close()
      from.forgetAcks(gone.onAck)
      if (from.removeTab(gone) && this.sessions.get(from.name) === from) await this.linger(from, lingerMs)
    }
    return {
      open: async (request: OpenRequest): Promise<OpenResult> => {
        if (request.protocol !== PROTOCOL_VERSION) {
          throw new HubError('WORKER_UNAVAILABLE', `The hub worker speaks protocol ${PROTOCOL_VERSION}, this tab ${request.protocol}: reload the page`)
        }
        if (tab) throw new HubError('INVALID_OPTIONS', 'This hub is already open')
        await this.liveness.workerLockHeld
        lingerMs = checkLinger(request.lingerMs)
        const [target, created] = await this.sessionFor(checkName(request.name), {
          urls: checkUrls(request.url),
          maxIncomingPacketBytes: checkMaxIncomingPacket(request.maxIncomingPacketBytes),
          mqtt: checkMqttOptions(request.mqtt),
          reconnect: checkReconnectOptions(request.reconnect),
          outbox: checkOutboxLimits(request.outbox),
        })
        // Two tabs opening one name with different options at the same moment: the second may
        // have replaced the session while this one waited.
        if (this.sessions.get(target.name) !== target) {
          throw new HubError('CONFIG_MISMATCH', `Connection "${target.name}" was opened meanwhile with other options; use another name or the same options`)
        }
        tab = new TabClient(request.events, checkQueueLimits(request.queue))
        session = target
        clearTimeout(this.lingering.get(target))
        this.lingering.delete(target)
        target.addTab(tab)
        if (created) this.broadcast({ type: 'sessionAdded' }, target.name)
        this.liveness.watchTab(request.tabLock, () => void detach())
        for (const spec of request.subscriptions) void restore(target, tab, spec)
        for (const seq of request.awaiting ?? []) void target.awaitAck(seq, tab.onAck)
        return { workerLock: this.liveness.workerLock, status: target.status }
      },
      // The tab validated already; checking again costs little and keeps a stale or hostile
      // tab from making the broker drop the connection every tab shares.
      subscribe: async (spec) => {
        const { tab, session } = attached()
        return session.subscribe(tab, checkSpec(spec))
      },
      unsubscribe: async (id) => {
        const { tab, session } = attached()
        session.unsubscribe(tab, id)
      },
      metrics: async () => {
        const { tab, session } = attached()
        return session.metrics(tab)
      },
      hubMetrics: async () => {
        attached()
        return this.metrics()
      },
      sessions: async () => {
        attached()
        return [...this.sessions.values()].map((s) => s.summary())
      },
      request: async (request) => {
        const { session } = attached()
        validateTopicName(request.topic)
        const payload = checkPayload(request.payload)
        const properties = checkMessageProperties(request.properties)
        if (properties?.responseTopic !== undefined || properties?.correlationData !== undefined) {
          throw new HubError('INVALID_OPTIONS', 'request() sets the response topic and correlation data itself')
        }
        const timeoutMs = checkTimeout(request.timeoutMs, 'timeout', 10_000)
        return session.request({ topic: request.topic, payload, qos: checkQos(request.qos), timeoutMs, ...(properties && { properties }) })
      },
      inspect: async () => {
        const { tab, session } = attached()
        return session.inspect(tab)
      },
      publish: async (request) => {
        const { tab, session } = attached()
        validateTopicName(request.topic)
        const payload = checkPayload(request.payload)
        if (typeof request.retain !== 'boolean') throw new HubError('INVALID_OPTIONS', 'retain must be a boolean')
        const properties = checkMessageProperties(request.properties)
        return session.publish({ topic: request.topic, payload, qos: checkQos(request.qos), retain: request.retain, ...(properties && { properties }) }, tab.onAck)
      },
      close: detach,
    }
  }

  /** The session of that name (a new one when `created`). */
  private async sessionFor(name: string, config: SessionConfig): Promise<[Session, boolean]> {
    const existing = this.sessions.get(name) ?? (await this.starting.get(name))
    if (existing) {
      const differences = differingFields(existing.config, config)
      if (differences.length === 0) return [existing, false]
      if (existing.tabs.size > 0) {
        // Name the fields, never their values: they may be credentials.
        throw new HubError('CONFIG_MISMATCH', `Connection "${name}" is already open with a different ${differences.join(', ')}; use another name or the same options`)
      }
      // A lingering session nobody uses: the new options win.
      await this.remove(existing)
    }
    // Registered before it is ready, so that a second tab opening at once joins it.
    const starting = this.storage.then((storage) => Session.start(name, config, storage, (signal) => this.liveness.ownSession(name, signal)))
    this.starting.set(name, starting)
    try {
      const session = await starting
      this.sessions.set(name, session)
      return [session, true]
    } finally {
      this.starting.delete(name)
    }
  }
}

/** Restores a subscription of a tab whose worker restarted; a failure reaches that tab as a status error. */
async function restore(session: Session, tab: TabClient, spec: SubscriptionSpec): Promise<void> {
  try {
    await session.subscribe(tab, checkSpec(spec))
  } catch (error) {
    const { code, message } = error as HubError
    tab.send({ type: 'status', status: session.status.status, error: { code, message } })
  }
}

function checkSpec(spec: SubscriptionSpec): SubscriptionSpec {
  validateTopicFilter(spec.filter)
  if (!Number.isInteger(spec.id)) throw new HubError('INVALID_OPTIONS', 'Subscription id must be an integer')
  const exclusive = spec.exclusive && checkExclusive({ ...spec.exclusive, exclusive: true }, spec.filter)
  const options = spec.options && checkSubscriptionOptions({ ...spec.options })
  return { id: spec.id, filter: spec.filter, qos: checkQos(spec.qos), ...(exclusive && { exclusive }), ...(options && { options }) }
}

function differingFields(a: SessionConfig, b: SessionConfig): string[] {
  const fields: string[] = []
  if (canonical(a.urls) !== canonical(b.urls)) fields.push('url')
  if (a.maxIncomingPacketBytes !== b.maxIncomingPacketBytes) fields.push('maxIncomingPacketBytes')
  for (const key of new Set([...Object.keys(a.mqtt), ...Object.keys(b.mqtt)]) as Set<keyof SessionConfig['mqtt']>) {
    if (canonical(a.mqtt[key]) !== canonical(b.mqtt[key])) fields.push(`mqtt.${key}`)
  }
  if (canonical(a.reconnect) !== canonical(b.reconnect)) fields.push('reconnect')
  return fields
}

/** JSON with sorted keys and bytes as arrays, so that equal options compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return Array.from(v)
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)))
    }
    return v
  }) ?? 'undefined'
}
