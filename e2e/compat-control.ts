// Runs one test body against MQTT.js and against mqtt-hub/compat, in the same page (e2e/harness/
// compat-control.html): what MQTT.js does there is the target, what compat does must match it.
import type { Page } from '@playwright/test'
import type { BrokerKind, TestBroker } from './brokers.ts'
import type { MqttLibraryName } from './harness/compat-control-page.ts'
import { expect, test } from './fixtures.ts'

export const LIBRARIES: readonly MqttLibraryName[] = ['mqtt.js', 'compat']

export interface ControlContext {
  page: Page
  lib: MqttLibraryName
  broker: TestBroker
  brokerKind: BrokerKind
  protocolVersion: 4 | 5
  prefix: string
}

/** Registers `title` once per library: `[mqtt.js] title` is the control of `[compat] title`. */
export function behaviour(title: string, body: (ctx: ControlContext) => Promise<void>): void {
  for (const lib of LIBRARIES) {
    // Playwright starts only the fixtures a test names in its parameter list.
    test(`[${lib}] ${title}`, async ({ context, broker, brokerKind, protocolVersion, prefix }) => {
      const page = await context.newPage()
      page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
      await page.goto('/e2e/harness/compat-control.html')
      await expect(page.locator('#state')).toHaveText('ready')
      await body({ page, lib, broker, brokerKind, protocolVersion, prefix })
    })
  }
}

export { expect }
