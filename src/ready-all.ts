import type { Hub } from './types.ts'

/** Waits until every hub (session) is connected; rejects with the first failure (TIMEOUT, CONNECTION_REFUSED, CLOSED). */
export async function readyAll(hubs: Iterable<Hub>, timeoutMs?: number): Promise<void> {
  await Promise.all([...hubs].map((hub) => hub.ready(timeoutMs)))
}
