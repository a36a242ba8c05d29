// A collector in the test process for the beacons that exclusive handlers send at the start and
// end of every job (e2e/harness/harness.ts, `?collector=URL`): a beacon is sent even when the tab
// closes or crashes right after. Free of any test framework, so that both e2e runners use it.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface JobLog {
  /** Tabs (by name) in which each message's handler started and ended. */
  starts: Map<string, string[]>
  ends: Map<string, string[]>
  /** Messages whose first start was a redelivery (given to a tab that died, or to a worker that did). */
  redelivered: Set<string>
  /** Every beacon in arrival order, with the test process's clock (epoch ms) at arrival. */
  events: Array<{ event: 'start' | 'end'; id: string; tab: string; at: number }>
  url: string
  close(): Promise<void>
}

/** Collects the beacons every tab's handler sends at start and end (they survive the tab's death). */
export async function jobCollector(): Promise<JobLog> {
  const starts = new Map<string, string[]>()
  const ends = new Map<string, string[]>()
  const redelivered = new Set<string>()
  const events: JobLog['events'] = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      const at = Date.now()
      const { event, id, tab, redelivered: again } = JSON.parse(body) as { event: 'start' | 'end'; id: string; tab: string; redelivered: boolean }
      if (event === 'start' && again && !starts.has(id)) redelivered.add(id)
      const into = event === 'start' ? starts : ends
      into.set(id, [...(into.get(id) ?? []), tab])
      events.push({ event, id, tab, at })
      response.writeHead(204, { 'access-control-allow-origin': '*' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { starts, ends, redelivered, events, url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections() // browsers keep their connections alive; close() alone would wait for them
    }) }
}
