// The package as users get it (`npm pack`, installed from the tarball into e2e/consumer/, built
// by `vite build` and served by `vite preview`), in an engine other than Chromium.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildAndPreview, installConsumerApp, type AppServer, type ConsumerApp } from '../consumer-app.ts'
import { until, type Tab } from './engines.ts'
import { useBroker, topicPrefix, type Session } from './session.ts'

interface ConsumerPage {
  open(url: string): Promise<string>
  subscribe(filter: string): Promise<void>
  publish(topic: string, text: string): Promise<void>
  received(): string[]
}

declare const consumer: ConsumerPage

export function packedScenario(session: Session): void {
  const brokers = useBroker({ name: 'aedes-3.1.1', kind: 'aedes', protocolVersion: 4 })
  let app: ConsumerApp | undefined
  let server: AppServer | undefined

  beforeAll(async () => {
    app = await installConsumerApp()
    server = await buildAndPreview(app)
  }, 240_000)

  afterAll(async () => {
    await server?.close()
    await app?.remove()
  })

  test('the packed package in a built Vite app: two tabs share one SharedWorker connection and exchange a message', async () => {
    const { broker } = brokers
    const p = topicPrefix(session.engine.name, 'packed')
    await broker.resetStats()
    const appTab = async (): Promise<Tab> => {
      const tab = await session.open(server!.url)
      await until(() => tab.evaluate(() => document.getElementById('state')?.textContent), (s) => s === 'ready', 20_000, 'the app page')
      expect(await tab.evaluate((url) => consumer.open(url), broker.url)).toBe('shared-worker')
      return tab
    }
    const [a, b] = [await appTab(), await appTab()]
    await b.evaluate((f) => consumer.subscribe(f), `${p}/chat`)
    await a.evaluate((t) => consumer.publish(t, 'hello from a'), `${p}/chat`)
    await until(() => b.evaluate(() => consumer.received()), (got) => got.length > 0, 10_000, 'b to receive')
    expect(await b.evaluate(() => consumer.received())).toEqual([`${p}/chat hello from a`])
    const stats = await broker.stats()
    expect([stats.connects, stats.connected]).toEqual([1, 1])
  })
}
