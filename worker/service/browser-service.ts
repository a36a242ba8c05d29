/// <reference lib="webworker" />
// The hub service as a browser worker runs it: Web Locks for liveness, session ownership and (with
// a worker per tab) exclusive groups; IndexedDB for storage. Used by the SharedWorker entry and
// the dedicated-worker fallback.
import { PROTOCOL_VERSION, type WorkerAddress } from '../../src/protocol.ts'
import type { GroupLeases } from '../routing/exclusive-groups.ts'
import { openHubDatabase } from '../storage/hub-db.ts'
import { Inbox } from '../storage/inbox.ts'
import { HubService } from './hub-service.ts'

/**
 * Resolves once the lock is held, with the function that releases it; rejects if `signal` aborts
 * first. `stolen` is called if another context takes the lock with `steal` while it is held.
 */
function holdLock(name: string, options: { signal?: AbortSignal; steal?: boolean; ifAvailable?: boolean } = {}, stolen?: () => void): Promise<(() => void) | null> {
  return new Promise((held, failed) => {
    let holding = false
    navigator.locks
      .request(name, options, (lock) => {
        if (!lock) return held(null) // ifAvailable, and it was not
        holding = true
        return new Promise<void>((release) => held(release))
      })
      .catch((error: unknown) => (holding ? stolen?.() : failed(error)))
  })
}

/** How long a worker waits for the one it asked to hand a connection over, before it takes it. */
const HAND_OVER_TIMEOUT_MS = 3_000

/**
 * Hands connections over between hub workers of one origin (two versions of the app): the newest
 * wins. A worker that needs a connection another worker drives asks for it on a BroadcastChannel;
 * the holder hands it over (Session.handOver) and names no successor but the asker. A holder that
 * does not answer in time (an older version, or hung) has the lock stolen, and hears of it.
 */
function ownSessions(self: WorkerAddress): (key: string, signal: AbortSignal, takenOver: (to?: WorkerAddress) => void) => Promise<() => void> {
  const channel = new BroadcastChannel('mqtt-hub:hand-over')
  const owned = new Map<string, (to?: WorkerAddress) => void>()
  channel.onmessage = (event: MessageEvent<{ type?: unknown; key?: unknown; to?: WorkerAddress }>) => {
    const { type, key, to } = event.data ?? {}
    if (type === 'release' && typeof key === 'string') owned.get(key)?.(to)
  }
  return async (key, signal, takenOver) => {
    const lock = `mqtt-hub:session:${key}`
    let release = await holdLock(lock, { ifAvailable: true }, () => takenOver())
    if (!release) {
      channel.postMessage({ type: 'release', key, to: self })
      const wait = new AbortController()
      const timer = setTimeout(() => wait.abort(), HAND_OVER_TIMEOUT_MS)
      signal.addEventListener('abort', () => wait.abort(), { once: true })
      release = await holdLock(lock, { signal: wait.signal }, () => takenOver()).catch(() => null)
      clearTimeout(timer)
      if (signal.aborted) throw new DOMException('closed while waiting', 'AbortError')
      release ??= await holdLock(lock, { steal: true }, () => takenOver())
    }
    let handedOver = false
    owned.set(key, (to) => {
      if (handedOver) return
      handedOver = true
      takenOver(to)
    })
    const give = release
    return () => {
      owned.delete(key)
      give?.()
    }
  }
}

/** `tabSession` is set in a tab's own dedicated worker (no SharedWorker): see PerTabWorker. */
export function startBrowserHubService(tabSession?: string): HubService {
  const workerLock = `mqtt-hub:worker:${crypto.randomUUID()}`
  const workerLockHeld = holdLock(workerLock).then(() => {}) // held until this worker dies
  const address: WorkerAddress = { url: self.location.href, name: self.name, protocol: PROTOCOL_VERSION }

  // Without IndexedDB (some private modes) the hub still works; exclusive work is then kept in memory.
  const storage = openHubDatabase()
    .then(async (db) => ({ db, inbox: await Inbox.open(db) }))
    .catch(() => ({ db: null, inbox: null }))

  const leases: GroupLeases = {
    acquire: async (session, group, signal) => (await holdLock(`mqtt-hub:exclusive:${session}:${group}`, { signal })) ?? (() => {}),
  }
  const service = new HubService({
    workerLock,
    workerLockHeld,
    // The tab holds its lock for its whole life, so our request is granted once the tab is gone.
    watchTab: (tabLock, onGone) => void navigator.locks.request(tabLock, () => onGone()),
    ownSession: ownSessions(address),
  }, storage, tabSession === undefined ? undefined : { tabSession, leases })
  self.addEventListener('online', () => service.retryAll())
  return service
}
