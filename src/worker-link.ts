import * as Comlink from 'comlink'
import { HubError, type HubErrorCode } from './errors.ts'
import { watchPage } from './page-lifecycle.ts'
import type { OpenRequest, StatusEvent, TabApi, TabEvent, WorkerEvent } from './protocol.ts'

const OPEN_TIMEOUT_MS = 5_000

/** What the hub needs of a worker: a SharedWorker, or the dedicated-worker fallback that looks like one. */
export interface WorkerHandle {
  readonly port: MessagePort
  addEventListener(type: 'error', listener: () => void): void
}

/** One open connection from this tab's hub to a hub worker. */
export interface WorkerLink {
  remote: Comlink.Remote<TabApi>
  /** Rejects with WORKER_UNAVAILABLE when the worker dies; never resolves. */
  lost: Promise<never>
  /** The status the worker reported when it accepted this hub. */
  status: StatusEvent
  dispose(): void
}

/**
 * Starts (or joins) the worker and opens this hub in it. The first call is time-limited: a
 * worker that failed to load never answers, and reports its failure only as a bare error event.
 */
export async function openWorkerLink(
  worker: WorkerHandle,
  request: Omit<OpenRequest, 'events'>,
  onEvent: (event: WorkerEvent, reply: (event: TabEvent) => void) => void,
): Promise<WorkerLink> {
  const remote = Comlink.wrap<TabApi>(worker.port)
  const events = new MessageChannel()
  const abort = new AbortController()
  let lose: (error: HubError) => void = () => {}
  const lost = new Promise<never>((_, reject) => (lose = reject))
  lost.catch(() => {})
  const dispose = (): void => {
    abort.abort()
    events.port1.close()
    remote[Comlink.releaseProxy]()
    worker.port.close()
  }
  worker.addEventListener('error', () => lose(new HubError('WORKER_UNAVAILABLE', 'The hub worker failed to start or crashed')))
  const reply = (event: TabEvent): void => events.port1.postMessage(event)
  events.port1.onmessage = (event: MessageEvent<WorkerEvent>) => onEvent(event.data, reply)
  watchPage({
    visibility: (visible) => reply({ type: 'visibility', visible }),
    lifecycle: (active, epoch) => reply({ type: 'lifecycle', active, epoch }),
  }, abort.signal)
  try {
    const opened = await withTimeout(
      Promise.race([remote.open(Comlink.transfer({ ...request, events: events.port2 }, [events.port2])), lost]),
      OPEN_TIMEOUT_MS, 'WORKER_UNAVAILABLE', 'the hub worker to open',
    )
    // The worker holds this lock for its whole life: getting it means the worker is gone.
    navigator.locks
      .request(opened.workerLock, { signal: abort.signal }, () => lose(new HubError('WORKER_UNAVAILABLE', 'The hub worker stopped')))
      .catch(() => {})
    return { remote, lost, status: opened.status, dispose }
  } catch (error) {
    dispose()
    throw toHubError(error)
  }
}

/** Rebuilds a HubError that crossed from the worker (the worker's Comlink handler keeps `code`). */
export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error
  const { name, message, code, reasonCode } = (error ?? {}) as { name?: string; message?: string; code?: HubErrorCode; reasonCode?: number }
  if (name === 'HubError' && code) return new HubError(code, message ?? code, reasonCode ?? undefined)
  return new HubError('WORKER_UNAVAILABLE', `The hub worker failed: ${message ?? String(error)}`)
}

export function withTimeout<T>(promise: Promise<T>, ms: number, code: HubErrorCode, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HubError(code, `Timed out after ${Math.max(0, ms)} ms waiting for ${what}`)), Math.max(0, ms))
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}
