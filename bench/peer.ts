// The runner's side of mqtt-peer.mjs: one Node MQTT.js client in a child process, called over IPC.
import { fork, type ChildProcess } from 'node:child_process'
import { BROKER_SIDE_CLIENT_PREFIX } from '../e2e/brokers.ts'

/**
 * Client ids of the bench's own Node clients. mosquitto's stats leave this prefix out; for aedes
 * the bench filters it out itself, so that only the tabs' connections are counted.
 */
export const PEER_PREFIX = `${BROKER_SIDE_CLIENT_PREFIX}bench-`

interface Reply {
  id?: number
  result?: unknown
  error?: string
  event?: string
}

export class MqttPeer {
  private nextId = 1
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  private readonly listeners = new Set<(event: string) => void>()
  private readonly exited: Promise<void>

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if (reply.event) for (const listener of this.listeners) listener(reply.event)
      const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id)
      if (!waiter) return
      this.pending.delete(reply.id!)
      if (reply.error !== undefined) waiter.reject(new Error(reply.error))
      else waiter.resolve(reply.result)
    })
    this.exited = new Promise((resolve) => child.once('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('mqtt-peer exited'))
      this.pending.clear()
      resolve()
    }))
  }

  static async connect(url: string, role: string): Promise<MqttPeer> {
    const child = fork(new URL('./mqtt-peer.mjs', import.meta.url).pathname, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const peer = new MqttPeer(child)
    try {
      await peer.call('connect', { url, clientId: `${PEER_PREFIX}${role}-${Math.random().toString(16).slice(2, 8)}` })
    } catch (error) {
      await peer.close()
      throw error
    }
    return peer
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.child.send({ id, cmd, args })
    })
  }

  /** Resolves at the next event the child reports (e.g. 'subscribed'). */
  nextEvent(name: string): Promise<void> {
    return new Promise((resolve) => {
      const listener = (event: string): void => {
        if (event !== name) return
        this.listeners.delete(listener)
        resolve()
      }
      this.listeners.add(listener)
    })
  }

  /** Ends the client; kills the child (by its pid) if it does not exit within 2 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.call('end').catch(() => {})
    const timer = setTimeout(() => { if (this.child.pid !== undefined) process.kill(this.child.pid, 'SIGKILL') }, 2_000)
    await this.exited
    clearTimeout(timer)
  }
}
