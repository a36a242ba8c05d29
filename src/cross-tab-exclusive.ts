// Dedicated-worker mode: every tab has its own worker, so a worker's exclusive groups span one
// tab only. A Web Lock per (connection name, group) makes one tab at a time the group's holder:
// only the holder subscribes, so each message is handled once across tabs.
import { HubError } from './errors.ts'
import type { HubEventListener } from './events.ts'
import { checkHandler } from './handlers.ts'
import type { HubMessage } from './message.ts'
import type { HubMessageStream } from './message-stream.ts'
import { checkExclusive, checkName, checkQos, record } from './options.ts'
import type { HubEventType, HubStatus } from './public-types.ts'
import type { HubInspection, HubMetrics, SessionMetrics, SessionSummary } from './reports.ts'
import type { RequestOptions, RespondOptions } from './request.ts'
import { validateTopicFilter } from './topic.ts'
import type { Hub, HubMode, MessageHandler, MessageStreamOptions, PublishOptions, SubscribeOptions, Subscription } from './types.ts'

export class CrossTabExclusiveHub implements Hub {
  private readonly name: string
  /** Gives up every lock held or asked for: on close(). */
  private readonly closing = new AbortController()

  constructor(private readonly hub: Hub, name: unknown) {
    this.name = checkName(name)
  }

  get mode(): HubMode { return this.hub.mode }
  get status(): HubStatus { return this.hub.status }
  get lastError(): HubError | undefined { return this.hub.lastError }
  onStatus(callback: (status: HubStatus, error?: HubError) => void): () => void { return this.hub.onStatus(callback) }
  private readonly errorListeners = new Set<(error: unknown) => void>()
  onError(callback: (error: unknown, message?: HubMessage) => void): () => void {
    this.errorListeners.add(callback)
    const stop = this.hub.onError(callback)
    return () => {
      this.errorListeners.delete(callback)
      stop()
    }
  }
  on<K extends HubEventType>(type: K, listener: HubEventListener<K>): () => void { return this.hub.on(type, listener) }
  sessions(): Promise<SessionSummary[]> { return this.hub.sessions() }
  metrics(): Promise<SessionMetrics>
  metrics(options: { all: true }): Promise<HubMetrics>
  metrics(options?: { all: true }): Promise<SessionMetrics | HubMetrics> { return options ? this.hub.metrics(options) : this.hub.metrics() }
  messages(filter: string, options?: MessageStreamOptions): HubMessageStream { return this.hub.messages(filter, options) }
  request(topic: string, payload: string | Uint8Array, options?: RequestOptions): Promise<HubMessage> { return this.hub.request(topic, payload, options) }
  respond(request: HubMessage, payload: string | Uint8Array, options?: RespondOptions): Promise<void> { return this.hub.respond(request, payload, options) }
  inspect(): Promise<HubInspection> { return this.hub.inspect() }
  ready(timeoutMs?: number): Promise<void> { return this.hub.ready(timeoutMs) }
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void> { return this.hub.publish(topic, payload, options) }

  async close(): Promise<void> {
    this.closing.abort()
    await this.hub.close()
  }

  /**
   * Exclusive: resolves once this tab holds the group and subscribed, or at once when another tab
   * holds it (this one waits in line and subscribes when the lock passes to it).
   */
  async subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    const o = record(options, 'subscribe options')
    if (o.exclusive !== true) return this.hub.subscribe(filter, handler, options)
    if (this.closing.signal.aborted) throw new HubError('CLOSED', 'This hub was closed')
    validateTopicFilter(filter)
    checkHandler(handler)
    checkQos(o.qos)
    const { group } = checkExclusive(o, filter)!
    const lock = `mqtt-hub:exclusive:${this.name}:${group}`
    // Ends on unsubscribe() or close(). (No AbortSignal.any: the browsers this fallback is for may lack it.)
    const left = new AbortController()
    let unsubscribed = false
    this.closing.signal.addEventListener('abort', () => left.abort(), { once: true, signal: left.signal })
    const { signal } = left
    const leaving = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    /** Subscribes, holds the lock until this subscription ends, then unsubscribes before the lock passes on. */
    const hold = async (subscribed: Promise<Subscription>): Promise<void> => {
      const subscription = await subscribed
      await leaving
      // Two tabs never handle at once; messages between this UNSUBSCRIBE and the next holder's
      // SUBSCRIBE are not delivered to the group (README, "Browsers without SharedWorker").
      await subscription.unsubscribe().catch(() => {})
    }
    let released: Promise<void> = Promise.resolve()
    // The first subscribe() of a tab that gets the lock at once reports its errors to the caller.
    const first = await new Promise<Promise<Subscription> | null>((settle, fail) => {
      released = navigator.locks.request(lock, { ifAvailable: true }, (held) => {
        if (!held) return settle(null)
        const subscribed = this.hub.subscribe(filter, handler, options)
        settle(subscribed)
        return hold(subscribed).catch(() => {})
      }).then(() => {}, fail)
    })
    if (first) {
      await first
    } else {
      released = navigator.locks
        .request(lock, { signal }, () => hold(this.hub.subscribe(filter, handler, options)).catch((error: unknown) => this.report(error)))
        .then(() => {}, () => {}) // rejected: aborted while waiting in line
    }
    return {
      unsubscribe: async () => {
        if (unsubscribed) throw new HubError('NOT_SUBSCRIBED', 'This subscription was already unsubscribed')
        unsubscribed = true
        left.abort()
        await released
      },
    }
  }

  /** A subscribe() made when the lock came (it returned long ago) failed: tell onError, like a handler error. */
  private report(error: unknown): void {
    if (this.closing.signal.aborted) return
    if (this.errorListeners.size === 0) globalThis.reportError(error)
    for (const listener of this.errorListeners) listener(error)
  }
}
