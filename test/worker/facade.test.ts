// Comlink lets a caller walk any property path of what a port exposes. The worker's facade must
// serve its own calls and nothing else: no reading, setting, constructing or new endpoints, so
// that a tab (stale, buggy or hostile) cannot reach the sessions, their credentials or code
// compilation (`new remote.open.constructor('…')` would compile code in the worker).
import * as Comlink from 'comlink'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startAedes, type TestBroker } from '../../e2e/brokers.ts'
import { TestWorker } from '../support/test-tab.ts'

let broker: TestBroker
beforeAll(async () => {
  broker = await startAedes()
})
afterAll(() => broker.close())

it('refuses property reads, constructors, nested calls, new endpoints and proxies, and still serves the tab', async () => {
  const tab = new TestWorker().tab()
  const remote = tab.remote as any // any: these are calls the facade does not have
  const refusals = await Promise.all([
    remote.open.constructor, // GET open.constructor (AsyncFunction)
    new remote.open.constructor('return globalThis'), // CONSTRUCT: code compiled in the worker
    remote.metrics.call(null), // APPLY metrics.call
    remote.open.constructor('return 1'), // APPLY of a nested path
    remote.service, // GET of something not exposed
    remote.unknownCall(), // APPLY of a name the facade does not have
    remote[Comlink.createEndpoint](), // ENDPOINT: a second port to the same object
    remote.subscribe(Comlink.proxy({ id: 1, filter: 'a', qos: 0 })), // a proxy argument calls back into the tab
  ].map((call: Promise<unknown>) => Promise.resolve(call).then(() => 'answered', (error: { name?: string; code?: string }) => `${error.name} ${error.code}`)))
  expect(refusals).toEqual(Array(8).fill('HubError INVALID_OPTIONS'))

  await tab.open({ url: broker.url })
  await tab.until(() => tab.status === 'connected', 'connected')
  const id = await tab.subscribe('facade/t')
  await broker.publish('facade/t', 'still served')
  await tab.until(() => tab.received(id).length === 1, 'the message')
  await tab.leave()
})
