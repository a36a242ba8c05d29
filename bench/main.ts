// `npm run bench`: the hub against one MQTT.js connection per tab, against leader election, and
// against one Node subscriber, side by side in one run (issue 5). Progress goes to stderr, the
// report to stdout, the figures to $BENCH_JSON, the chart to bench/results/throughput.svg.
// Each scenario is one module under bench/scenarios/ that gets a BrokerContext (or nothing, for
// the Node-only ones) and returns its own figures; results.ts turns them into the issue's keys
// and checks its targets.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { startAedes, startMosquitto, type TestBroker } from '../e2e/brokers.ts'
import { BenchBrowser, browserVersion } from './browser.ts'
import { throughputChart } from './chart.ts'
import { readConfig, type BenchConfig, type BrokerContext } from './context.ts'
import { serveBenchPages, type BenchPages } from './pages.ts'
import { MqttPeer } from './peer.ts'
import { formatReport, type Environment } from './report.ts'
import { figuresOf, type BrokerResults, type RunResults } from './results.ts'
import { measureBundles } from './scenarios/bundle.ts'
import { runElection } from './scenarios/election.ts'
import { runExclusive } from './scenarios/exclusive.ts'
import { measureReplay } from './scenarios/outbox.ts'
import { measureNodeCeiling } from './scenarios/node-ceiling.ts'
import { measureQos1 } from './scenarios/qos1.ts'
import { measureRouting } from './scenarios/routing.ts'
import { runTabMatrix } from './scenarios/tabs.ts'

const MOSQUITTO = '/usr/sbin/mosquitto'
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`)

export async function main(): Promise<void> {
  const started = performance.now()
  const config = readConfig()
  log('building the bench pages (vite build) and serving them (vite preview)')
  const pages = await serveBenchPages()
  let browser: BenchBrowser | undefined
  try {
    browser = await BenchBrowser.launch()
    const brokers: BrokerResults[] = []
    for (const kind of config.brokers) {
      if (kind === 'mosquitto' && !existsSync(MOSQUITTO)) {
        log(`${MOSQUITTO} not found: mosquitto skipped`)
        continue
      }
      brokers.push(await benchBroker(kind, config, browser, pages, brokers.length === 0))
    }
    log('routing (Node) and bundle sizes')
    const run: RunResults = { brokers, routing: measureRouting(), bundles: await measureBundles() }
    const env = { ...(await environment(browser, started)), otherLoad: otherLoad(run) }
    await writeOutputs(env, run)
  } finally {
    await browser?.close()
    await pages.close()
  }
}

async function benchBroker(
  kind: TestBroker['kind'], config: BenchConfig, browser: BenchBrowser, pages: BenchPages, withElection: boolean,
): Promise<BrokerResults> {
  log(`${kind}: starting`)
  const broker = kind === 'aedes' ? await startAedes() : await startMosquitto()
  let publisher: MqttPeer | undefined
  try {
    publisher = await MqttPeer.connect(broker.url, 'publisher')
    const ctx: BrokerContext = { config, browser, pages, broker, publisher, log }
    const node = await measureNodeCeiling(ctx)
    log(`${kind} node subscriber: ${Math.round(node.msgsPerS)} msg/s`)
    const rows = await runTabMatrix(ctx, ['hub', 'direct'])
    const qos1 = [await measureQos1(ctx, 'hub'), await measureQos1(ctx, 'direct')]
    // Broker-independent behaviour: measured against the first broker only.
    const election = withElection ? await runElection(ctx) : null
    const exclusive = withElection ? await tolerate('exclusive handlers', () => runExclusive(ctx)) : null
    const replay = withElection ? await tolerate('outbox replay', () => measureReplay(ctx)) : null
    return { broker: kind, node, rows, qos1, election, exclusive, replay }
  } finally {
    await publisher?.close()
    await broker.close()
  }
}

/**
 * Runs a scenario of a feature still in development: when it fails, the bench says so and goes
 * on, and the scenario's keys stay null.
 */
async function tolerate<T>(name: string, scenario: () => Promise<T>): Promise<T | null> {
  try {
    return await scenario()
  } catch (error) {
    log(`${name}: scenario failed, its figures stay null: ${error instanceof Error ? error.message : String(error)}`)
    return null
  }
}

async function writeOutputs(env: Environment, run: RunResults): Promise<void> {
  const [primary] = run.brokers
  if (!primary) throw new Error('No broker was measured')
  const figures = figuresOf(primary, run)
  process.stdout.write(formatReport(env, run, figures) + '\n')

  const chartPath = new URL('./results/throughput.svg', import.meta.url).pathname
  await mkdir(new URL('./results', import.meta.url).pathname, { recursive: true })
  await writeFile(chartPath, throughputChart(run.brokers, `${env.date}, ${env.machine}, ${env.browser}`))
  log(`chart written to ${chartPath}`)

  const jsonPath = process.env.BENCH_JSON
  if (jsonPath) {
    const byBroker = Object.fromEntries(run.brokers.map((b) => [b.broker, figuresOf(b, run)]))
    const json = { ...figures, broker: primary.broker, by_broker: byBroker, environment: env, details: run }
    await writeFile(jsonPath, JSON.stringify(json, (_key, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value), 2) + '\n')
    log(`figures written to ${jsonPath}`)
  }
}

/** Mean share of the machine other processes used while throughput was measured (null: not Linux). */
function otherLoad(run: RunResults): number | null {
  const usages = run.brokers.flatMap((b) => [...b.rows.map((r) => r.throughput.cpu), b.node.cpu])
  const others = usages.flatMap((u) => (u ? [Math.max(0, u.machineBusy - u.ours)] : []))
  return others.length > 0 ? others.reduce((a, b) => a + b, 0) / others.length : null
}

async function environment(browser: BenchBrowser, started: number): Promise<Omit<Environment, 'otherLoad'>> {
  const cpu = cpus()
  const aedes = JSON.parse(await readFile(new URL('../node_modules/aedes/package.json', import.meta.url), 'utf8')) as { version: string }
  const mosquitto = existsSync(MOSQUITTO)
    ? /mosquitto version (\S+)/.exec(spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' }).stdout)?.[1] ?? '?'
    : null
  return {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB`,
    node: process.version,
    browser: browserVersion(browser.browser),
    brokers: `aedes ${aedes.version}${mosquitto ? `, mosquitto ${mosquitto}` : ''}`,
    pages: 'production vite build (minified) served by vite preview on 127.0.0.1',
    durationS: (performance.now() - started) / 1000,
  }
}
