import { HubError } from '../../src/errors.ts'
import type { TabApi, WorkerAddress } from '../../src/protocol.ts'
import type { HubMetrics, SessionSummary } from '../../src/reports.ts'
import { Session, type PerTabWorker, type SessionConfig, type SessionEvent, type SessionStorage } from '../session/session.ts'
import type { TabClient } from '../routing/tab-client.ts'
import { Linger } from './linger.ts'
import { TabPort } from './tab-port.ts'

/** How the worker learns that a tab is gone, and proves to tabs that it is alive (Web Locks in a browser). */
export interface Liveness {
  /** Lock the worker holds for its whole life; tabs wait for it to learn the worker died. */
  readonly workerLock: string
  /** Resolves once the worker holds `workerLock`. */
  readonly workerLockHeld: Promise<void>
  /** Calls `onGone` once the tab holding `tabLock` has closed, reloaded, navigated away or crashed. */
  watchTab(tabLock: string, onGone: () => void): void
  /**
   * Resolves once this worker may drive the connection keyed `key` (its name; with a worker per
   * tab, name and tab session): two hub workers of one origin (two app versions, or a race after
   * a crash) must never both use one client id or one outbox. Resolves with the function that
   * gives it up.
   */
  ownSession(key: string, signal: AbortSignal, takenOver: (to?: WorkerAddress) => void): Promise<() => void>
}

/** Every named session of this worker; each connecting port gets a TabPort of its own. */
export class HubService {
  private readonly sessions = new Map<string, Session>()
  private readonly starting = new Map<string, Promise<Session>>()
  /** Connection names a newer worker took over, and where it is (null: it did not say). */
  private readonly superseded = new Map<string, WorkerAddress | null>()
  private readonly linger = new Linger<Session>(async (session) => {
    if (session.tabs.size === 0 && this.sessions.get(session.name) === session) await this.remove(session)
  })

  constructor(
    private readonly liveness: Liveness,
    /** IndexedDB where the browser allows it; without it exclusive work is kept in memory only. */
    private readonly storage: Promise<SessionStorage> = Promise.resolve({ db: null, inbox: null }),
    /** Set in a tab's own worker (no SharedWorker). */
    private readonly perTab?: PerTabWorker,
  ) {}

  get workerLock(): string {
    return this.liveness.workerLock
  }

  session(name: string): Session | undefined {
    return this.sessions.get(name)
  }

  /** The narrow facade one port gets. */
  facade(): TabApi {
    return new TabPort(this)
  }

  watchTab(tabLock: string, onGone: () => void): void {
    this.liveness.watchTab(tabLock, onGone)
  }

  /** Where a newer worker that took this connection name over is: undefined while this worker serves it. */
  supersededBy(name: string): WorkerAddress | null | undefined {
    return this.superseded.get(name)
  }

  /** Adds the tab to the session it opens: the running one of that name, or a new one (told to every tab). */
  async join(name: string, config: SessionConfig, tab: TabClient): Promise<Session> {
    await this.liveness.workerLockHeld
    const [session, created] = await this.sessionFor(name, config)
    // Two tabs opening one name with different options at the same moment: the second may
    // have replaced the session while this one waited.
    if (this.sessions.get(session.name) !== session) {
      throw new HubError('CONFIG_MISMATCH', `Connection "${session.name}" was opened meanwhile with other options; use another name or the same options`)
    }
    this.linger.cancel(session)
    session.addTab(tab)
    if (created) this.broadcast({ type: 'sessionAdded' }, session.name)
    return session
  }

  /** The last tab of a session left: it lingers, then closes. */
  lastTabLeft(session: Session, lingerMs: number): Promise<void> {
    return this.sessions.get(session.name) === session ? this.linger.start(session, lingerMs) : Promise.resolve()
  }

  summaries(): SessionSummary[] {
    return [...this.sessions.values()].map((session) => session.summary())
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

  /** The browser came back online: do not wait for the backoff. */
  retryAll(): void {
    for (const session of this.sessions.values()) session.retryNow()
  }

  /** Tells every tab of every session (sessions added and removed). */
  private broadcast(event: SessionEvent, about: string): void {
    for (const target of this.sessions.values()) target.emit(event, about)
  }

  private async remove(session: Session): Promise<void> {
    this.linger.cancel(session)
    this.sessions.delete(session.name)
    this.broadcast({ type: 'sessionRemoved' }, session.name)
    await session.close()
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
    const own = (key: string, signal: AbortSignal, takenOver: (to?: WorkerAddress) => void) => this.liveness.ownSession(key, signal, (to) => {
      // The newest version wins: this worker sends the name's tabs, now and later, to the newer one.
      this.superseded.set(name, to ?? null)
      const session = this.sessions.get(name)
      if (session) {
        this.sessions.delete(name)
        this.linger.cancel(session)
      }
      takenOver(to)
    })
    const starting = this.storage.then((storage) => Session.start(name, config, storage, own, this.perTab))
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

function differingFields(a: SessionConfig, b: SessionConfig): string[] {
  const fields: string[] = []
  if (canonical(a.urls) !== canonical(b.urls)) fields.push('url')
  if (a.maxIncomingPacketBytes !== b.maxIncomingPacketBytes) fields.push('maxIncomingPacketBytes')
  if (a.minSubscriptionQos !== b.minSubscriptionQos) fields.push('minSubscriptionQos')
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
