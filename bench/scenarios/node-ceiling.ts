// The practical ceiling of this machine: one Node MQTT.js subscriber over WebSocket (in its own
// process), fed by the same publisher and broker as the pages.
import type { BrokerContext } from '../context.ts'
import { CpuMeter, type CpuUsage } from '../cpu.ts'
import { MqttPeer } from '../peer.ts'
import { median } from '../stats.ts'

export interface NodeCeiling {
  msgsPerS: number
  messages: number
  delivered: number
  cpu: CpuUsage | null
  /** Messages delivered while `cpu` was measured. */
  cpuMessages: number
}

interface Counted {
  count: number
  first: number
  last: number
}

export async function measureNodeCeiling(ctx: BrokerContext): Promise<NodeCeiling> {
  const subscriber = await MqttPeer.connect(ctx.broker.url, 'node-subscriber')
  const topic = 'bench/node'
  const messages = ctx.config.messages
  try {
    await runOnce(ctx, subscriber, topic, 2_000) // warm-up
    const meter = CpuMeter.begin()
    const runs: Counted[] = []
    for (let rep = 0; rep < ctx.config.reps; rep++) runs.push(await runOnce(ctx, subscriber, topic, messages))
    return {
      msgsPerS: median(runs.map((r) => r.count / ((r.last - r.first) / 1000))),
      messages,
      delivered: Math.min(...runs.map((r) => r.count)),
      cpu: meter?.end() ?? null,
      cpuMessages: runs.reduce((sum, r) => sum + r.count, 0),
    }
  } finally {
    await subscriber.close()
  }
}

async function runOnce(ctx: BrokerContext, subscriber: MqttPeer, topic: string, count: number): Promise<Counted> {
  const subscribed = subscriber.nextEvent('subscribed')
  const counted = subscriber.call<Counted>('count', { topic, expected: count, idleMs: 3_000 })
  await subscribed
  await ctx.publisher.call('burst', { topic, count })
  return counted
}
