// The embedded aedes broker for the demo and the tests: MQTT 3.1.1 over WebSocket, with counters
// that tests read to check what the hub really sent, and a switch that simulates an outage.
// Plain JS (run by `node`); its types are in broker.d.mts.
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'
import { Aedes } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'

/** @typedef {import('./broker.d.mts').BrokerStats} BrokerStats */
/** @typedef {import('./broker.d.mts').AedesBroker} AedesBroker */
/** @typedef {import('./broker.d.mts').BrokerPublishOptions} BrokerPublishOptions */

// Browsers fail the handshake when they offer a subprotocol and the server picks none.
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1']

/** @returns {BrokerStats} */
function emptyStats () {
  return { connected: 0, connects: 0, clients: [], subscribes: [], unsubscribes: [], published: 0 }
}

/**
 * Counts what clients did, from aedes events. Only what a client sent counts: `$SYS` traffic and
 * publishes made by the broker itself are left out.
 * @param {Aedes} broker
 */
function trackStats (broker) {
  /** @type {Set<import('aedes').Client>} */
  const live = new Set()
  let stats = emptyStats()

  broker.on('client', (client) => { live.add(client); stats.connects++ })
  broker.on('clientDisconnect', (client) => { live.delete(client) })
  broker.on('subscribe', (subs, client) => {
    const at = Date.now()
    for (const s of subs) stats.subscribes.push({ clientId: client.id, filter: s.topic, qos: s.qos, at })
  })
  broker.on('unsubscribe', (filters, client) => {
    // aedes also emits 'unsubscribe' for every filter of a clean client that goes away; only an
    // UNSUBSCRIBE packet from a live client counts (mosquitto logs only those too).
    if (client.closed) return
    const at = Date.now()
    for (const filter of filters) stats.unsubscribes.push({ clientId: client.id, filter, at })
  })
  broker.on('publish', (packet, client) => {
    if (client && !packet.topic.startsWith('$SYS')) stats.published++
  })

  return {
    /** @returns {BrokerStats} */
    snapshot () {
      const clients = [...live].map((c) => c.id)
      return {
        ...stats,
        connected: clients.length,
        clients,
        subscribes: stats.subscribes.map((s) => ({ ...s })),
        unsubscribes: stats.unsubscribes.map((u) => ({ ...u })),
      }
    },
    reset () { stats = emptyStats() },
    /** resolves once aedes has let go of every client (or after `ms`) */
    async drained (ms = 2000) {
      const until = Date.now() + ms
      while (live.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
    },
  }
}

/**
 * One WebSocket listener in front of the broker; `close()` drops every connection at once, like a
 * crashed broker would.
 * @param {Aedes} broker
 * @param {number} port
 * @param {string} host
 */
export async function listenWebSocket (broker, port, host) {
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set()
  const server = createServer((_req, res) => { res.writeHead(426).end('MQTT over WebSocket only\n') })
  const wss = new WebSocketServer({
    server,
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? offered.values().next().value ?? false,
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws)
    // aedes writes one MQTT packet in several chunks; without this each becomes its own WebSocket
    // frame (5 per PUBLISH), which cost a browser subscriber about two thirds of its throughput.
    stream._writev = (chunks, done) => ws.send(Buffer.concat(chunks.map(({ chunk }) => chunk)), done)
    stream.on('error', () => {}) // a dropped socket is normal here; aedes sees the close anyway
    broker.handle(stream, req)
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve(undefined) })
  })
  const address = server.address()
  const boundPort = typeof address === 'object' && address ? address.port : port

  return {
    port: boundPort,
    async close () {
      const closed = new Promise((resolve) => server.close(() => resolve(undefined)))
      for (const ws of wss.clients) ws.terminate()
      for (const socket of sockets) socket.destroy()
      wss.close()
      await closed
    },
  }
}

/**
 * @param {Aedes} broker
 * @param {string} topic
 * @param {string | Buffer} payload
 * @param {BrokerPublishOptions} [opts]
 * @returns {Promise<void>}
 */
function publishFromBroker (broker, topic, payload, { qos = 0, retain = false } = {}) {
  return new Promise((resolve, reject) => {
    broker.publish(
      { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false },
      (err) => (err ? reject(err) : resolve()),
    )
  })
}

/**
 * Starts an aedes broker served over WebSocket on `host:port` (any path, subprotocol `mqtt`).
 * @param {{ port?: number, host?: string, controlPort?: number, credentials?: { username: string, password: string } }} [options]
 *   credentials: when given, only clients that present them may connect (CONNACK 4 otherwise).
 * @returns {Promise<AedesBroker>}
 */
export async function startAedesBroker ({ port = 1884, host = '127.0.0.1', controlPort, credentials } = {}) {
  const broker = await Aedes.createBroker(credentials
    ? {
        authenticate: (_client, username, password, done) => {
          const ok = username === credentials.username && password?.toString() === credentials.password
          done(ok ? null : Object.assign(new Error('Bad username or password'), { returnCode: 4 }), ok)
        },
      }
    : {})
  const stats = trackStats(broker)
  /** @type {Awaited<ReturnType<typeof listenWebSocket>> | null} */
  let listener = await listenWebSocket(broker, port, host)
  const boundPort = listener.port

  /** @type {AedesBroker} */
  const api = {
    url: `ws://${host}:${boundPort}`,
    port: boundPort,
    get listening () { return listener !== null },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    async stop () {
      if (!listener) return
      const current = listener
      listener = null
      await current.close()
      await stats.drained()
    },
    async start () {
      if (listener) return
      listener = await listenWebSocket(broker, boundPort, host)
    },
    publish: (topic, payload, opts) => publishFromBroker(broker, topic, payload, opts),
    async close () {
      await control?.close()
      await api.stop()
      await new Promise((resolve) => broker.close(() => resolve(undefined)))
    },
  }
  const control = controlPort === undefined ? null : await serveControl(api, controlPort, host)
  return api
}

/**
 * A tiny HTTP API so that a browser page (the demo) or another process can drive the broker.
 * @param {AedesBroker} api
 * @param {number} port
 * @param {string} host
 */
async function serveControl (api, port, host) {
  const server = createServer(async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*')
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
    res.setHeader('Access-Control-Allow-Headers', 'content-type')
    /** @param {number} status @param {unknown} body */
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    try {
      const route = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`
      switch (route) {
        case 'GET /stats': return reply(200, { ...api.stats(), listening: api.listening })
        case 'POST /reset': api.resetStats(); return reply(200, { ok: true })
        case 'POST /stop': await api.stop(); return reply(200, { ok: true })
        case 'POST /start': await api.start(); return reply(200, { ok: true })
        case 'POST /publish': return reply(200, await publishRequest(api, await readJson(req)))
        default:
          if (req.method === 'OPTIONS') return void res.writeHead(204).end()
          return reply(404, { error: `no route ${route}` })
      }
    } catch (err) {
      reply(400, { error: err instanceof Error ? err.message : String(err) })
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve(undefined) })
  })
  return {
    /** @returns {Promise<void>} */
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

/**
 * `POST /publish {topic, payload, qos, retain, count?}`: with `count`, publishes `count` messages
 * whose payloads are `payload + index` (0-based), in order — the demo's burst button.
 * @param {AedesBroker} api
 * @param {any} body
 */
async function publishRequest (api, body) {
  const { topic, payload = '', qos = 0, retain = false, count } = body ?? {}
  if (typeof topic !== 'string' || topic === '') throw new Error('topic must be a non-empty string')
  if (count === undefined) {
    await api.publish(topic, String(payload), { qos, retain })
    return { published: 1 }
  }
  const n = Number(count)
  if (!Number.isInteger(n) || n < 0) throw new Error('count must be a non-negative integer')
  for (let i = 0; i < n; i++) await api.publish(topic, `${payload}${i}`, { qos, retain })
  return { published: n }
}

/** @param {import('node:http').IncomingMessage} req */
async function readJson (req) {
  let text = ''
  for await (const chunk of req) text += chunk
  return text ? JSON.parse(text) : {}
}

async function main () {
  const port = Number(process.env.MQTT_HUB_BROKER_PORT ?? 1884)
  const controlPort = Number(process.env.MQTT_HUB_CONTROL_PORT ?? 1885)
  const broker = await startAedesBroker({ port, controlPort })
  console.log(`aedes MQTT broker on ${broker.url} (control http://127.0.0.1:${controlPort})`)
  const shutdown = () => {
    broker.close().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => { console.error(err); process.exit(1) })
}
