// RabbitMQ 3.10 (Debian `rabbitmq-server`, plugins rabbitmq_mqtt and rabbitmq_web_mqtt) as a child
// process of the tests: its own node name, database, log directory, plugins file, config, ports
// and epmd, so that it never meets the system's RabbitMQ; stopped by PID.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import type { BrokerPublishOptions } from '../demo/broker.mjs'
import { startCountingProxy } from './counting-proxy.ts'
import { BROKER_SIDE_CLIENT_PREFIX, freePort, waitListening, type TestBroker } from './brokers.ts'
import { killProcess, spawnLogged } from './child-process.ts'

/** The script that runs the broker in the foreground (the /usr/sbin wrapper switches user). */
const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'
const EPMD = '/usr/bin/epmd'
const HOST = '127.0.0.1'
/** A first start takes about 12 s on 2 cores, a restart about 6 s. */
const READY_TIMEOUT_MS = 60_000

export async function startRabbitMQ(): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'mqtt-hub-rabbitmq-'))
  const ports = { epmd: await freePort(), amqp: await freePort(), dist: await freePort(), mqtt: await freePort(), ws: await freePort() }
  const config = join(dir, 'rabbitmq.conf')
  const definitions = join(dir, 'definitions.json')
  await writeFile(definitions, JSON.stringify(rabbitDefinitions()))
  await writeFile(config, rabbitConfig(ports, definitions))
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt,rabbitmq_web_mqtt].\n')
  const env = {
    ...process.env,
    // The Erlang cookie goes to $HOME: keep it in our directory, not in the user's.
    HOME: dir,
    ERL_EPMD_PORT: String(ports.epmd),
    ERL_EPMD_ADDRESS: HOST,
    RABBITMQ_NODENAME: `mqtt-hub-${process.pid}-${ports.amqp}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: HOST,
    RABBITMQ_NODE_PORT: String(ports.amqp),
    RABBITMQ_DIST_PORT: String(ports.dist),
    RABBITMQ_CONFIG_FILE: config,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    // The script then execs the VM itself: the child's PID is the broker's.
    RUNNING_UNDER_SYSTEMD: 'true',
  }

  const epmd = spawnLogged(EPMD, ['-port', String(ports.epmd), '-address', HOST], env)
  let broker: ReturnType<typeof spawnLogged> | null = null
  const proxy = await startCountingProxy(`ws://${HOST}:${ports.ws}/ws`, (id) => id.startsWith(BROKER_SIDE_CLIENT_PREFIX))

  async function start(): Promise<void> {
    if (broker) return
    broker = spawnLogged(RABBITMQ_SERVER, [], env)
    try {
      await waitListening(broker.closed, [ports.mqtt, ports.ws], () => broker?.output() ?? '', READY_TIMEOUT_MS)
    } catch (error) {
      await stop()
      throw error
    }
  }

  /** SIGKILL, like a crash: durable sessions and retained messages stay on disk. */
  async function stop(): Promise<void> {
    if (!broker) return
    const { child, closed } = broker
    broker = null
    killProcess(child)
    await closed
    proxy.dropAll()
  }

  async function close(): Promise<void> {
    await stop()
    await proxy.close()
    killProcess(epmd.child)
    await epmd.closed
    await rm(dir, { recursive: true, force: true })
  }

  try {
    await waitListening(epmd.closed, [ports.epmd], epmd.output, 5_000)
    await start()
  } catch (error) {
    await close()
    throw error
  }

  return {
    kind: 'rabbitmq',
    url: proxy.url,
    tcpUrl: `mqtt://${HOST}:${ports.mqtt}`,
    // The proxy counts synchronously as frames pass: nothing to wait for.
    stats: async () => proxy.stats(),
    resetStats: async () => proxy.resetStats(),
    stop,
    start,
    close,
    publish: (topic, payload, opts) => publishOnce(`mqtt://${HOST}:${ports.mqtt}`, topic, payload, opts),
  }
}

/** Users of the tests: guest (anonymous MQTT clients), and the user the compat seeds log in as. */
const USERS = [{ name: 'guest', password: 'guest' }, { name: 'user', password: 'secret' }]

function rabbitDefinitions(): object {
  return {
    vhosts: [{ name: '/' }],
    users: USERS.map(({ name, password }) => ({ name, password_hash: passwordHash(password), hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] })),
    permissions: USERS.map(({ name }) => ({ user: name, vhost: '/', configure: '.*', write: '.*', read: '.*' })),
  }
}

/** RabbitMQ's salted SHA-256: base64(salt ++ sha256(salt ++ password)), 4 bytes of salt. */
function passwordHash(password: string): string {
  const salt = randomBytes(4)
  return Buffer.concat([salt, createHash('sha256').update(Buffer.concat([salt, Buffer.from(password)])).digest()]).toString('base64')
}

function rabbitConfig(ports: { amqp: number; mqtt: number; ws: number }, definitions: string): string {
  return [
    `load_definitions = ${definitions}`,
    // Definitions replace the default user: guest is defined there, allowed only from loopback.
    `listeners.tcp.1 = ${HOST}:${ports.amqp}`,
    `mqtt.listeners.tcp.1 = ${HOST}:${ports.mqtt}`,
    `web_mqtt.tcp.ip = ${HOST}`,
    `web_mqtt.tcp.port = ${ports.ws}`,
    'web_mqtt.ws_path = /ws',
    // Anonymous MQTT clients log in as guest, which RabbitMQ otherwise allows only from loopback.
    'mqtt.allow_anonymous = true',
    'log.console = true',
    'log.console.level = warning',
    'log.file = false',
    '',
  ].join('\n')
}


export async function publishOnce(url: string, topic: string, payload: string | Buffer, opts: BrokerPublishOptions = {}): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: `${BROKER_SIDE_CLIENT_PREFIX}${Math.random().toString(16).slice(2, 10)}`,
    reconnectPeriod: 0,
  }, false)
  try {
    await client.publishAsync(topic, payload, { qos: opts.qos ?? 0, retain: opts.retain ?? false })
  } finally {
    await client.endAsync()
  }
}
