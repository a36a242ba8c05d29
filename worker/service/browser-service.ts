/// <reference lib="webworker" />
// The hub service as a browser worker runs it: Web Locks for liveness, session ownership and (with
// a worker per tab) exclusive groups; IndexedDB for storage. Used by the SharedWorker entry and
// the dedicated-worker fallback.
import type { GroupLeases } from '../routing/exclusive-groups.ts'
import { openHubDatabase } from '../storage/hub-db.ts'
import { Inbox } from '../storage/inbox.ts'
import { HubService } from './hub-service.ts'

/** Resolves once the lock is held, with the function that releases it; rejects if `signal` aborts first. */
function holdLock(name: string, signal?: AbortSignal): Promise<() => void> {
  return new Promise((held, failed) => {
    navigator.locks
      .request(name, signal ? { signal } : {}, () => new Promise<void>((release) => held(release)))
      .catch(failed)
  })
}

/** `tabSession` is set in a tab's own dedicated worker (no SharedWorker): see PerTabWorker. */
export function startBrowserHubService(tabSession?: string): HubService {
  const workerLock = `mqtt-hub:worker:${crypto.randomUUID()}`
  const workerLockHeld = holdLock(workerLock).then(() => {}) // held until this worker dies

  // Without IndexedDB (some private modes) the hub still works; exclusive work is then kept in memory.
  const storage = openHubDatabase()
    .then(async (db) => ({ db, inbox: await Inbox.open(db) }))
    .catch(() => ({ db: null, inbox: null }))

  const leases: GroupLeases = { acquire: (session, group, signal) => holdLock(`mqtt-hub:exclusive:${session}:${group}`, signal) }
  const service = new HubService({
    workerLock,
    workerLockHeld,
    // The tab holds its lock for its whole life, so our request is granted once the tab is gone.
    watchTab: (tabLock, onGone) => void navigator.locks.request(tabLock, () => onGone()),
    ownSession: (key, signal) => holdLock(`mqtt-hub:session:${key}`, signal),
  }, storage, tabSession === undefined ? undefined : { tabSession, leases })
  self.addEventListener('online', () => service.retryAll())
  return service
}
