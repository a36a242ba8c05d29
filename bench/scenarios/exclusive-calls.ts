// What the hub-exclusive and election scenarios both read from their tabs.
import type { Tab } from '../browser.ts'
import type { ExclusiveCall } from '../pages/election.ts'

export const fmt = (ms: number | null): string => (ms === null ? 'never' : `${Math.round(ms)} ms`)

/** The non-idempotent handlings a tab recorded. */
export function callsOf(tab: Tab): Promise<ExclusiveCall[]> {
  return tab.extra<ExclusiveCall[]>('exclusiveCalls')
}
