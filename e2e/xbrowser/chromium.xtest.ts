// The control: the same scenarios in Chromium (through puppeteer-core, as Firefox), which the
// Playwright suite covers in depth; a scenario that fails only here is a runner's fault.
import { describe } from 'vitest'
import { brokerScenarios } from './broker-scenarios.ts'
import { BROKERS, useEngine } from './session.ts'
import { tabScenarios } from './tab-scenarios.ts'

const session = useEngine('chromium')
// One broker: Playwright already runs every scenario on every broker in Chromium.
for (const kind of BROKERS.filter((b) => b.name === 'aedes-3.1.1')) describe(kind.name, () => brokerScenarios(session, kind))
describe('tabs', () => tabScenarios(session))
