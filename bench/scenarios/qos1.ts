// QoS 1 publish rate from one tab, for the hub (durable when its outbox keeps publishes in
// IndexedDB until acknowledged) and for MQTT.js in a tab (in memory). The target compares
// durable with non-durable; results.ts decides which is which (qos1Rates).
import { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import { median } from '../stats.ts'
import type { TabKind } from './tabs.ts'

export interface Qos1Rate {
  kind: TabKind
  msgsPerS: number
  messages: number
  /** Publishes not yet acknowledged at any time (the app's concurrency). */
  window: number
  /** Whether the hub kept them on disk until acknowledged (its outbox); false for MQTT.js. */
  durable: boolean
}

const MESSAGES = 5_000
const WINDOW = 100

export async function measureQos1(ctx: BrokerContext, kind: TabKind): Promise<Qos1Rate> {
  const group = await TabGroup.open(ctx.browser, ctx.pages, kind)
  try {
    const tab = await group.add(ctx.broker.url, null)
    const topic = `bench/qos1/${kind}`
    await tab.call('publishQos1', topic, 500, 50) // warm-up
    const rates: number[] = []
    for (let rep = 0; rep < ctx.config.reps; rep++) {
      rates.push(await tab.call('publishQos1', topic, MESSAGES, WINDOW))
    }
    const msgsPerS = median(rates)
    const durable = kind === 'hub' && (await tab.extra<boolean>('outboxDurable'))
    ctx.log(`${ctx.broker.kind} ${kind} QoS 1 publish${durable ? ' (durable outbox)' : ''}: ${Math.round(msgsPerS)} msg/s`)
    return { kind, msgsPerS, messages: MESSAGES, window: WINDOW, durable }
  } finally {
    await group.close()
  }
}
