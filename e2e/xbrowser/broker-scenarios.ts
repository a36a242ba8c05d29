// The contract's guarantees in one engine against one broker (aedes 3.1.1, mosquitto 3.1.1 and 5),
// written once for every engine. Figures (release, failover, hidden-tab timers) go to figures.ts.
import mqtt from 'mqtt'
import { expect, test } from 'vitest'
import { jobCollector } from '../job-collector.ts'
import { until, type Tab } from './engines.ts'
import { record } from './figures.ts'
import { texts, topicPrefix, useBroker, type BrokerKind, type Session } from './session.ts'

declare const harness: Window['harness']

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `job-${i + from}`)
const handled = (tabs: Tab[]) => Promise.all(tabs.map((tab) => tab.evaluate(() => harness.received('jobs').map((m) => m.text))))

export function brokerScenarios(session: Session, kind: BrokerKind): void {
  const { protocolVersion } = kind
  const mqttOptions = { protocolVersion }
  const brokers = useBroker(kind)
  const engine = () => session.engine.name
  const prefix = () => topicPrefix(engine(), kind.name)
  const figure = (metric: string, value: number | string, unit?: string) =>
    record({ engine: engine(), broker: kind.name, metric, value, ...(unit && { unit }) })

  test('3 tabs make one broker connection and one SUBSCRIBE, and every handler gets every message once', async () => {
    const { broker } = brokers
    const p = prefix()
    await broker.resetStats()
    const tabs = [await session.hubTab(broker.url, mqttOptions), await session.hubTab(broker.url, mqttOptions), await session.hubTab(broker.url, mqttOptions)]
    for (const tab of tabs) await tab.evaluate((f) => harness.subscribe('all', f, 1), `${p}/+`)
    for (let i = 0; i < 20; i++) await broker.publish(`${p}/m`, `n${i}`, { qos: 1 })
    const expected = Array.from({ length: 20 }, (_, i) => `${p}/m n${i}`)
    for (const tab of tabs) await until(() => texts(tab, 'all'), (got) => got.length >= 20)
    for (const tab of tabs) expect(await texts(tab, 'all')).toEqual(expected)
    const stats = await broker.stats()
    expect(stats.connects).toBe(1)
    expect(stats.connected).toBe(1)
    expect(stats.subscribes.filter((s) => s.filter === `${p}/+`)).toHaveLength(1)
  })

  test('every handler runs exactly once per matching message when filters overlap across tabs', async () => {
    const { broker } = brokers
    const p = prefix()
    const [a, b] = [await session.hubTab(broker.url, mqttOptions), await session.hubTab(broker.url, mqttOptions)]
    await a.evaluate((q) => Promise.all([harness.subscribe('plusC', `${q}/+/c`), harness.subscribe('hashA', `${q}/#`)]), p)
    await b.evaluate((q) => Promise.all([harness.subscribe('bPlus', `${q}/b/+`), harness.subscribe('hashB', `${q}/#`, 2)]), p)
    await a.evaluate((q) => harness.publish(`${q}/b/c`, 'x', 1), p)
    await a.evaluate((q) => harness.publish(`${q}/q/c`, 'y', 2), p)
    await a.evaluate((q) => harness.publish(`${q}/b/z`, 'z', 0), p)
    // The last message matches every '#' handler: once both have it, every earlier one has landed.
    for (const [tab, key] of [[a, 'hashA'], [b, 'hashB']] as const) await until(() => texts(tab, key), (got) => got.includes(`${p}/b/z z`))
    const all = [`${p}/b/c x`, `${p}/q/c y`, `${p}/b/z z`]
    expect(await texts(a, 'hashA')).toEqual(all)
    expect(await texts(b, 'hashB')).toEqual(all)
    expect(await texts(a, 'plusC')).toEqual([`${p}/b/c x`, `${p}/q/c y`])
    expect(await texts(b, 'bPlus')).toEqual([`${p}/b/c x`, `${p}/b/z z`])
  })

  test('a later tab gets the retained messages once and the other tab does not get them again [MQTT-3.8.4-3]', async () => {
    const { broker } = brokers
    const p = prefix()
    await broker.publish(`${p}/s1`, 'on', { qos: 1, retain: true })
    await broker.publish(`${p}/s2`, 'off', { qos: 1, retain: true })
    const retained = [`${p}/s1 on (retained)`, `${p}/s2 off (retained)`]
    const a = await session.hubTab(broker.url, mqttOptions)
    await a.evaluate((f) => harness.subscribe('status', f, 1), `${p}/+`)
    await until(() => texts(a, 'status'), (got) => got.length >= 2)
    const b = await session.hubTab(broker.url, mqttOptions)
    await b.evaluate((f) => harness.subscribe('status', f, 1), `${p}/+`)
    await until(() => texts(b, 'status'), (got) => got.length >= 2)
    // A live message after the retained ones: when both tabs have it, nothing more is on its way.
    await broker.publish(`${p}/s1`, 'live', { qos: 1 })
    for (const tab of [a, b]) await until(() => texts(tab, 'status'), (got) => got.includes(`${p}/s1 live`))
    for (const tab of [a, b]) {
      const got = await texts(tab, 'status')
      expect(got.slice(0, 2).sort()).toEqual(retained)
      expect(got.slice(2)).toEqual([`${p}/s1 live`])
    }
  })

  test('closed tabs release their subscriptions: one UNSUBSCRIBE after the last (time measured)', async () => {
    const { broker } = brokers
    const p = prefix()
    // A tab holding another filter keeps the worker and its connection alive throughout.
    const other = await session.hubTab(broker.url, mqttOptions)
    await other.evaluate((f) => harness.subscribe('other', f), `${p}/other`)
    const tabs = [await session.hubTab(broker.url, mqttOptions), await session.hubTab(broker.url, mqttOptions), await session.hubTab(broker.url, mqttOptions)]
    for (const tab of tabs) await tab.evaluate((f) => harness.subscribe('k', f), `${p}/#`)
    // (A tab that navigates away is the back/forward cache scenario's: Chromium keeps it, cached, as live.)
    await session.close(tabs[0]!)
    await session.close(tabs[1]!)
    // The worker has let both go once it lists two tabs: the filter is still held by the third.
    await until(() => other.evaluate(() => harness.hub().inspect().then((i) => i.tabs.length)), (n) => n === 2, 10_000, 'the worker to release two tabs')
    const unsubscribes = async () => (await broker.stats()).unsubscribes.filter((u) => u.filter === `${p}/#`)
    expect(await unsubscribes()).toEqual([])

    const closedAt = Date.now()
    await session.close(tabs[2]!)
    const [unsubscribe] = await until(unsubscribes, (u) => u.length > 0, 10_000, 'UNSUBSCRIBE at the broker')
    figure('last tab closed -> UNSUBSCRIBE at the broker', unsubscribe!.at - closedAt, 'ms')
    expect(unsubscribe!.at - closedAt).toBeLessThan(2_000) // a bound for a loaded machine; the figure is the measurement
    expect(await unsubscribes()).toHaveLength(1)
    expect((await broker.stats()).unsubscribes.filter((u) => u.filter === `${p}/other`)).toEqual([])
  })

  test('3 tabs with one exclusive subscription handle 50 QoS 1 messages exactly 50 times', async () => {
    const { broker } = brokers
    const p = prefix()
    const tabs = [await session.hubTab(broker.url, mqttOptions), await session.hubTab(broker.url, mqttOptions), await session.hubTab(broker.url, mqttOptions)]
    for (const tab of tabs) await tab.evaluate((f) => harness.subscribeExclusive('jobs', f, { qos: 1 }), `${p}/jobs`)
    for (const id of ids(50)) await broker.publish(`${p}/jobs`, id, { qos: 1 })
    await until(async () => (await handled(tabs)).flat().length, (n) => n >= 50, 20_000, '50 jobs handled')
    const perTab = await handled(tabs)
    expect(perTab.flat().sort()).toEqual(ids(50).sort())
    figure('exclusive: jobs per tab (a, b, c)', perTab.map((jobs) => jobs.length).join('/'))
  })

  test('when the handling tab closes mid-stream, another member takes over: every job handled, at most one twice (failover measured)', async () => {
    const { broker } = brokers
    const p = prefix()
    const log = await jobCollector()
    try {
      const member = async (name: string) => {
        const tab = await session.hubTab(broker.url, mqttOptions, `?collector=${encodeURIComponent(log.url)}`)
        await tab.evaluate((n) => { document.title = n }, name)
        await tab.evaluate((f) => harness.subscribeExclusive('jobs', f, { qos: 1 }), `${p}/jobs`)
        return tab
      }
      const tabs = { a: await member('a'), b: await member('b') }
      const publishing = (async () => {
        for (const id of ids(60)) {
          await broker.publish(`${p}/jobs`, id, { qos: 1 })
          await new Promise((resolve) => setTimeout(resolve, 10)) // a stream: the close lands in its middle
        }
      })()
      await until(async () => log.ends.size, (n) => n >= 20, 20_000, '20 jobs handled')
      // The sticky group's owner: its oldest visible member (which one that is depends on the engine's tabs).
      const handler = log.events.find((e) => e.event === 'start')!.tab as 'a' | 'b'
      const other = handler === 'a' ? 'b' : 'a'
      expect(log.events.filter((e) => e.event === 'start').every((e) => e.tab === handler)).toBe(true)
      const closedAt = Date.now()
      await session.close(tabs[handler])
      await publishing
      await until(async () => log.ends.size, (n) => n >= 60, 20_000, 'every job handled')
      const firstInOther = log.events.find((e) => e.tab === other && e.event === 'start')
      expect(firstInOther).toBeDefined()
      figure('exclusive failover: handling tab closed -> first job starts in another', firstInOther!.at - closedAt, 'ms')
      const twice = [...log.starts].filter(([, starts]) => starts.length > 1)
      expect(twice.length).toBeLessThanOrEqual(1)
      for (const [, starts] of twice) expect(starts[0]).toBe(handler) // only the job the closed tab was running when it went
      expect([...log.ends.keys()].sort()).toEqual(ids(60).sort())
    } finally {
      await log.close()
    }
  })

  test('QoS 1 publishes stored while the broker is down survive every tab closing; a new worker sends them once, in order', async () => {
    const { broker } = brokers
    const p = prefix()
    const open = (tab: Tab) => tab.evaluate((o) => harness.open({ ...o, waitReady: false }).then(() => {}), { url: broker.url, mqtt: mqttOptions })
    const clientId = (tab: Tab) => tab.evaluate(() => harness.hub().inspect().then((i) => i.clientId))
    await broker.stop()
    let witness: mqtt.MqttClient | undefined
    try {
      const [a, b] = [await session.tab(), await session.tab()]
      for (const tab of [a, b]) await open(tab)
      await a.evaluate((t) => harness.publishMany(t, 'm', 20, 1), `${p}/out`) // resolves once all 20 are stored
      const firstWorker = await clientId(a)
      await session.close(a)
      await session.close(b)
      await session.workerGone() // every tab closed: the worker ended with them
      const again = await session.tab()

      await broker.start()
      const got: string[] = []
      witness = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
      witness.on('message', (_topic, payload) => got.push(payload.toString()))
      await witness.subscribeAsync(`${p}/out`, { qos: 1 })
      await open(again)
      expect(await clientId(again)).not.toBe(firstWorker) // a new worker, with a new clean session
      await until(() => again.evaluate(() => harness.hub().metrics().then((m) => m.outbox.depth)), (depth) => depth === 0, 20_000, 'the outbox to drain')
      await until(async () => got.length, (n) => n >= 20, 10_000, 'the witness to receive 20')
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`))
    } finally {
      await witness?.endAsync()
      await broker.start()
    }
  })

  test('a hidden tab receives every message without waiting for its timers; exclusive work runs once, wherever the group puts it (measured)', async () => {
    const { broker } = brokers
    const p = prefix()
    const hidden = await session.hubTab(broker.url, mqttOptions)
    await hidden.evaluate((q) => Promise.all([
      harness.subscribe('feed', `${q}/feed`, 1),
      // An exclusive handler that awaits a timer, the hidden tab first in its group.
      harness.subscribeExclusive('jobs', `${q}/jobs`, { qos: 1, workMs: 5 }),
    ]), p)
    const visible = await session.hubTab(broker.url, mqttOptions)
    await visible.evaluate((f) => harness.subscribeExclusive('jobs', f, { qos: 1, workMs: 5 }), `${p}/jobs`)
    await session.hide(hidden)
    expect(await hidden.evaluate(() => document.visibilityState)).toBe('hidden')
    expect(await visible.evaluate(() => document.visibilityState)).toBe('visible')

    // Delivery to a hidden tab does not wait for its timers.
    const sentAt = Date.now()
    for (let i = 0; i < 20; i++) await broker.publish(`${p}/feed`, `f${i}`, { qos: 1 })
    await until(() => texts(hidden, 'feed'), (got) => got.length >= 20, 10_000, 'the hidden tab to receive 20 messages')
    const deliveredMs = Date.now() - sentAt
    figure('20 QoS 1 messages published -> all received by a hidden tab', deliveredMs, 'ms')
    expect(await texts(hidden, 'feed')).toEqual(Array.from({ length: 20 }, (_, i) => `${p}/feed f${i}`))
    expect(deliveredMs).toBeLessThan(5_000)

    // Exclusive work: each job once, wherever the group puts it; how fast it goes is measured.
    const startedAt = Date.now()
    for (const id of ids(3)) await broker.publish(`${p}/jobs`, id, { qos: 1 })
    await until(async () => (await handled([hidden, visible])).flat().length, (n) => n >= 3, 30_000, '3 jobs handled')
    const [inHidden, inVisible] = await handled([hidden, visible])
    figure('exclusive jobs awaiting a 5 ms timer: handled in hidden/visible tab', `${inHidden!.length}/${inVisible!.length}`)
    figure('exclusive jobs awaiting a 5 ms timer: 3 jobs took', Date.now() - startedAt, 'ms')
    expect([...inHidden!, ...inVisible!].sort()).toEqual(ids(3))
  })

}
