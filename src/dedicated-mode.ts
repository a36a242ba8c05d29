// The fallback where the browser has no SharedWorker (Chrome for Android before 148, some
// WebViews): each tab starts the same hub code in a dedicated worker of its own.
import type { DedicatedWorkerInit } from './protocol.ts'
import type { WorkerHandle } from './worker-link.ts'

/** How long a tab waits for the tab session id it had before a reload: the old page's lock goes 15–30 ms after it. */
const CLAIM_TIMEOUT_MS = 1_000

/**
 * Starts a dedicated worker that looks like a SharedWorker to the hub: a port to talk on, and the
 * worker's error events. `tabSession` resolves to this tab's session id (see claimTabSession).
 */
export function dedicatedWorkerHandle(start: () => Worker, tabSession: Promise<string>): WorkerHandle {
  const worker = start()
  const channel = new MessageChannel()
  // Messages on port1 wait in port2 until the worker has it.
  void tabSession.then((id) => {
    const init: DedicatedWorkerInit = { port: channel.port2, tabSession: id }
    worker.postMessage(init, [channel.port2])
  })
  return {
    port: channel.port1,
    addEventListener: (type, listener) => worker.addEventListener(type, listener),
  }
}

/**
 * This tab's session id for connection `name`: the one it had before a reload (sessionStorage),
 * unless another live tab holds it (a duplicated tab copies sessionStorage), then a new one.
 * The tab holds a lock on it for its whole life, so that no two tabs ever drive one session.
 */
export async function claimTabSession(name: string): Promise<string> {
  const key = `mqtt-hub:tab-session:${name}`
  const previous = readSessionStorage(key)
  const id = (previous !== null && (await holdForLife(`${key}#${previous}`, CLAIM_TIMEOUT_MS)) ? previous : null)
    ?? (await claimNew(key))
  writeSessionStorage(key, id)
  return id
}

async function claimNew(key: string): Promise<string> {
  for (;;) {
    const id = crypto.randomUUID().slice(0, 8)
    if (await holdForLife(`${key}#${id}`, CLAIM_TIMEOUT_MS)) return id
  }
}

/** Resolves true once the lock is held (until the page goes), false if it was not granted in time. */
function holdForLife(lock: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const giveUp = new AbortController()
    const timer = setTimeout(() => giveUp.abort(), timeoutMs)
    navigator.locks
      .request(lock, { signal: giveUp.signal }, () => {
        clearTimeout(timer)
        resolve(true)
        return new Promise<never>(() => {})
      })
      .catch(() => resolve(false))
  })
}

// sessionStorage may be missing or throw (sandboxed frames, some WebViews): then every load is a new session.
function readSessionStorage(key: string): string | null {
  try {
    return globalThis.sessionStorage?.getItem(key) ?? null
  } catch {
    return null
  }
}

function writeSessionStorage(key: string, value: string): void {
  try {
    globalThis.sessionStorage?.setItem(key, value)
  } catch {
    // see readSessionStorage
  }
}
