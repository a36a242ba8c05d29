// The page's Page Lifecycle, as the worker must know it: a page that is frozen or in the
// back/forward cache runs nothing, so it must hold no exclusive work and no growing queue.

/** This page's freezes so far (`freeze`, or `pagehide` into the back/forward cache). */
let epoch = 0
let active = true

/** The epoch of the page now: exclusive jobs given before the latest freeze carry an older one, and are skipped. */
export function pageEpoch(): number {
  return epoch
}

/**
 * Reports the page's visibility and lifecycle now and at every change, until `signal` aborts.
 * Frozen: `freeze`, `pagehide` with `persisted`. Back: `resume`, `pageshow` with `persisted`.
 */
export function watchPage(report: { visibility(visible: boolean): void; lifecycle(active: boolean, epoch: number): void }, signal: AbortSignal): void {
  if (typeof document === 'undefined') return // a hub in a worker has no page
  const visibility = (): void => report.visibility(document.visibilityState === 'visible')
  const frozen = (): void => {
    if (!active) return
    active = false
    epoch++
    report.lifecycle(false, epoch)
  }
  const back = (): void => {
    if (active) return
    active = true
    report.lifecycle(true, epoch)
    visibility()
  }
  visibility()
  if (!active) report.lifecycle(false, epoch)
  document.addEventListener('visibilitychange', visibility, { signal })
  document.addEventListener('freeze', frozen, { signal })
  document.addEventListener('resume', back, { signal })
  addEventListener('pagehide', (event) => (event as PageTransitionEvent).persisted && frozen(), { signal })
  addEventListener('pageshow', (event) => (event as PageTransitionEvent).persisted && back(), { signal })
}
