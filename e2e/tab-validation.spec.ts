// Bad input is rejected in the tab, before anything reaches the worker, with a HubError whose code
// says what was wrong; afterwards the hub goes on working for that tab and for every other. Racing
// calls leave exactly what they should; odd data from the broker arrives intact.
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
  ['+ sharing a level with text [MQTT-4.7.1-3]', 'INVALID_TOPIC_FILTER', `h.subscribe('+a/b', f)`],
  ['filter null', 'INVALID_TOPIC_FILTER', `h.subscribe(null, f)`],
  ['topic name that is not a string', 'INVALID_TOPIC_NAME', `h.publish(7, 'x')`],
  ['QoS 1.5', 'INVALID_QOS', `h.publish('t', 'x', { qos: 1.5 })`],
  ['payload over maxPayloadBytes (bytes)', 'INVALID_PAYLOAD', `h.publish('t', new Uint8Array(1025))`],
  ['payload over maxPayloadBytes (string)', 'INVALID_PAYLOAD', `h.publish('t', 'é'.repeat(513))`],
  ['payload null', 'INVALID_PAYLOAD', `h.publish('t', null)`],
  ['onDurable that is not a function', 'INVALID_OPTIONS', `h.publish('t', 'x', { qos: 1, onDurable: 'x' })`],
  ['subscribe options that are not an object', 'INVALID_OPTIONS', `h.subscribe('t', f, 'fast')`],
  ['exclusive that is not a boolean', 'INVALID_OPTIONS', `h.subscribe('t', f, { exclusive: 1 })`],
  ['group without exclusive', 'INVALID_OPTIONS', `h.subscribe('t', f, { group: 'g' })`],
  ['empty exclusive group', 'INVALID_OPTIONS', `h.subscribe('t', f, { exclusive: true, group: '' })`],
  ['unknown balance', 'INVALID_OPTIONS', `h.subscribe('t', f, { exclusive: true, balance: 'random' })`],
  ['negative exclusive timeout', 'INVALID_OPTIONS', `h.subscribe('t', f, { exclusive: true, timeoutMs: -1 })`],
  ['fractional retries', 'INVALID_OPTIONS', `h.subscribe('t', f, { exclusive: true, retries: 1.5 })`],
  ['onStatus callback that is not a function', 'INVALID_HANDLER', `h.onStatus(5)`],
  ['onError callback that is not a function', 'INVALID_HANDLER', `h.onError(null)`],
  ['ready() timeout that is not a number', 'INVALID_OPTIONS', `h.ready('soon')`],
  ['options that are not an object', 'INVALID_OPTIONS', `harness.createHub('ws://127.0.0.1:1')`],
  ['url missing', 'INVALID_URL', `harness.createHub({})`],
  ['url with another scheme', 'INVALID_URL', `harness.createHub({ url: 'mqtt://127.0.0.1:1883' })`],
  ['connection name that is not a string', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', name: 42 })`],
  ['connection name over 200 characters', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', name: 'n'.repeat(201) })`],
  ['mqtt options that are an array', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: [] })`],
  ['mqtt.clientId that is not a string', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: { clientId: 5 } })`],
  ['will with QoS 3', 'INVALID_QOS', `harness.createHub({ url: 'ws://127.0.0.1:1', mqtt: { will: { topic: 'w', payload: 'x', qos: 3 } } })`],
  ['reconnect factor below 1', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', reconnect: { factor: 0.5 } })`],
  ['unknown reconnect option', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', reconnect: { retries: 3 } })`],
  ['outbox limit of zero', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', outbox: { maxMessages: 0 } })`],
  ['queue limit that is not an integer', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', queue: { maxBytes: 1.5 } })`],
  ['callTimeoutMs that is not a number', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', callTimeoutMs: '5s' })`],
  ['worker that is not a function', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', worker: 'worker.js' })`],
  ['negative maxPayloadBytes', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', maxPayloadBytes: -1 })`],
  ['top-level username (an MQTT.js habit)', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', username: 'u', password: 'p' })`],
  ['top-level reconnectPeriod (an MQTT.js habit)', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', reconnectPeriod: 1000 })`],
  ['misspelt top-level option', 'INVALID_OPTIONS', `harness.createHub({ url: 'ws://127.0.0.1:1', lingerMS: 0 })`],
]

test('bad input gets a HubError with a precise code, and the hub keeps working for this tab and the others', async ({ context, broker, prefix }) => {
  const [a, b] = [await openTab(context), await openTab(context)]
  for (const tab of [a, b]) await tab.evaluate((url) => harness.open({ url, maxPayloadBytes: 1024 }).then(() => {}), broker.url)
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
  expect(cases.length).toBeGreaterThanOrEqual(40)
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

test('thousands of subscribe and unsubscribe calls racing in two tabs leave exactly the subscriptions that remain, at the broker too', async ({ context, broker, prefix }) => {
  const tabs = [await openTab(context), await openTab(context)]
  for (const tab of tabs) await tab.evaluate((url) => harness.open({ url }).then(() => {}), broker.url)
  const filterOf = (i: number) => `${prefix}/r/${i % 10}`
  await Promise.all(tabs.map((tab) => tab.evaluate(async (prefix) => {
    const hub = harness.hub()
    const calls: Record<number, number> = {}
    ;(window as unknown as { calls: typeof calls }).calls = calls
    const make = (i: number) => hub.subscribe(`${prefix}/r/${i % 10}`, () => void (calls[i] = (calls[i] ?? 0) + 1), { qos: (i % 3) as 0 | 1 | 2 })
    // 1,000 subscribes, each unsubscribed as soon as it resolves, while 1,000 more subscribe.
    const churn = Array.from({ length: 1000 }, (_, i) => make(i).then((s) => s.unsubscribe()))
    const second = Array.from({ length: 1000 }, (_, i) => make(1000 + i))
    await Promise.all(churn)
    const kept = await Promise.all(second)
    // Then a quarter of those go, all at once.
    await Promise.all(kept.map((s, i) => ((1000 + i) % 4 === 0 ? s.unsubscribe() : null)))
  }, prefix)))

  const remaining = Array.from({ length: 1000 }, (_, i) => 1000 + i).filter((i) => i % 4 !== 0)
  const expected = Array.from({ length: 10 }, (_, k) => {
    const mine = remaining.filter((i) => i % 10 === k)
    return { filter: filterOf(k), qos: Math.max(...mine.map((i) => i % 3)), tabs: 2, subscriptions: 2 * mine.length }
  })
  const inspection = await tabs[0]!.evaluate(() => harness.hub().inspect())
  expect(inspection.subscriptions.sort((x, y) => x.filter.localeCompare(y.filter))).toEqual(expected)
  await expect.poll(async () => (await tabs[0]!.evaluate(() => harness.hub().inspect())).broker
    .sort((x, y) => x.filter.localeCompare(y.filter))).toEqual(expected.map(({ filter, qos }) => ({ filter, qos })))

  // One message per filter: every remaining handler runs once, no removed one runs.
  for (let k = 0; k < 10; k++) await broker.publish(filterOf(k), `m${k}`, { qos: 1 })
  const want = Object.fromEntries(remaining.map((i) => [i, 1]))
  for (const tab of tabs) {
    await expect.poll(() => tab.evaluate(() => (window as unknown as { calls: Record<number, number> }).calls)).toEqual(want)
  }
})

test('messages from the broker: empty, 1 MiB, not UTF-8 and $-topics arrive intact; a throwing handler affects only its own call and is counted', async ({ context, broker, prefix }) => {
  const [a, b] = [await openTab(context), await openTab(context)]
  for (const tab of [a, b]) await tab.evaluate((url) => harness.open({ url }).then(() => {}), broker.url)
  const id = prefix.replace(/\W/g, '-')
  await a.evaluate(async (filter) => {
    const hub = harness.hub()
    const errors: string[] = []
    ;(window as unknown as { errors: string[] }).errors = errors
    hub.onError((error, message) => errors.push(`${(error as Error).message} @ ${message?.topic}`))
    await hub.subscribe(filter, (m) => { throw new Error(`boom ${m.payload.byteLength}`) })
    await harness.subscribe('data', filter)
  }, `${prefix}/d/#`)
  // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with $.
  await b.evaluate(async (id) => {
    await harness.subscribe('wild', `+/x-${id}`)
    await harness.subscribe('dollar', `$hub-${id}/#`)
  }, id)

  await broker.publish(`${prefix}/d/empty`, '')
  await broker.publish(`${prefix}/d/big`, Buffer.alloc(1024 * 1024, 'a'))
  await broker.publish(`${prefix}/d/bytes`, Buffer.from([0xc3, 0x28, 0x41]))
  await broker.publish(`$hub-${id}/x-${id}`, 'system')
  await broker.publish(`plain-${id}/x-${id}`, 'plain')

  await expect.poll(() => a.evaluate(() => harness.received('data').map((m) => `${m.topic.split('/').pop()} ${m.text.length}`)))
    .toEqual(['empty 0', `big ${1024 * 1024}`, 'bytes 3'])
  expect(await a.evaluate(() => harness.received('data')[2]!.text)).toBe('\ufffd(A')
  expect(await a.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual([
    `boom 0 @ ${prefix}/d/empty`, `boom ${1024 * 1024} @ ${prefix}/d/big`, `boom 3 @ ${prefix}/d/bytes`,
  ])
  expect((await a.evaluate(() => harness.hub().metrics())).delivery.handlerErrors).toBe(3)
  await expect.poll(() => b.evaluate(() => [harness.texts('wild'), harness.texts('dollar')]))
    .toEqual([[`plain-${id}/x-${id} plain`], [`$hub-${id}/x-${id} system`]])
  expect((await b.evaluate(() => harness.hub().metrics())).delivery.handlerErrors).toBe(0)
})
