/// <reference lib="webworker" />
// The hub service as a browser worker runs it: Web Locks for liveness and session ownership,
// IndexedDB for storage. Shared by the SharedWorker entry and the dedicated-worker fallback.
import { openHubDatabase } from '../storage/hub-db.ts'
import { HubService } from './hub-service.ts'
import { Inbox } from '../storage/inbox.ts'

export function startBrowserHubService(): HubService {
  const workerLock = `mqtt-hub:worker:${crypto.randomUUID()}`
  const workerLockHeld = new Promise<void>((held) => {
    void navigator.locks.request(workerLock, () => {
      held()
      return new Promise<never>(() => {}) // held until this worker dies
    })
  })

  // Without IndexedDB (some private modes) the hub still works; exclusive work is then kept in memory.
  const storage = openHubDatabase()
    .then(async (db) => ({ db, inbox: await Inbox.open(db) }))
    .catch(() => ({ db: null, inbox: null }))

  const service = new HubService({
    workerLock,
    workerLockHeld,
    // The tab holds its lock for its whole life, so our request is granted once the tab is gone.
    watchTab: (tabLock, onGone) => void navigator.locks.request(tabLock, () => onGone()),
    ownSession: (name, signal) => new Promise((owned, failed) => {
      navigator.locks
        .request(`mqtt-hub:session:${name}`, { signal }, () => new Promise<void>((release) => owned(release)))
        .catch(failed)
    }),
  }, storage)
  self.addEventListener('online', () => service.retryAll())
  return service
}
