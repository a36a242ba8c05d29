// A two-node broker cluster for the tests: two aedes processes that share their session state
// and their message routing through one Redis process, as an aedes cluster does in production.
// Each process is started and stopped by its PID, on ports of its own.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitListening } from './brokers.ts'
import { killProcess, spawnLogged, type Running } from './child-process.ts'

const REDIS = '/usr/bin/redis-server'
const HOST = '127.0.0.1'
const NODE_SCRIPT = new URL('./cluster-node.mjs', import.meta.url).pathname

export interface BrokerCluster {
  /** `ws://127.0.0.1:PORT` of each node, in order */
  readonly urls: string[]
  /** SIGKILLs node `index`: its connections drop, what it stored in Redis stays. */
  kill(index: number): Promise<void>
  /** Starts node `index` again on its port. */
  start(index: number): Promise<void>
  isRunning(index: number): boolean
  close(): Promise<void>
}

export async function startCluster(nodes = 2): Promise<BrokerCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'mqtt-hub-cluster-'))
  const redisPort = await freePort()
  const ports: number[] = []
  for (let i = 0; i < nodes; i++) ports.push(await freePort())
  const redis = spawnLogged(REDIS, ['--port', String(redisPort), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir], process.env)
  const running: Array<Running | null> = ports.map(() => null)

  async function start(index: number): Promise<void> {
    if (running[index]) return
    const node = spawnLogged(process.execPath, [NODE_SCRIPT], { ...process.env, REDIS_PORT: String(redisPort), WS_PORT: String(ports[index]), NODE_ID: `node-${index}` })
    running[index] = node
    // A node that ends by itself leaves its tests only ECONNREFUSED: say why it ended.
    void node.closed.then(() => {
      if (running[index] === node) process.stderr.write(`cluster node ${index} exited (code ${node.child.exitCode}, signal ${node.child.signalCode}):\n${node.output()}\n`)
    })
    // Its own word, not its port answering: another test's process may have taken the port
    // between freePort() and the node's listen (the node then exits).
    await untilPrinted(node, 'listening\n')
  }

  /** The first start: on a port another process took meanwhile, again on a new one. */
  async function startFirst(index: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start(index)
      } catch (error) {
        await kill(index)
        if (attempt === 3) throw error
        ports[index] = await freePort()
      }
    }
  }

  async function kill(index: number): Promise<void> {
    const node = running[index]
    if (!node) return
    running[index] = null
    killProcess(node.child)
    await node.closed
  }

  async function close(): Promise<void> {
    for (let i = 0; i < nodes; i++) await kill(i)
    killProcess(redis.child)
    await redis.closed
    await rm(dir, { recursive: true, force: true })
  }

  try {
    await waitListening(redis.closed, [redisPort], redis.output)
    for (let i = 0; i < nodes; i++) await startFirst(i)
  } catch (error) {
    await close()
    throw error
  }
  return {
    urls: ports.map((port) => `ws://${HOST}:${port}`),
    kill,
    start,
    isRunning: (index) => running[index] !== null,
    close,
  }
}

/** Resolves once the process printed `line`; rejects if it exits first. */
async function untilPrinted(node: Running, line: string, timeoutMs = 10_000): Promise<void> {
  let exited = false
  void node.closed.then(() => (exited = true))
  for (const deadline = Date.now() + timeoutMs; !node.output().includes(line); await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (exited || Date.now() > deadline) throw new Error(`the cluster node ${exited ? 'exited' : 'printed nothing'} before listening:\n${node.output()}`)
  }
}
