import type * as Comlink from 'comlink'
import { HubError } from './errors.ts'
import type { OpenRequest, TabApi, TabEvent, WorkerEvent } from './protocol.ts'
import { openWorkerLink, toHubError, withTimeout, type WorkerHandle, type WorkerLink } from './worker-link.ts'

/** Delays before starting a new worker after the last one died, growing with each failure in a row. */
const RELINK_DELAYS_MS = [0, 250, 1_000, 2_000, 5_000]
/** How long close() waits for the worker to confirm. */
const CLOSE_TIMEOUT_MS = 1_000

/** What the connection needs from its hub. */
export interface WorkerConnectionHost {
  /** What the worker needs to open this hub now (the subscriptions to restore, the acks awaited). */
  openRequest(): Omit<OpenRequest, 'events'>
  onEvent(event: WorkerEvent, reply?: (event: TabEvent) => void): void
  /** The worker stopped or never started; a new one is on its way. */
  onLost(error: HubError): void
  /** The worker will never accept this hub as configured (CONFIG_MISMATCH). */
  onRefused(error: HubError): void
}

/**
 * This hub's link to the hub worker, kept up: a call never hangs (TIMEOUT) and fails fast when
 * the worker dies (WORKER_UNAVAILABLE); a dead worker is replaced, with growing delays, and the
 * new one gets every subscription back through `openRequest()`.
 */
export class WorkerConnection {
  private link: Promise<WorkerLink> | null = null
  private relinkAttempt = 0
  private closed = false

  constructor(
    private readonly startWorker: () => WorkerHandle,
    /** Resolves once the tab holds its lifetime lock: the worker watches it. */
    private readonly tabLockHeld: Promise<void>,
    private readonly callTimeoutMs: number,
    private readonly host: WorkerConnectionHost,
  ) {
    this.link = this.startLink()
  }

  /** One call to the worker, within `timeoutMs`. */
  async call<T>(fn: (remote: Comlink.Remote<TabApi>) => Promise<T>, timeoutMs = this.callTimeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs
    this.link ??= this.startLink()
    const link = await withTimeout(this.link, this.callTimeoutMs, 'WORKER_UNAVAILABLE', 'the hub worker to start')
    try {
      return await withTimeout(Promise.race([fn(link.remote), link.lost]), deadline - Date.now(), 'TIMEOUT', 'the hub worker to answer')
    } catch (error) {
      throw toHubError(error)
    }
  }

  /** A call on the current link only, if there is one; its outcome is ignored (cleaning up after a failed call). */
  tell(fn: (remote: Comlink.Remote<TabApi>) => Promise<unknown>): void {
    this.link?.then((link) => fn(link.remote)).catch(() => {})
  }

  /** Closes this hub in the worker (waits at most a second) and stops relinking. */
  async close(): Promise<void> {
    this.closed = true
    const link = this.link
    this.link = null
    if (!link) return
    await link
      .then((l) => withTimeout(Promise.race([l.remote.close(), l.lost]), CLOSE_TIMEOUT_MS, 'TIMEOUT', 'close').finally(() => l.dispose()))
      .catch(() => {})
  }

  private startLink(): Promise<WorkerLink> {
    const link = this.open()
    link.catch(() => {}) // a failure reaches callers through call(), and relinking through lost()
    return link
  }

  private async open(): Promise<WorkerLink> {
    await this.tabLockHeld
    try {
      // One tab at a time: after the worker died, tabs that all start it at once can each get a
      // worker of their own (seen in Chromium after a renderer crash).
      const link = await navigator.locks.request('mqtt-hub:open', () =>
        openWorkerLink(this.startWorker(), this.host.openRequest(), (event, reply) => this.host.onEvent(event, reply)))
      link.lost.catch(() => this.lost(link))
      this.relinkAttempt = 0
      this.host.onEvent(link.status)
      return link
    } catch (error) {
      const failure = toHubError(error)
      if (failure.code === 'CONFIG_MISMATCH') {
        this.closed = true
        this.host.onRefused(failure)
      } else {
        this.lost(null)
      }
      throw failure
    }
  }

  /** The worker died or never started: start a new one, with a growing delay. */
  private lost(link: WorkerLink | null): void {
    link?.dispose()
    if (this.closed) return
    this.link = null
    this.host.onLost(new HubError('WORKER_UNAVAILABLE', 'The hub worker stopped; starting a new one'))
    const delay = RELINK_DELAYS_MS[Math.min(this.relinkAttempt++, RELINK_DELAYS_MS.length - 1)]
    setTimeout(() => {
      if (!this.closed && !this.link) this.link = this.startLink()
    }, delay)
  }
}
