// Soak: 4 tabs for SOAK_SECONDS (45 in `npm test`, 300 with `npm run soak`) with subscriptions
// churning, tabs closing and opening, the broker restarting, exclusive jobs and QoS 1 publishes
// flowing all the time. Afterwards: no acknowledged QoS 1 message lost, no exclusive job handled
// twice unless the tab running it closed, and the worker back to its baseline (subscriptions,
// outbox, inbox, pending work, heap).
//
// Against aedes, which keeps sessions across a restart (stop() and start() of its listener).
// Publishers pause while it restarts: a broker stopped with messages in flight loses or doubles
// some whatever the client does. Measured with plain MQTT.js clients: aedes 1.2 sent 12 messages
// twice under two packet ids in 26 restarts (no client can tell those from two publishes), and
// mosquitto 2.0.11 with `persistence true` kept no subscription of a persistent session across a
// graceful restart (SIGKILL loses the session anyway).
import mqtt from 'mqtt'
import type { Page } from '@playwright/test'
import { expect, test as base } from './fixtures.ts'
import { exclusiveTab, jobCollector, persistent, type JobLog } from './job-log.ts'

declare const harness: Window['harness']

const SECONDS = Number(process.env.SOAK_SECONDS ?? 45)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const test = base.extend<{ jobs: JobLog }>({
  jobs: async ({}, use) => {
    const log = await jobCollector()
    await use(log)
    await log.close()
  },
})

test.setTimeout((SECONDS + 120) * 1000)

test(`4 tabs for ${SECONDS} s of churn, tab turnover and broker restarts lose nothing and return to baseline`, async ({ context, broker, prefix, jobs: log, sharedWorkers }) => {
  const mqttOptions = persistent(4)
  const tabs = new Map<string, Page>()
  const closed = new Set<string>()
  let tabCount = 0
  const openOne = async () => {
    const name = `t${++tabCount}`
    // The broker restarts every 11 s, before the default backoff counts a connection as stable (10 s
    // up): without a cap the delays would keep doubling, as they should for a broker that flaps.
    tabs.set(name, await exclusiveTab(context, log, name, broker.url, `${prefix}/jobs`, mqttOptions, 2, { reconnect: { maxDelayMs: 2_000 } }))
  }
  for (let i = 0; i < 4; i++) await openOne()
  const first = tabs.get('t1')!
  const baseline = { inspection: await first.evaluate(() => harness.hub().inspect()), heap: await sharedWorkers.heapUsed(true) }

  // Witness and job source in Node: persistent sessions, so that a broker restart owes them their messages.
  const witnessed = new Set<string>()
  const session = { clean: false, reconnectPeriod: 300 } as const
  const witness = await mqtt.connectAsync(broker.url, { ...session, clientId: `soak-witness-${Date.now()}` })
  witness.on('message', (_topic, payload) => witnessed.add(payload.toString()))
  await witness.subscribeAsync(`${prefix}/out`, { qos: 1 })
  const source = await mqtt.connectAsync(broker.url, { ...session, clientId: `soak-source-${Date.now()}` })
  for (const client of [witness, source]) client.on('error', () => {})

  const ackedJobs = new Set<string>()
  const ackedOut = new Set<string>()
  const counts = { restarts: 0, turnovers: 0, churn: 0, jobs: 0, published: 0 }
  const random = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!
  const stopAt = Date.now() + SECONDS * 1000
  const live = () => [...tabs.entries()]
  // Publishes wait while the broker restarts (see above).
  let calm = Promise.resolve()
  const inFlight = { source: 0, tabs: 0 }

  const jobSource = (async () => {
    for (let n = 0; Date.now() < stopAt; n++) {
      const id = `job-${n}`
      await calm
      inFlight.source++
      source.publish(`${prefix}/jobs`, id, { qos: 1 }, (error) => {
        inFlight.source--
        if (!error) ackedJobs.add(id)
      })
      counts.jobs++
      await sleep(40)
    }
  })()
  const tabPublishing = (async () => {
    for (let n = 0; Date.now() < stopAt; n++) {
      const [, page] = random(live())
      const id = `out-${n}`
      await calm
      counts.published++
      inFlight.tabs++
      // Acknowledged by the broker only if the promise resolves; a tab closing meanwhile is not counted.
      void page.evaluate(({ topic, id }) => harness.publish(topic, id, 1), { topic: `${prefix}/out`, id })
        .then(() => ackedOut.add(id), () => {})
        .finally(() => inFlight.tabs--)
      await sleep(60)
    }
  })()
  const churn = (async () => {
    for (let n = 0; Date.now() < stopAt; n++) {
      const [, page] = random(live())
      await page.evaluate(async ({ filter, n }) => {
        const w = window as unknown as { churn?: Array<{ unsubscribe(): Promise<void> }> }
        w.churn ??= []
        if (w.churn.length > 0 && n % 3 === 0) await w.churn.splice(Math.floor(Math.random() * w.churn.length), 1)[0]!.unsubscribe()
        else w.churn.push(await harness.hub().subscribe(filter, () => {}, { qos: (n % 3) as 0 | 1 | 2 }))
      }, { filter: `${prefix}/churn/${n % 7}`, n }).catch(() => {}) // the tab may be closing
      counts.churn++
      await sleep(100)
    }
  })()
  const turnover = (async () => {
    while (Date.now() < stopAt - 4_000) {
      await sleep(7_000)
      const [name, page] = random(live().filter(([name]) => name !== 't1'))
      tabs.delete(name)
      closed.add(name)
      await page.close()
      await openOne()
      counts.turnovers++
    }
  })()
  const restarts = (async () => {
    while (Date.now() < stopAt - 4_000) {
      await sleep(11_000)
      let resume = () => {}
      calm = new Promise((resolve) => (resume = resolve))
      await expect.poll(() => inFlight.source + inFlight.tabs, { timeout: 10_000, intervals: [20] }).toBe(0)
      await sleep(300) // and forwarded by the broker
      await broker.stop()
      await sleep(700)
      await broker.start()
      resume()
      counts.restarts++
    }
  })()
  await Promise.all([jobSource, tabPublishing, churn, turnover, restarts])

  // Quiet: the churned subscriptions go, everything in flight settles.
  for (const page of tabs.values()) {
    await page.evaluate(async () => {
      const w = window as unknown as { churn?: Array<{ unsubscribe(): Promise<void> }> }
      await Promise.all((w.churn ?? []).splice(0).map((s) => s.unsubscribe()))
    })
  }
  await expect.poll(() => [...ackedJobs].filter((id) => !log.ends.has(id)).length, { timeout: 60_000 }).toBe(0).catch(async (error) => {
    const missing = [...ackedJobs].filter((id) => !log.ends.has(id))
    console.log(`[soak] acked jobs never handled: ${missing.slice(0, 20)} (${missing.length}; started: ${missing.filter((id) => log.starts.has(id)).length}); `
      + `metrics: ${JSON.stringify(await first.evaluate(() => harness.hub().metrics()))}`)
    throw error
  })
  await expect.poll(() => [...ackedOut].filter((id) => !witnessed.has(id)).length, { timeout: 30_000 }).toBe(0)
  await expect.poll(async () => {
    const m = await first.evaluate(() => harness.hub().metrics())
    return { outbox: m.outbox.depth, inbox: m.inbox.depth, pending: Object.values(m.exclusive).reduce((n, group) => n + group.pending, 0) }
  }, { timeout: 30_000 }).toEqual({ outbox: 0, inbox: 0, pending: 0 })

  // Handled twice only where the tab running it was closed before it ended there.
  const twice = [...log.ends].filter(([, ended]) => ended.length > 1).map(([id]) => id)
  // A tab closed after it started the job: it may even have finished it, but its answer was lost.
  const explained = (id: string) => (log.starts.get(id) ?? []).some((tab) => closed.has(tab))
  const shape = (i: typeof baseline.inspection) => ({ subscriptions: i.subscriptions, broker: i.broker, tabs: i.tabs.length })
  // The last restart may have just happened: the broker's subscriptions come back after the SUBACK.
  await expect.poll(async () => shape(await first.evaluate(() => harness.hub().inspect())), { timeout: 15_000 })
    .toEqual(shape(baseline.inspection))
  const after = { heap: await sharedWorkers.heapUsed(true) }
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
  console.log(`[soak ${SECONDS} s] ${counts.jobs} jobs (${ackedJobs.size} acked, all handled), ${counts.published} tab publishes `
    + `(${ackedOut.size} acked, all witnessed), ${counts.churn} subscription changes, ${counts.turnovers} tabs replaced, `
    + `${counts.restarts} broker restarts; handled twice: ${twice.length} (${twice.filter(explained).length} after their tab closed); `
    + `worker heap ${mb(baseline.heap)} -> ${mb(after.heap)} MB`)
  const unexplained = twice.filter((id) => !explained(id))
  if (unexplained.length > 0) {
    console.log(`[soak] run twice with no tab closed: ${unexplained.map((id) => `${id} started in ${log.starts.get(id)}, ended in ${log.ends.get(id)}`).join('; ')}; `
      + `groups: ${JSON.stringify((await first.evaluate(() => harness.hub().metrics())).exclusive)}; closed tabs: ${[...closed]}`)
  }
  expect(unexplained).toEqual([])
  expect(counts.restarts).toBeGreaterThanOrEqual(Math.floor((SECONDS - 4) / 11.7))
  expect(after.heap - baseline.heap).toBeLessThan(8 * 1024 * 1024)
  await Promise.all([witness.endAsync(true), source.endAsync(true)])
})
