// mqtt-hub/compat runs the everyday MQTT.js code of the seeds (connect, on('connect' | 'message'),
// subscribe with callbacks, publish with QoS, end) unchanged, against real brokers in real tabs.
import type { BrowserContext, Page } from '@playwright/test'
import mqtt from 'mqtt'
import { eventually, expect, test } from './fixtures.ts'

async function compatTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
  await page.goto('/e2e/harness/compat.html')
  await expect(page.locator('#state')).toHaveText('ready')
  return page
}

const log = (page: Page) => page.evaluate(() => window.log)

test('seed 001: connect with credentials, subscribe on connect, JSON.parse(message.toString())', async ({ context, broker, protocolVersion, prefix }) => {
  const page = await compatTab(context)
  await page.evaluate(({ url, topic, protocolVersion }) => {
    const client = window.mqtt.connect(url, { username: 'user', password: 'secret', keepalive: 30, connectTimeout: 60 * 1000, protocolVersion })
    window.client = client
    client.on('connect', () => {
      client.subscribe(topic)
    })
    client.on('message', (topic, message) => {
      const action = JSON.parse(message.toString()) as { dataType: string; id: number }
      window.log.push(`${topic} ${action.dataType} ${action.id}`)
    })
  }, { url: broker.url, topic: `${prefix}/device-status/7`, protocolVersion })
  await expect.poll(async () => (await broker.stats()).subscribes.some((s) => s.filter === `${prefix}/device-status/7`)).toBe(true)
  await broker.publish(`${prefix}/device-status/7`, JSON.stringify({ dataType: 'ROBOT', id: 1 }), { qos: 0 })
  await broker.publish(`${prefix}/device-status/7`, JSON.stringify({ dataType: 'DOCK', id: 2 }), { qos: 1 })
  await eventually(() => log(page), [`${prefix}/device-status/7 ROBOT 1`, `${prefix}/device-status/7 DOCK 2`])
  expect(await page.evaluate(() => window.client.connected)).toBe(true)
})

test('seed 002: subscribe callback gets (err, granted), publish callback runs after the ack, unsubscribe stops messages, end() emits end', async ({ context, broker, protocolVersion, prefix }) => {
  const page = await compatTab(context)
  const topic = `${prefix}/home/temperature`
  const granted = await page.evaluate(({ url, topic, protocolVersion }) => new Promise<unknown>((resolve) => {
    const client = window.mqtt.connect(url, { clientId: 'mqtt_client_01', protocolVersion })
    window.client = client
    client.on('message', (t, m, packet) => window.log.push(`message ${t} ${m.toString()} qos=${packet.qos}`))
    client.on('end', () => window.log.push('end'))
    client.subscribe(topic, { qos: 1 }, (err, granted) => resolve(err ? String(err) : granted))
  }), { url: broker.url, topic, protocolVersion })
  // MQTT 5 grants also carry nl, rap and rh (e2e/hub-compat-mqttjs-calls.spec.ts checks them against MQTT.js).
  expect(granted).toEqual([expect.objectContaining({ topic, qos: 1 })])

  // QoS 1: the callback means the broker acknowledged (PUBACK) [MQTT-4.3.2-1].
  const published = await page.evaluate((topic) => new Promise<string>((resolve) => {
    window.client.publish(topic, JSON.stringify({ value: 22.5, unit: 'C' }), { qos: 1 }, (err) => resolve(err ? String(err) : 'ok'))
  }), topic)
  expect(published).toBe('ok')
  const message = `message ${topic} {"value":22.5,"unit":"C"} qos=1`
  await expect.poll(() => log(page)).toContain(message)

  const unsubscribed = await page.evaluate((topic) => new Promise<string>((resolve) => {
    window.client.unsubscribe(topic, (err) => resolve(err ? String(err) : 'ok'))
  }), topic)
  expect(unsubscribed).toBe('ok')
  await expect.poll(async () => (await broker.stats()).unsubscribes.some((u) => u.filter === topic)).toBe(true)
  await broker.publish(topic, 'after', { qos: 1 })
  await page.waitForTimeout(300) // time for a wrongly delivered message to arrive

  const ended = await page.evaluate(() => new Promise<string>((resolve) => window.client.end(() => resolve(`connected=${window.client.connected}`))))
  expect(ended).toBe('connected=false')
  // At least once, as QoS 1 promises: in one full `npm test` run under heavy load it came twice
  // (cause not found; 15 reruns did not repeat it). 'after' must never come.
  const seen = await log(page)
  expect(seen.at(-1)).toBe('end')
  expect(new Set(seen.slice(0, -1))).toEqual(new Set([message]))
})

test('async forms: subscribeAsync with a topic map, publishAsync retained, the packet says retain and qos', async ({ context, broker, protocolVersion, prefix }) => {
  const page = await compatTab(context)
  // aedes sends PUBACK before it stores and routes a QoS 1 message: the retained message is
  // stored once a subscriber that was there before the publish has it.
  const witness = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
  try {
    const forwarded = new Promise<void>((resolve) => witness.on('message', () => resolve()))
    await witness.subscribeAsync(`${prefix}/state`, { qos: 1 })
    await page.evaluate(async ({ url, prefix, protocolVersion }) => {
      window.client = await window.mqtt.connectAsync(url, { protocolVersion })
      await window.client.publishAsync(`${prefix}/state`, 'on', { qos: 1, retain: true })
    }, { url: broker.url, prefix, protocolVersion })
    await forwarded
  } finally {
    await witness.endAsync(true)
  }
  const result = await page.evaluate(async ({ prefix }) => {
    const client = window.client
    const got = new Promise<string>((resolve) => client.on('message', (topic, payload, packet) => {
      if (topic === `${prefix}/state`) resolve(`${payload.toString()} retain=${packet.retain} qos=${packet.qos} bytes=${payload instanceof Uint8Array}`)
    }))
    const granted = await client.subscribeAsync({ [`${prefix}/state`]: { qos: 1 }, [`${prefix}/other`]: { qos: 0 } })
    return { granted, got: await got }
  }, { prefix })
  expect(result.granted).toEqual([expect.objectContaining({ topic: `${prefix}/state`, qos: 1 }), expect.objectContaining({ topic: `${prefix}/other`, qos: 0 })])
  expect(result.got).toBe('on retain=true qos=1 bytes=true')
})

test('two tabs share one broker connection; overlapping filters give one message event per message on every broker', async ({ context, broker, protocolVersion, prefix }) => {
  await broker.resetStats()
  const tabs = [await compatTab(context), await compatTab(context)]
  for (const page of tabs) {
    await page.evaluate(async ({ url, prefix, protocolVersion }) => {
      const client = await window.mqtt.connectAsync(url, { protocolVersion })
      client.on('message', (topic, message) => window.log.push(`${topic} ${message.toString()}`))
      await client.subscribeAsync([`${prefix}/a/#`, `${prefix}/a/+`], { qos: 1 })
    }, { url: broker.url, prefix, protocolVersion })
  }
  await broker.publish(`${prefix}/a/b`, 'one', { qos: 1 })
  await broker.publish(`${prefix}/a/b/c`, 'two', { qos: 1 })
  await broker.publish(`${prefix}/a/b`, 'one', { qos: 0 }) // the same message again is a message again
  for (const page of tabs) await eventually(() => log(page), [`${prefix}/a/b one`, `${prefix}/a/b/c two`, `${prefix}/a/b one`])
  await tabs[0]!.waitForTimeout(300) // time for a duplicate to arrive
  for (const page of tabs) expect(await log(page)).toHaveLength(3)
  expect((await broker.stats()).connected).toBe(1)
})

test('a broker outage gives offline, close and reconnect (in MQTT.js\'s order), then connect again', async ({ context, broker, protocolVersion }) => {
  const page = await compatTab(context)
  await page.evaluate(async ({ url, protocolVersion }) => {
    const client = await window.mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 100 })
    window.client = client
    for (const event of ['connect', 'close', 'offline', 'reconnect'] as const) client.on(event, () => window.log.push(event))
  }, { url: broker.url, protocolVersion })
  await broker.stop()
  await expect.poll(() => log(page)).toEqual(expect.arrayContaining(['offline', 'close', 'reconnect']))
  expect((await log(page)).slice(0, 2)).toEqual(['offline', 'close'])
  await broker.start()
  await expect.poll(async () => (await log(page)).at(-1)).toBe('connect')
  expect(await page.evaluate(() => window.client.connected)).toBe(true)
})

test('MQTT.js options the hub cannot honour are refused by name with a HubError', async ({ context, broker }) => {
  const page = await compatTab(context)
  const errors = await page.evaluate((url) => {
    const attempt = (fn: () => unknown): string => {
      try {
        fn()
        return 'no error'
      } catch (error) {
        const { name, code, message } = error as { name: string; code: string; message: string }
        return `${name} ${code}: ${message}`
      }
    }
    return [
      attempt(() => window.mqtt.connect(url, { resubscribe: false } as object)),
      attempt(() => window.mqtt.connect(url, { wsOptions: {} } as object)),
      attempt(() => window.mqtt.connect(url, { reconectPeriod: 10 } as object)),
      attempt(() => window.mqtt.connect('mqtt://127.0.0.1:1883')),
    ]
  }, broker.url)
  expect(errors[0]).toMatch(/^HubError INVALID_OPTIONS: resubscribe: false is not supported: the hub restores every subscription/)
  expect(errors[1]).toMatch(/^HubError INVALID_OPTIONS: MQTT\.js option wsOptions is not supported by mqtt-hub/)
  expect(errors[2]).toBe('HubError INVALID_OPTIONS: Unknown connect option reconectPeriod')
  expect(errors[3]).toMatch(/^HubError INVALID_URL: url must use ws: or wss:/)
})
