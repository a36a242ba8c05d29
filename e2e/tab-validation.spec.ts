// Bad input is rejected in the tab, before anything reaches the worker, with a HubError whose code
// says what was wrong; afterwards the hub goes on working for that tab and for every other.
import { expect, openTab, test } from './fixtures.ts'

declare const harness: Window['harness']

const big = 'x'.repeat(65_536)

/** [label, code, call made in the page]: the label names the MQTT rule where one applies. */
const cases: Array<[string, string, string]> = [
  ['empty filter [MQTT-4.7.3-1]', 'INVALID_TOPIC_FILTER', `h.subscribe('', f)`],
  ['U+0000 in a filter [MQTT-4.7.3-2]', 'INVALID_TOPIC_FILTER', `h.subscribe('a/\\u0000', f)`],
  ['lone surrogate in a filter [MQTT-1.5.3-1]', 'INVALID_TOPIC_FILTER', `h.subscribe('a/\\ud800', f)`],
  ['filter over 65535 bytes [MQTT-4.7.3-3]', 'INVALID_TOPIC_FILTER', `h.subscribe('é'.repeat(40000), f)`],
  ['# not last [MQTT-4.7.1-2]', 'INVALID_TOPIC_FILTER', `h.subscribe('a/#/b', f)`],
  ['# inside a level [MQTT-4.7.1-2]', 'INVALID_TOPIC_FILTER', `h.subscribe('a#', f)`],
  ['+ inside a level [MQTT-4.7.1-3]', 'INVALID_TOPIC_FILTER', `h.subscribe('a/b+', f)`],
  ['filter that is not a string', 'INVALID_TOPIC_FILTER', `h.subscribe(42, f)`],
  ['empty topic [MQTT-4.7.3-1]', 'INVALID_TOPIC_NAME', `h.publish('', 'x')`],
  ['+ in a topic name [MQTT-3.3.2-2]', 'INVALID_TOPIC_NAME', `h.publish('a/+', 'x')`],
  ['# in a topic name [MQTT-3.3.2-2]', 'INVALID_TOPIC_NAME', `h.publish('a/#', 'x')`],
  ['U+0000 in a topic name [MQTT-4.7.3-2]', 'INVALID_TOPIC_NAME', `h.publish('a\\u0000', 'x')`],
  ['lone surrogate in a topic name [MQTT-1.5.3-1]', 'INVALID_TOPIC_NAME', `h.publish('\\udc00', 'x')`],
  ['topic name over 65535 bytes [MQTT-4.7.3-3]', 'INVALID_TOPIC_NAME', `h.publish('${big}', 'x')`],
  ['QoS 3', 'INVALID_QOS', `h.publish('t', 'x', { qos: 3 })`],
  ['QoS -1', 'INVALID_QOS', `h.publish('t', 'x', { qos: -1 })`],
  ["QoS '1'", 'INVALID_QOS', `h.subscribe('t', f, { qos: '1' })`],
  ['QoS NaN', 'INVALID_QOS', `h.subscribe('t', f, { qos: NaN })`],
  ['payload object', 'INVALID_PAYLOAD', `h.publish('t', { a: 1 })`],
  ['payload number', 'INVALID_PAYLOAD', `h.publish('t', 42)`],
  ['payload function', 'INVALID_PAYLOAD', `h.publish('t', () => 1)`],
  ['payload symbol', 'INVALID_PAYLOAD', `h.publish('t', Symbol('s'))`],
  ['retain that is not a boolean', 'INVALID_OPTIONS', `h.publish('t', 'x', { retain: 'yes' })`],
  ['publish options that are not an object', 'INVALID_OPTIONS', `h.publish('t', 'x', 5)`],
  ['handler that is not a function', 'INVALID_HANDLER', `h.subscribe('t', 'nope')`],
  ['url that is not ws/wss', 'INVALID_URL', `harness.createHub({ url: 'http://127.0.0.1:1' })`],
  ['url that is not a URL', 'INVALID_URL', `harness.createHub({ url: 'not a url' })`],
  ['unknown mqtt option', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: { reconnectPeriod: 5 } })`],
  ['protocol version 3', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: { protocolVersion: 3 } })`],
  ['keepalive out of range', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: { keepalive: 70000 } })`],
  ['empty connection name', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', name: '' })`],
  ['will with a wildcard topic [MQTT-3.3.2-2]', 'INVALID_TOPIC_NAME', `harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: { will: { topic: 'a/#', payload: 'x' } } })`],
]

test('bad input gets a HubError with a precise code, and the hub keeps working for this tab and the others', async ({ context, broker, prefix }) => {
  const [a, b] = [await openTab(context), await openTab(context)]
  for (const tab of [a, b]) await tab.evaluate((url) => harness.open({ url }).then(() => {}), broker.url)
  await b.evaluate((f) => harness.subscribe('k', f, 1), `${prefix}/ok`)

  const results = await a.evaluate(async (cases) => {
    const h = harness.hub()
    const f = () => {}
    void h
    void f
    const out: Record<string, string | null> = {}
    for (const [label, , code] of cases) {
      const error = await harness.errorOf(() => eval(code))
      out[label] = error?.code ?? null
    }
    return out
  }, cases)
  expect(results).toEqual(Object.fromEntries(cases.map(([label, code]) => [label, code])))

  // Both tabs still work: the rejected calls changed nothing.
  await a.evaluate((t) => harness.publish(t, 'still here', 1), `${prefix}/ok`)
  await expect.poll(() => b.evaluate(() => harness.texts('k'))).toEqual([`${prefix}/ok still here`])
})

test('an error message quotes a bad value only in part, never a credential', async ({ context }) => {
  const page = await openTab(context)
  const message = await page.evaluate(async () => {
    const error = await harness.errorOf(() => harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: { password: 42 as unknown as string } }))
    return error?.message ?? ''
  })
  expect(message).toBe('mqtt.password must be a string')
  const long = await page.evaluate(async (big) => (await harness.errorOf(() => harness.createHub({ url: 'ws://127.0.0.1:1' }).publish(big, 'x')))?.message ?? '', big)
  expect(long.length).toBeLessThan(300)
})

test('calls after close() reject with CLOSED; unsubscribe() twice rejects with NOT_SUBSCRIBED', async ({ context, broker, prefix }) => {
  const page = await openTab(context)
  await page.evaluate((url) => harness.open({ url }).then(() => {}), broker.url)
  const codes = await page.evaluate(async (filter) => {
    const hub = harness.hub()
    const sub = await hub.subscribe(filter, () => {})
    await sub.unsubscribe()
    const twice = await harness.errorOf(() => sub.unsubscribe())
    await hub.close()
    return {
      twice: twice?.code,
      status: hub.status,
      subscribe: (await harness.errorOf(() => hub.subscribe(filter, () => {})))?.code,
      publish: (await harness.errorOf(() => hub.publish(filter, 'x')))?.code,
      ready: (await harness.errorOf(() => hub.ready(100)))?.code,
      closeAgain: (await harness.errorOf(() => hub.close())) ?? 'ok',
    }
  }, `${prefix}/x`)
  expect(codes).toEqual({ twice: 'NOT_SUBSCRIBED', status: 'closed', subscribe: 'CLOSED', publish: 'CLOSED', ready: 'CLOSED', closeAgain: 'ok' })
})

test('json() of a payload that is not JSON throws INVALID_JSON; text() replaces bytes that are not UTF-8', async ({ context, broker, prefix }) => {
  const page = await openTab(context)
  await page.evaluate((url) => harness.open({ url }).then(() => {}), broker.url)
  const result = await page.evaluate(async (topic) => {
    const hub = harness.hub()
    const got = new Promise<{ text: string; json: string | undefined }>((resolve) => {
      void hub.subscribe(topic, (m) => {
        let code: string | undefined
        try { m.json() } catch (error) { code = (error as { code?: string }).code }
        resolve({ text: m.text(), json: code })
      })
    })
    await new Promise((r) => setTimeout(r, 100))
    await hub.publish(topic, new Uint8Array([0x68, 0x69, 0xff]))
    return got
  }, `${prefix}/bytes`)
  expect(result).toEqual({ text: 'hi\ufffd', json: 'INVALID_JSON' })
})

test('subscribe() called right after createHub, before the worker answered, subscribes once', async ({ context, broker, prefix }) => {
  const page = await openTab(context)
  await page.evaluate(async ({ url, filter }) => {
    await harness.open({ url, waitReady: false })
    await Promise.all([harness.subscribe('early', filter, 1), harness.subscribe('early-too', `${filter}/+`, 1)])
    await harness.hub().ready(10_000)
  }, { url: broker.url, filter: `${prefix}/early` })
  // Made while connecting, subscribe() resolved at once: the SUBSCRIBE goes out after CONNACK.
  const held = async () => (await broker.stats()).subscribes.filter((s) => s.filter.startsWith(`${prefix}/early`)).length
  await expect.poll(held).toBe(2)
  await broker.publish(`${prefix}/early`, 'one', { qos: 1 })
  await expect.poll(() => page.evaluate(() => harness.received('early').length)).toBe(1)
  const subscribes = (await broker.stats()).subscribes.filter((s) => s.filter.startsWith(`${prefix}/early`))
  expect(subscribes.map((s) => s.filter).sort()).toEqual([`${prefix}/early`, `${prefix}/early/+`])
})
