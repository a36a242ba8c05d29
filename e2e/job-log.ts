// Exclusive handlers report the start and end of every job through beacons to a collector in
// the test process (e2e/job-collector.ts): a beacon is sent even when the tab closes or crashes right after.
import type { BrowserContext, Page } from '@playwright/test'
import { expect } from './fixtures.ts'
import type { JobLog } from './job-collector.ts'

export { jobCollector, type JobLog } from './job-collector.ts'

declare const harness: Window['harness']

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
