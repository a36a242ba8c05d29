// @ts-check
// A Node MQTT.js client in its own process, driven over IPC by the bench: the publisher (bursts
// as fast as the broker takes them, or a fixed rate with send times in the payloads) and the
// "node" subscriber, the ceiling of this machine. Own processes keep them off the event loop of
// the in-process aedes broker and of the runner. Plain JS: Node 20 runs it without a build.
import mqtt from 'mqtt'
import { encodePayload, wallClock } from './wire.mjs'

const now = wallClock()
/** @type {import('mqtt').MqttClient | null} */
let client = null
let seq = 0
/** @type {{ stop: () => void, done: Promise<number> } | null} */
let stream = null

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Publishes (QoS 0 unless told), waiting for each chunk to be written (QoS 0) or acknowledged
 * (QoS 1) so that the socket or the broker sets the pace.
 */
async function burst (/** @type {string} */ topic, /** @type {number} */ count, /** @type {0 | 1} */ qos = 0) {
  const c = /** @type {import('mqtt').MqttClient} */ (client)
  const payload = Buffer.from(encodePayload(0, 0))
  const started = now()
  for (let sent = 0; sent < count;) {
    const chunk = Math.min(256, count - sent)
    await new Promise((resolve) => {
      let left = chunk
      for (let i = 0; i < chunk; i++) c.publish(topic, payload, { qos }, () => { if (--left === 0) resolve(undefined) })
    })
    sent += chunk
  }
  return { ms: now() - started }
}

/**
 * Publishes at `rate` msg/s until stopped, each payload stamped with its real send time: at each
 * tick, every message whose slot has come is sent.
 */
function startStream (/** @type {string} */ topic, /** @type {number} */ rate) {
  const c = /** @type {import('mqtt').MqttClient} */ (client)
  let running = true
  const done = (async () => {
    const started = now()
    let sent = 0
    while (running) {
      const due = Math.floor(((now() - started) * rate) / 1000)
      while (sent < due) {
        c.publish(topic, Buffer.from(encodePayload(seq++, now())), { qos: 0 })
        sent++
      }
      await sleep(1)
    }
    return sent
  })()
  return { stop: () => { running = false }, done }
}

/** Counts `count` messages on `topic`; resolves with the times of the first and last. */
async function count (/** @type {string} */ topic, /** @type {number} */ expected, /** @type {number} */ idleMs) {
  const c = /** @type {import('mqtt').MqttClient} */ (client)
  let received = 0
  let first = 0
  let last = 0
  /** @type {(() => void) | undefined} */
  let complete
  const done = new Promise((resolve) => { complete = () => resolve(undefined) })
  const onMessage = () => {
    const at = now()
    if (received++ === 0) first = at
    last = at
    if (received === expected) complete?.()
  }
  c.on('message', onMessage)
  await c.subscribeAsync(topic, { qos: 0 })
  send({ event: 'subscribed' })
  // Stop waiting when nothing arrived for idleMs (a broker may drop QoS 0 for a slow reader).
  for (let seen = -1; received < expected && seen !== received;) {
    seen = received
    await Promise.race([done, sleep(idleMs)])
  }
  c.off('message', onMessage)
  await c.unsubscribeAsync(topic)
  return { count: received, first, last }
}

/** @param {unknown} message */
function send (message) {
  process.send?.(message)
}

/** @type {Record<string, (args: any) => Promise<unknown>>} */
const commands = {
  async connect ({ url, clientId }) {
    client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 10_000 })
    return {}
  },
  burst: ({ topic, count, qos }) => burst(topic, count, qos),
  async startStream ({ topic, rate }) { stream = startStream(topic, rate); return {} },
  async stopStream () {
    const s = stream
    stream = null
    s?.stop()
    return { sent: await s?.done, nextSeq: seq }
  },
  count: ({ topic, expected, idleMs }) => count(topic, expected, idleMs),
  async end () {
    await client?.endAsync()
    setImmediate(() => process.exit(0))
    return {}
  },
}

process.on('message', (/** @type {any} */ message) => {
  const { id, cmd, args } = message
  const run = commands[cmd]
  if (!run) return send({ id, error: `unknown command ${cmd}` })
  run(args).then(
    (result) => send({ id, result }),
    (error) => send({ id, error: error instanceof Error ? error.message : String(error) }),
  )
})
