// The scenarios in firefox: every broker, then what the engine does to tabs.
import { describe } from 'vitest'
import { brokerScenarios } from './broker-scenarios.ts'
import { BROKERS, useEngine } from './session.ts'
import { tabScenarios } from './tab-scenarios.ts'
import { packedScenario } from './packed-scenario.ts'

const session = useEngine('firefox')
for (const kind of BROKERS) describe(kind.name, () => brokerScenarios(session, kind))
describe('tabs', () => tabScenarios(session))
describe('packed package', () => packedScenario(session))
