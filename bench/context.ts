// What every scenario gets: the run's settings and the parts it measures with.
import type { TestBroker } from '../e2e/brokers.ts'
import type { BenchBrowser } from './browser.ts'
import type { BenchPages } from './pages.ts'
import type { MqttPeer } from './peer.ts'

export interface BenchConfig {
  /** Each throughput figure is the median of this many runs. */
  reps: number
  /** QoS 0 messages per throughput run. */
  messages: number
  tabCounts: number[]
  /** Rate and length of the latency runs. */
  latencyRate: number
  latencyMs: number
  brokers: Array<TestBroker['kind']>
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const int = (name: string, fallback: number): number => {
    const value = Number(env[name] ?? fallback)
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
    return value
  }
  const brokers = (env.BENCH_BROKERS ?? 'aedes,mosquitto').split(',').map((b) => b.trim())
  for (const b of brokers) if (b !== 'aedes' && b !== 'mosquitto') throw new Error(`BENCH_BROKERS: unknown broker ${b}`)
  return {
    reps: int('BENCH_REPS', 3),
    messages: int('BENCH_MESSAGES', 20_000),
    tabCounts: [1, 4, 8],
    latencyRate: 1_000,
    latencyMs: int('BENCH_LATENCY_MS', 3_000),
    brokers: brokers as BenchConfig['brokers'],
  }
}

export interface BrokerContext {
  config: BenchConfig
  browser: BenchBrowser
  pages: BenchPages
  broker: TestBroker
  /** A Node MQTT.js publisher in its own process, connected to `broker`. */
  publisher: MqttPeer
  log(line: string): void
}
