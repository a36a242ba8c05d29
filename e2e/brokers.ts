// Real brokers for tests: the embedded aedes (in-process), mosquitto and RabbitMQ (child processes),
// behind one interface, each able to say what clients really sent it and to simulate an outage.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect as tcpConnect, createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { startAedesBroker, type BrokerPublishOptions, type BrokerStats } from '../demo/broker.mjs'
import { publishOnce, startRabbitMQ } from './rabbitmq.ts'

export type { BrokerPublishOptions, BrokerStats }

export type BrokerKind = 'aedes' | 'mosquitto' | 'rabbitmq'

export interface TestBroker {
  kind: BrokerKind
  /** `ws://127.0.0.1:PORT`, for the hub and for browsers */
  url: string
  /** `mqtt://127.0.0.1:PORT`, for plain Node clients, where the broker has a TCP listener */
  tcpUrl?: string
  /** What clients did so far; waits for the broker to finish reporting what it just did. */
  stats(): Promise<BrokerStats>
  /** Forgets counted events; `connected` and `clients` still describe the live connections. */
  resetStats(): Promise<void>
  /**
   * Drops every connection and stops accepting new ones, like a crash. `graceful`: mosquitto is
   * stopped with SIGTERM (it writes its persistence file and closes connections cleanly) instead of SIGKILL.
   */
  stop(options?: { graceful?: boolean }): Promise<void>
  /** Accepts connections again on the same port. */
  start(): Promise<void>
  close(): Promise<void>
  /** Publishes from the broker side; not counted in `stats()`. */
  publish(topic: string, payload: string | Buffer, opts?: BrokerPublishOptions): Promise<void>
}

const MOSQUITTO = '/usr/sbin/mosquitto'
const HOST = '127.0.0.1'
/** Client ids with this prefix are the helpers' own and are left out of mosquitto's stats. */
export const BROKER_SIDE_CLIENT_PREFIX = 'broker-side-'
/** The broker has reported everything once its log has been quiet this long. */
const LOG_IDLE_MS = 50
const READY_TIMEOUT_MS = 10_000

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function startBroker(kind: BrokerKind, options: { persistence?: boolean } = {}): Promise<TestBroker> {
  if (kind === 'aedes') return startAedes()
  if (kind === 'mosquitto') return startMosquitto(options)
  return startRabbitMQ()
}

/** What a broker gives by its nature; tests assert what holds on each. */
export interface BrokerTraits {
  mqtt5: boolean
  /** A wildcard SUBSCRIBE gets the retained messages it matches (RabbitMQ 3.10: only an exact topic does). */
  retainedForWildcards: boolean
  /** The highest QoS the broker grants (RabbitMQ 3.10 grants 1 for 2). */
  maxQos: 0 | 1 | 2
  /** `$share/group/filter` is a shared subscription (RabbitMQ 3.10 takes it as an ordinary filter). */
  sharedSubscriptions: boolean
}

export const BROKER_TRAITS: Record<BrokerKind, BrokerTraits> = {
  // aedes 1.2 takes $share/group/filter as an ordinary filter, like RabbitMQ 3.10 (measured).
  aedes: { mqtt5: false, retainedForWildcards: true, maxQos: 2, sharedSubscriptions: false },
  mosquitto: { mqtt5: true, retainedForWildcards: true, maxQos: 2, sharedSubscriptions: true },
  rabbitmq: { mqtt5: false, retainedForWildcards: false, maxQos: 1, sharedSubscriptions: false },
}

/**
 * A port nothing listens on, for a broker process to listen on soon. Picked below the kernel's
 * ephemeral range: a port from that range can be taken meanwhile as the local port of any
 * outgoing connection (a browser's, another test's) or by a server listening on port 0, and
 * RabbitMQ takes seconds to listen. A random pick keeps two test processes apart; from 11000
 * up, past the last port browsers refuse to connect to (10080).
 */
export async function freePort(): Promise<number> {
  const [low, high] = [11_000, ephemeralLow()]
  if (high - low < 1_000) return listenAndClose(0) // an unusual ephemeral range: the kernel's pick
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low))
    if (handedOut.has(port)) continue
    if (await listenAndClose(port).catch(() => null)) {
      handedOut.add(port)
      return port
    }
  }
}

/** Ports this process handed out: one may not be listened on yet (RabbitMQ's five are all picked before it starts). */
const handedOut = new Set<number>()

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768
  } catch {
    return 32_768
  }
}

/** Listens on `port` (0: the kernel picks one) and closes again; resolves with the port. */
function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer()
    server.once('error', reject)
    server.listen(port, HOST, () => {
      const address = server.address()
      const bound = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(bound))
    })
  })
}

/** `credentials`: only clients that present them may connect (CONNACK 4 otherwise). */
export async function startAedes(port = 0, { credentials }: { credentials?: { username: string; password: string } } = {}): Promise<TestBroker> {
  const broker = await startAedesBroker({ port, host: HOST, credentials })
  return {
    kind: 'aedes',
    url: broker.url,
    // aedes counts in-process; one short pause lets socket events already in flight land.
    stats: async () => { await sleep(20); return broker.stats() },
    resetStats: async () => { await sleep(20); broker.resetStats() },
    stop: () => broker.stop(),
    start: () => broker.start(),
    close: () => broker.close(),
    publish: (topic, payload, opts) => broker.publish(topic, payload, opts),
  }
}

/**
 * `allowAnonymous: false` (and no password file): every CONNECT is refused as not authorised.
 * `persistence`: mosquitto keeps sessions and queued messages in a file across stop() and start().
 */
export async function startMosquitto({ allowAnonymous = true, persistence = false }: { allowAnonymous?: boolean; persistence?: boolean } = {}): Promise<TestBroker> {
  const tcpPort = await freePort()
  const wsPort = await freePort() // never tcpPort: freePort() hands a port out once
  const dir = await mkdtemp(join(tmpdir(), 'mqtt-hub-mosquitto-'))
  const config = join(dir, 'mosquitto.conf')
  await writeFile(config, mosquittoConfig(tcpPort, wsPort, allowAnonymous, persistence ? dir : null))

  const log = new MosquittoLog()
  // 'close' (not 'exit') also waits for the log pipes to drain, so stats() sees every line.
  let proc: { child: ChildProcess; closed: Promise<void> } | null = null

  async function start(): Promise<void> {
    if (proc) return
    const child = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] })
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
    proc = { child, closed }
    if (child.stdout) log.attach(child.stdout)
    if (child.stderr) log.attach(child.stderr)
    try {
      await waitListening(closed, [tcpPort, wsPort], () => log.output())
    } catch (err) {
      await stop()
      throw err
    }
  }

  async function stop({ graceful = false }: { graceful?: boolean } = {}): Promise<void> {
    if (!proc) return
    const { child, closed } = proc
    proc = null
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, graceful ? 'SIGTERM' : 'SIGKILL')
    }
    await closed
    log.brokerDown()
  }

  try {
    await start()
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    kind: 'mosquitto',
    url: `ws://${HOST}:${wsPort}`,
    tcpUrl: `mqtt://${HOST}:${tcpPort}`,
    stats: async () => { await log.settle(); return log.snapshot() },
    resetStats: async () => { await log.settle(); log.reset() },
    stop: (options) => stop(options),
    start,
    async close() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
    publish: (topic, payload, opts) => publishOnce(`mqtt://${HOST}:${tcpPort}`, topic, payload, opts),
  }
}

function mosquittoConfig(tcpPort: number, wsPort: number, allowAnonymous: boolean, persistenceDir: string | null): string {
  // Without `socket_domain ipv4` mosquitto 2.0 binds every interface despite the address; a
  // websockets-only config fails to start. stderr is unbuffered (stdout is not, when piped).
  return [
    `allow_anonymous ${allowAnonymous}`,
    ...(persistenceDir ? ['persistence true', `persistence_location ${persistenceDir}/`, 'autosave_interval 1'] : ['persistence false']),
    'log_dest stderr',
    'log_type all',
    'log_timestamp false',
    'connection_messages true',
    // By default mosquitto 2.0 drops QoS 0 messages for a connected client whose queue is over
    // 1,000 messages (a browser worker reading a 100,000-message burst): unlimited, like a broker
    // sized for bursts. docs/brokers.md says what the default does.
    'max_queued_messages 0',
    `listener ${tcpPort} ${HOST}`,
    'socket_domain ipv4',
    `listener ${wsPort} ${HOST}`,
    'socket_domain ipv4',
    'protocol websockets',
    '',
  ].join('\n')
}

/** Resolves once a started process listens on every port; rejects with its output if it exits first. */
export async function waitListening(closed: Promise<void>, ports: number[], output: () => string, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const exited = closed.then((): never => {
    throw new Error(`the broker exited before listening:\n${output()}`)
  })
  exited.catch(() => {}) // only raced below
  const deadline = Date.now() + timeoutMs
  for (const port of ports) {
    while (!(await Promise.race([canConnect(port), exited]))) {
      if (Date.now() > deadline) {
        throw new Error(`not listening on ${HOST}:${port} after ${timeoutMs} ms:\n${output()}`)
      }
      await sleep(20)
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, HOST)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { socket.destroy(); resolve(false) })
  })
}

/**
 * Builds BrokerStats from mosquitto 2.0's log (`log_type all`, `connection_messages true`):
 *   New client connected from 127.0.0.1:53282 as ID (p2, c1, k60).
 *   Client ID disconnected. | Client ID closed its connection. | Client ID has exceeded timeout, ...
 *   Received SUBSCRIBE from ID            then per filter   \tFILTER (QoS n)   and   ID n FILTER
 *   Received UNSUBSCRIBE from ID          then per filter   \tFILTER           and   ID FILTER
 *   Received PUBLISH from ID (d0, q1, r0, m18141, 'a/b/c', ... (2 bytes))
 */
class MosquittoLog {
  private tail: string[] = []
  private lastDataAt = 0
  private live = new Set<string>()
  /** ids whose old connection was taken over and has yet to log its close */
  private takenOver = new Map<string, number>()
  private counts = { connects: 0, published: 0 }
  private subscribes: BrokerStats['subscribes'] = []
  private unsubscribes: BrokerStats['unsubscribes'] = []
  /** the SUBSCRIBE or UNSUBSCRIBE whose filter lines come next */
  private packet: { kind: 'subscribe' | 'unsubscribe'; clientId: string } | null = null

  /** Reads one output stream of the process, line by line. */
  attach(stream: Readable): void {
    let partial = ''
    stream.setEncoding('utf8')
    stream.on('data', (text: string) => {
      this.lastDataAt = Date.now()
      const lines = (partial + text).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) this.line(line)
    })
    stream.on('end', () => { if (partial) this.line(partial) })
  }

  /** Resolves once the log has been quiet for LOG_IDLE_MS (at most 2 s). */
  async settle(): Promise<void> {
    const deadline = Date.now() + 2000
    do await sleep(LOG_IDLE_MS)
    while (Date.now() - this.lastDataAt < LOG_IDLE_MS && Date.now() < deadline)
  }

  /** A killed broker logs nothing more: nobody is connected to it any longer. */
  brokerDown(): void {
    this.live.clear()
    this.takenOver.clear()
    this.packet = null
  }

  reset(): void {
    this.counts = { connects: 0, published: 0 }
    this.subscribes = []
    this.unsubscribes = []
  }

  snapshot(): BrokerStats {
    const clients = [...this.live]
    return {
      connected: clients.length,
      connects: this.counts.connects,
      clients,
      subscribes: this.subscribes.map((s) => ({ ...s })),
      unsubscribes: this.unsubscribes.map((u) => ({ ...u })),
      published: this.counts.published,
    }
  }

  /** the last lines mosquitto wrote, for error messages */
  output(): string {
    return this.tail.join('\n')
  }

  private line(line: string): void {
    this.tail.push(line)
    if (this.tail.length > 40) this.tail.shift()
    const at = Date.now()
    let m: RegExpMatchArray | null

    if (line.startsWith('\t')) {
      const packet = this.packet
      if (!packet || isOwn(packet.clientId)) return
      if (packet.kind === 'unsubscribe') {
        this.unsubscribes.push({ clientId: packet.clientId, filter: line.slice(1), at })
      } else if ((m = /^\t(.*) \(QoS (\d)\)$/.exec(line))) {
        this.subscribes.push({ clientId: packet.clientId, filter: m[1]!, qos: Number(m[2]), at })
      }
      return
    }
    // The "ID n FILTER" echo lines sit between filter lines; any other packet line ends the list.
    if (/^(Received|Sending|New client|Client|Socket error|Bad socket) /.test(line)) this.packet = null

    if ((m = /^Received (SUBSCRIBE|UNSUBSCRIBE) from (.*)$/.exec(line))) {
      this.packet = { kind: m[1] === 'SUBSCRIBE' ? 'subscribe' : 'unsubscribe', clientId: m[2]! }
    } else if ((m = /^New client connected from \S+ as (.*) \(p\d+, c\d+, k\d+/.exec(line))) {
      if (isOwn(m[1]!)) return
      this.live.add(m[1]!)
      this.counts.connects++
    } else if ((m = /^Received PUBLISH from (.*) \(d\d, q\d, r\d, m\d+, '/.exec(line))) {
      if (!isOwn(m[1]!)) this.counts.published++
    } else if ((m = /^Client (.*) already connected, closing old connection\.$/.exec(line))) {
      this.takenOver.set(m[1]!, (this.takenOver.get(m[1]!) ?? 0) + 1)
    } else if (
      (m = /^Client (.*?) (?:disconnected|closed its connection|has exceeded timeout|been disconnected)/.exec(line)) ||
      (m = /^(?:Socket error on client|Bad socket read\/write on client) (.*?)[,:]/.exec(line))
    ) {
      this.closed(m[1]!)
    }
  }

  private closed(clientId: string): void {
    // After a takeover [MQTT-3.1.4-2] the old connection's close is logged under the same id.
    const old = this.takenOver.get(clientId) ?? 0
    if (old === 0) this.live.delete(clientId)
    else if (old === 1) this.takenOver.delete(clientId)
    else this.takenOver.set(clientId, old - 1)
  }
}

function isOwn(clientId: string): boolean {
  return clientId.startsWith(BROKER_SIDE_CLIENT_PREFIX)
}
