// Publish-to-handler latency at a fixed rate: Node stamps each payload with its wall-clock send
// time, the page's handler subtracts it from its own wall clock (both aligned to the system
// clock, see wallClock). Every message of every tab is one sample.
import type { TabGroup } from '../browser.ts'
import type { BrokerContext } from '../context.ts'
import { quantile, sleep } from '../stats.ts'
import { waitForAll } from './throughput.ts'

export interface Latency {
  p50: number
  p99: number
  /** The smallest sample: below zero only if the two clocks disagree (see wallClock). */
  min: number
  samples: number
  /** Messages the tabs should have received (sent × tabs). */
  expected: number
}

export async function measureLatency(ctx: BrokerContext, group: TabGroup, topic: string): Promise<Latency> {
  await Promise.all(group.tabs.map((tab) => tab.call('reset', true)))
  await ctx.publisher.call('startStream', { topic, rate: ctx.config.latencyRate })
  await sleep(ctx.config.latencyMs)
  const { sent } = await ctx.publisher.call<{ sent: number }>('stopStream')
  const expected = sent * group.tabs.length
  await waitForAll(group, expected)
  const samples = (await Promise.all(group.tabs.map((tab) => tab.call('latencies')))).flat()
  await Promise.all(group.tabs.map((tab) => tab.call('reset', false)))
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), min: Math.min(...samples), samples: samples.length, expected }
}
