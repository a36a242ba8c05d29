// MQTT.js's own behavioural tests of connecting, ending, going offline, reconnecting and its
// options (test/node/abstract_client.ts, client.ts), rewritten against real brokers: each body
// runs against MQTT.js (the control) and against mqtt-hub/compat in the same page.
import { freePort, startAedes, startMosquitto, type BrokerKind, type TestBroker } from './brokers.ts'
import { behaviour, expect } from './compat-control.ts'

behaviour('connect gives the CONNACK packet; client.connected ("should provide connack packet with connect event")', async ({ page, lib, broker, protocolVersion }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    client.once('connect', (connack) => {
      const { cmd, sessionPresent } = connack
      const code = protocolVersion === 5 ? connack.reasonCode : connack.returnCode
      const connected = client.connected
      client.end(() => resolve({ cmd, sessionPresent, code, connected }))
    })
  }), { lib, url: broker.url, protocolVersion })
  expect(outcome).toEqual({ cmd: 'connack', sessionPresent: false, code: 0, connected: true })
})

behaviour('end(): close, then end with client.disconnected, then the callback; a second end() returns the client and emits no second end ("closing")', async ({ page, lib, broker, protocolVersion }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    const seen: string[] = []
    client.on('close', () => seen.push('close'))
    client.on('end', () => seen.push(`end disconnected=${client.disconnected}`))
    client.once('connect', () => {
      client.end(() => {
        seen.push(`callback connected=${client.connected}`)
        // MQTT.js calls a second end()'s callback at once, before end() returns.
        const again = client.end(() => void Promise.resolve().then(() => resolve({ seen, returnsClient: again === client })))
      })
      seen.push(`disconnecting=${client.disconnecting}`)
    })
  }), { lib, url: broker.url, protocolVersion })
  expect(outcome).toEqual({ seen: ['disconnecting=true', 'close', 'end disconnected=true', 'callback connected=false'], returnsClient: true })
})

behaviour('end(false) waits for what is in flight: the subscribe callback and the QoS 1 publish callback run before the end callback ("should delay ending up until all inflight messages are delivered")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const topic = `${prefix}/test`
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    const seen: string[] = []
    client.on('connect', () => {
      client.subscribe(topic, (error) => seen.push(`subscribed ${error?.message ?? 'ok'}`))
      client.publish(topic, 'test', { qos: 1 }, (error) => seen.push(`published ${error?.message ?? 'ok'}`))
      client.end(false, () => resolve(seen))
    })
  }), { lib, url: broker.url, protocolVersion, topic })
  // Brokers answer SUBSCRIBE and PUBLISH in either order.
  expect(outcome).toEqual(expect.arrayContaining(['subscribed ok', 'published ok']))
  expect(outcome).toHaveLength(2)
})

behaviour('end(false) from a QoS 1 publish callback ends, and on mosquitto the message the broker sent back arrived before the end callback ("wait QoS 1 publish messages")', async ({ page, lib, broker, brokerKind, protocolVersion, prefix }) => {
  const topic = `${prefix}/test`
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<{ messageReceived: boolean }>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    let messageReceived = false
    client.on('message', () => (messageReceived = true))
    client.on('connect', () => {
      client.subscribe(topic, { qos: 1 }, () => client.publish(topic, 'test', { qos: 1 }, () => client.end(false, () => resolve({ messageReceived }))))
    })
  }), { lib, url: broker.url, protocolVersion, topic })
  // mosquitto forwards the PUBLISH before its PUBACK. aedes sends them in either order (MQTT.js
  // itself has the message before the end callback in some runs only), so there only the end is checked.
  if (brokerKind === 'mosquitto') expect(outcome).toEqual({ messageReceived: true })
  else expect(outcome).toHaveProperty('messageReceived')
})

behaviour('calls after end() call back with an error ("should fire a callback with error if disconnected")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    client.once('connect', () => client.end(true, () => {
      client.subscribe(topic, { qos: 2 }, (error, granted) => {
        client.publish(topic, 'x', { qos: 1 }, (publishError) => resolve({ subscribe: !!error, granted: granted ?? null, publish: !!publishError }))
      })
    }))
  }), { lib, url: broker.url, protocolVersion, topic: `${prefix}/t` })
  expect(outcome).toEqual({ subscribe: true, granted: null, publish: true })
})

behaviour('end(true) does not wait for acks: it ends while a QoS 1 publish to an unreachable broker waits ("does not wait acks when force-closing")', async ({ page, lib, protocolVersion, prefix }) => {
  const port = await freePort()
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    client.on('error', () => {})
    client.publish(topic, 'test', { qos: 1 })
    client.end(true, () => resolve(`ended disconnected=${client.disconnected}`))
  }), { lib, url: `ws://127.0.0.1:${port}`, protocolVersion, topic: `${prefix}/t` })
  expect(outcome).toBe('ended disconnected=true')
})

behaviour('offline once when the first connection never succeeds ("should emit offline event once when the client (at first) can NOT connect")', async ({ page, lib, protocolVersion }) => {
  const port = await freePort()
  const outcome = await page.evaluate(({ lib, url, protocolVersion }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion, reconnectPeriod: 20 })
    client.on('error', () => {})
    client.on('offline', () => client.end(true, () => resolve({ connected: client.connected })))
  }), { lib, url: `ws://127.0.0.1:${port}`, protocolVersion })
  expect(outcome).toEqual({ connected: false })
})

behaviour('a broker outage: offline, close, reconnect every reconnectPeriod (not backed off, not jittered), then connect ("auto reconnect")', async ({ page, lib, broker, protocolVersion }) => {
  const period = 400
  await page.evaluate(({ lib, url, protocolVersion, period }) => new Promise<void>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion, reconnectPeriod: period })
    const w = window as unknown as { seen: string[]; reconnectsAt: number[] }
    ;[w.seen, w.reconnectsAt] = [[], []]
    client.on('error', () => {})
    for (const event of ['connect', 'close', 'offline'] as const) client.on(event, () => w.seen.push(event))
    client.on('reconnect', () => {
      w.seen.push('reconnect')
      w.reconnectsAt.push(performance.now())
    })
    client.once('connect', () => resolve())
  }), { lib, url: broker.url, protocolVersion, period })
  await broker.stop()
  await expect.poll(() => page.evaluate(() => (window as unknown as { reconnectsAt: number[] }).reconnectsAt.length), { timeout: 15_000 }).toBeGreaterThanOrEqual(5)
  const at = await page.evaluate(() => (window as unknown as { reconnectsAt: number[] }).reconnectsAt)
  await broker.start()
  await expect.poll(() => page.evaluate(() => (window as unknown as { seen: string[] }).seen.at(-1)), { timeout: 15_000 }).toBe('connect')
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen)
  expect(seen.slice(0, 4)).toEqual(['connect', 'offline', 'close', 'reconnect'])
  expect(seen.filter((e) => e === 'offline')).toHaveLength(1)
  // Timers never fire early; a loaded machine may make them late (by well under a period).
  const gaps = at.slice(1, 5).map((t, i) => Math.round(t - at[i]!))
  for (const gap of gaps) expect(gap, `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(period * 0.95)
  for (const gap of gaps) expect(gap, `gaps ${gaps.join(', ')} ms`).toBeLessThan(period * 1.5)
})

/** A broker of the project's kind that refuses every CONNECT: not authorised (MQTT 3.1.1 return code 5 / 4, MQTT 5 reason code 135). */
async function refusingBroker(kind: BrokerKind): Promise<TestBroker> {
  return kind === 'aedes' ? startAedes(0, { credentials: { username: 'app', password: 'right' } }) : startMosquitto({ allowAnonymous: false })
}

behaviour('a refused CONNACK: error.code is the return or reason code (a number), close, and no reconnect ("should emit error on a refused connection", handlers/connack)', async ({ page, lib, brokerKind, protocolVersion }) => {
  const refusing = await refusingBroker(brokerKind)
  try {
    const outcome = await page.evaluate(({ lib, url, protocolVersion }) => new Promise<unknown>((resolve) => {
      const client = window.libraries[lib].connect(url, { protocolVersion, username: 'app', password: 'wrong', reconnectPeriod: 100 })
      const seen: string[] = []
      for (const event of ['connect', 'close', 'offline', 'reconnect'] as const) client.on(event, () => seen.push(event))
      client.once('error', (error) => {
        seen.push(`error ${typeof error.code} ${String(error.code)}`)
        // Absence of a retry: ten reconnect periods with no reconnect event.
        setTimeout(() => client.end(true, () => resolve({ seen, reconnecting: client.reconnecting })), 1_000)
      })
    }), { lib, url: refusing.url, protocolVersion })
    const code = brokerKind === 'aedes' ? 4 : protocolVersion === 5 ? 135 : 5
    expect(outcome).toEqual({ seen: [`error number ${code}`, 'close'], reconnecting: false })
  } finally {
    await refusing.close()
  }
})

behaviour('connectAsync resolves once connected; rejects with a refused CONNACK\'s code; with allowRetries false, rejects when the first attempt fails (connect/index.ts)', async ({ page, lib, broker, brokerKind, protocolVersion }) => {
  const refusing = await refusingBroker(brokerKind)
  const unreachable = `ws://127.0.0.1:${await freePort()}`
  try {
    const outcome = await page.evaluate(async ({ lib, url, refusingUrl, unreachable, protocolVersion }) => {
      const mqtt = window.libraries[lib]
      const client = await mqtt.connectAsync(url, { protocolVersion })
      const connected = client.connected
      await client.endAsync()
      const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: unknown }) => `rejected ${typeof error.code}`)
      const refused = await codeOf(mqtt.connectAsync(refusingUrl, { protocolVersion, username: 'app', password: 'wrong' }))
      const failed = await codeOf(mqtt.connectAsync(unreachable, { protocolVersion, reconnectPeriod: 100 }, false))
      return { connected, refused, failed: failed.startsWith('rejected') }
    }, { lib, url: broker.url, refusingUrl: refusing.url, unreachable, protocolVersion })
    expect(outcome).toEqual({ connected: true, refused: 'rejected number', failed: true })
  } finally {
    await refusing.close()
  }
})

behaviour('options MQTT.js accepts are accepted: encoding binary, queueQoSZero false, connectTimeout, keepalive 0', async ({ page, lib, broker, protocolVersion }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion, encoding: 'binary', queueQoSZero: false, connectTimeout: 5_000, keepalive: 0 })
    client.once('connect', () => client.end(() => resolve('connected')))
  }), { lib, url: broker.url, protocolVersion })
  expect(outcome).toBe('connected')
})

behaviour('queueQoSZero: false: a QoS 0 publish while not connected calls back at once, with an error ("should call cb if an outgoing QoS 0 message is not sent")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion, queueQoSZero: false })
    let called = 'not called'
    client.publish(topic, 'test', { qos: 0 }, (error) => (called = error ? 'error' : 'ok'))
    client.on('connect', () => client.end(() => resolve(called)))
  }), { lib, url: broker.url, protocolVersion, topic: `${prefix}/t` })
  expect(outcome).toBe('error')
})

behaviour('client.options holds the options given and MQTT.js defaults', async ({ page, lib, broker, protocolVersion }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion, clientId: 'given-id', username: 'u' })
    const { clientId, username, keepalive, reconnectPeriod, connectTimeout, clean, resubscribe, protocolId, hostname, port, protocol } = client.options
    client.once('connect', () => client.end(() => resolve({
      clientId, username, keepalive, reconnectPeriod, connectTimeout, clean, resubscribe, protocolId, protocolVersion: client.options.protocolVersion, hostname, port, protocol,
    })))
  }), { lib, url: broker.url, protocolVersion })
  const { hostname, port } = new URL(broker.url)
  expect(outcome).toEqual({
    clientId: 'given-id', username: 'u', keepalive: 60, reconnectPeriod: 1000, connectTimeout: 30_000, clean: true, resubscribe: true, protocolId: 'MQTT',
    protocolVersion, hostname, port: Number(port), protocol: 'ws',
  })
})

behaviour('reconnect() after end() connects again, emits reconnect, and pub/sub works ("should be able to pub/sub if reconnect() is called at close handler")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const topic = `${prefix}/hello`
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion, reconnectPeriod: 0 })
    const seen: string[] = []
    let first = true
    client.on('reconnect', () => seen.push('reconnect'))
    client.on('message', (_topic, payload) => {
      seen.push(`message ${payload.toString()}`)
      client.end(() => resolve(seen))
    })
    client.on('close', () => {
      seen.push('close')
      if (first) {
        first = false
        client.reconnect()
      }
    })
    client.on('connect', () => {
      seen.push('connect')
      if (seen.length === 1) client.end()
      else client.subscribe(topic, () => client.publish(topic, 'again'))
    })
  }), { lib, url: broker.url, protocolVersion, topic })
  expect(outcome).toEqual(['connect', 'close', 'reconnect', 'connect', 'message again', 'close'])
})
