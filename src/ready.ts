import { HubError } from './errors.ts'
import type { HubStatus } from './public-types.ts'
import type { Hub } from './types.ts'

/** What `untilConnected` needs of a hub. */
interface Watched {
  readonly status: HubStatus
  readonly lastError: HubError | undefined
  onStatus(callback: (status: HubStatus, error?: HubError) => void): () => void
}

/**
 * Resolves once connected; rejects at a refusal (CONNECTION_REFUSED), at close (`closedError()`),
 * or after `limitMs` (TIMEOUT, with the last error in the message).
 */
export function untilConnected(hub: Watched, limitMs: number, closedError: () => HubError): Promise<void> {
  if (hub.status === 'connected') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const settle = (error?: HubError): void => {
      clearTimeout(timer)
      stop()
      if (error) reject(error)
      else resolve()
    }
    const timer = setTimeout(() => {
      const why = hub.lastError ? `: ${hub.lastError.message}` : ''
      settle(new HubError('TIMEOUT', `Not connected after ${limitMs} ms (status ${hub.status})${why}`))
    }, limitMs)
    const stop = hub.onStatus((status, error) => {
      if (status === 'connected') settle()
      else if (status === 'closed') settle(closedError())
      else if (error?.code === 'CONNECTION_REFUSED') settle(error)
    })
  })
}

/** Waits until every hub (session) is connected; rejects with the first failure (TIMEOUT, CONNECTION_REFUSED, CLOSED). */
export async function readyAll(hubs: Iterable<Hub>, timeoutMs?: number): Promise<void> {
  await Promise.all([...hubs].map((hub) => hub.ready(timeoutMs)))
}
