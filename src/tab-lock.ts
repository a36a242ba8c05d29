/**
 * The Web Lock a tab holds for its hub's whole life: the worker asks for it too, and is granted
 * it when the tab is gone (closed, crashed, navigated away). That is the liveness signal.
 *
 * A browser can also take it from a page that lives on: WebKit drops a page's locks when the page
 * enters the back/forward cache, and the worker then lets the tab go. Once the page is shown
 * again, a new lock is taken and `onLost` tells the hub to open again in the worker, with its
 * subscriptions. A lock that ends after pagehide waits for pageshow: a page that closes ends its
 * lock too, and asking for a new one then leaves it held for a page that no longer exists, with
 * the worker serving a ghost tab (seen in WebKitGTK 2.50, also for a visible page).
 */
export interface TabLock {
  /** The current lock's name, for the worker to watch. */
  readonly name: string
  /** Resolves once the current lock is held. */
  readonly held: Promise<void>
  /** Lets the lock go for good (the hub closed). */
  dispose(): void
}

export function holdTabLock(onLost: () => void): TabLock {
  let release = (): void => {}
  let away = false
  let lost = false
  let disposed = false
  const lock = { name: '', held: Promise.resolve(), dispose: () => { disposed = true; release() } }
  const take = (): void => {
    lock.name = `mqtt-hub:tab:${crypto.randomUUID()}`
    lock.held = new Promise((held) => {
      const ended = (): void => {
        if (disposed) return
        if (away) lost = true
        else renew()
      }
      navigator.locks.request(lock.name, () => {
        held()
        return new Promise<void>((resolve) => (release = resolve))
      }).then(ended, ended)
    })
  }
  const renew = (): void => {
    lost = false
    take()
    onLost()
  }
  take()
  // No page lifecycle events reach a hub in a worker: its lock ends only with the worker.
  addEventListener('pagehide', () => (away = true))
  addEventListener('pageshow', () => {
    away = false
    if (lost) renew()
  })
  return lock
}
