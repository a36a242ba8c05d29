// Exclusive handlers report the start and end of every job through beacons to a collector in
// the test process: a beacon is sent even when the tab closes or crashes right after.
import type { BrowserContext, Page } from '@playwright/test'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from './fixtures.ts'

declare const harness: Window['harness']

export interface JobLog {
  /** Tabs (by name) in which each message's handler started and ended. */
  starts: Map<string, string[]>
  ends: Map<string, string[]>
  /** Messages whose first start was a redelivery (given to a tab that died, or to a worker that did). */
  redelivered: Set<string>
  url: string
  close(): Promise<void>
}

/** Collects the beacons every tab's handler sends at start and end (they survive the tab's death). */
export async function jobCollector(): Promise<JobLog> {
  const starts = new Map<string, string[]>()
  const ends = new Map<string, string[]>()
  const redelivered = new Set<string>()
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      const { event, id, tab, redelivered: again } = JSON.parse(body) as { event: string; id: string; tab: string; redelivered: boolean }
      if (event === 'start' && again && !starts.has(id)) redelivered.add(id)
      const into = event === 'start' ? starts : ends
      into.set(id, [...(into.get(id) ?? []), tab])
      response.writeHead(204, { 'access-control-allow-origin': '*' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { starts, ends, redelivered, url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections() // browsers keep their connections alive; close() alone would wait for them
    }) }
}

export async function exclusiveTab(
  context: BrowserContext, log: JobLog, name: string, url: string, filter: string, mqtt: object, workMs = 3, options: object = {},
): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`/e2e/harness/index.html?collector=${encodeURIComponent(log.url)}`)
  await expect(page.locator('#state')).toHaveText('ready')
  await page.evaluate((name) => { document.title = name }, name)
  await page.evaluate((o) => harness.open(o).then(() => {}), { ...options, url, mqtt })
  await page.evaluate(({ filter, workMs }) => harness.subscribeExclusive('jobs', filter, { qos: 1, workMs }), { filter, workMs })
  return page
}

export function persistent(protocolVersion: 4 | 5): object {
  return { protocolVersion, clean: false, ...(protocolVersion === 5 && { properties: { sessionExpiryInterval: 3600 } }) }
}
