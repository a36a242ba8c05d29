// The page's visibility and Page Lifecycle, as the worker must know them: a page that is frozen or
// in the back/forward cache runs nothing, so it must hold no exclusive work and no growing queue.

/**
 * Reports the page's visibility and lifecycle now and at every change, until `signal` aborts.
 * Away: `freeze`, `pagehide` (into the back/forward cache, or closing: it runs nothing more of
 * the hub's work, unless a `pageshow` brings it back). Back: `resume`, `pageshow` with `persisted`.
 */
export function watchPage(report: { visibility(visible: boolean): void; lifecycle(active: boolean): void }, signal: AbortSignal): void {
  if (typeof document === 'undefined') return // a hub in a worker has no page
  let active = true
  const visibility = (): void => report.visibility(document.visibilityState === 'visible')
  const away = (): void => {
    if (!active) return
    active = false
    report.lifecycle(false)
  }
  const back = (): void => {
    if (active) return
    active = true
    report.lifecycle(true)
    visibility()
  }
  visibility()
  document.addEventListener('visibilitychange', visibility, { signal })
  document.addEventListener('freeze', away, { signal })
  document.addEventListener('resume', back, { signal })
  // Not persisted: the page is closing or navigating away, and will run nothing more either.
  addEventListener('pagehide', away, { signal })
  addEventListener('pageshow', (event) => (event as PageTransitionEvent).persisted && back(), { signal })
}
