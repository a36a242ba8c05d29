// The scenarios in webkit: every broker, then what the engine does to tabs.
import { describe } from 'vitest'
import { brokerScenarios } from './broker-scenarios.ts'
import { BROKERS, useEngine } from './session.ts'
import { tabScenarios } from './tab-scenarios.ts'

const session = useEngine('webkit')
for (const kind of BROKERS) describe(kind.name, () => brokerScenarios(session, kind))
describe('tabs', () => tabScenarios(session))
