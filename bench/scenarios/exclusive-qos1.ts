// Exclusive QoS 1 jobs against plain QoS 1 delivery: one hub tab subscribes at QoS 1, exclusive
// (each message a job, kept in the worker's inbox until the handler finished) or not, while
// Node publishes QoS 1 as fast as the broker acknowledges; the rate runs from the tab's first
// handled message to its last.
import { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import { median } from '../stats.ts'
import { waitForAll } from './throughput.ts'

export interface ExclusiveQos1 {
  messages: number
  /** msg/s handled, median of the runs. */
  exclusive: number
  plain: number
}

const MESSAGES = 5_000

export async function measureExclusiveQos1(ctx: BrokerContext): Promise<ExclusiveQos1> {
  const exclusive = await rate(ctx, true)
  const plain = await rate(ctx, false)
  ctx.log(`${ctx.broker.kind} hub QoS 1: exclusive jobs ${Math.round(exclusive)} msg/s, plain subscription ${Math.round(plain)} msg/s`)
  return { messages: MESSAGES, exclusive, plain }
}

async function rate(ctx: BrokerContext, exclusive: boolean): Promise<number> {
  const group = await TabGroup.open(ctx.browser, ctx.pages, 'hub')
  try {
    const topic = `bench/qos1-jobs/${exclusive ? 'exclusive' : 'plain'}`
    const tab = await group.add(ctx.broker.url, null)
    await tab.extra('subscribeWith', { qos: 1, exclusive })
    await tab.call('subscribe', topic)
    const rates: number[] = []
    for (let rep = 0; rep < ctx.config.reps; rep++) {
      await tab.call('reset', false)
      const published = ctx.publisher.call('burst', { topic, count: MESSAGES, qos: 1 })
      const [progress] = await waitForAll(group, MESSAGES)
      await published
      if (progress && progress.count > 1) rates.push(progress.count / ((progress.last - progress.first) / 1000))
    }
    return median(rates)
  } finally {
    await group.close()
  }
}
