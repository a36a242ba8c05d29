import type * as Comlink from 'comlink'
import { DEFAULTS } from './defaults.ts'
import { fromWire, HubError } from './errors.ts'
import { HubEvents, type HubEventListener } from './events.ts'
import { startDedicatedWorker, startSharedWorker } from './default-worker.ts'
import { claimTabSession, dedicatedWorkerHandle } from './dedicated-mode.ts'
import { checkHandler, Handlers, messageOf, type LocalSubscription } from './handlers.ts'
import type { HubMessage } from './message.ts'
import { messageStream, type HubMessageStream } from './message-stream.ts'
import {
  checkExclusive, checkHubOptions, checkLinger, checkMaxPayload, checkMqttOptions, checkName, checkOutboxLimits, checkPayload, checkQos, checkQueueLimits,
  checkReconnectOptions, checkTimeout, checkUrls, record,
} from './options.ts'
import { type OpenRequest, PROTOCOL_VERSION, type SubscriptionSpec, type TabApi, type TabEvent, type WorkerAddress, type WorkerEvent } from './protocol.ts'
import type { HubEventType, HubStatus, MessageProperties, QoS, SubscriptionOptions } from './public-types.ts'
import type { HubInspection, HubMetrics, SessionMetrics, SessionSummary } from './reports.ts'
import { PendingAcks } from './pending-acks.ts'
import { watchPage } from './page-lifecycle.ts'
import { untilConnected } from './ready.ts'
import { responseTo, type RequestOptions, type RespondOptions } from './request.ts'
import { holdTabLock, type TabLock } from './tab-lock.ts'
import { validateTopicFilter, validateTopicName } from './topic.ts'
import type { Hub, HubMode, HubOptions, MessageHandler, MessageStreamOptions, PublishOptions, SubscribeOptions, Subscription } from './types.ts'
import { WorkerConnection } from './worker-connection.ts'
import type { WorkerHandle } from './worker-link.ts'


/**
 * Opens a hub in this tab. Bad options throw a HubError at once. Where the browser has no
 * SharedWorker (and no `worker` option says otherwise), each tab gets a dedicated worker.
 */
export function createHub(options: HubOptions): Hub {
  if (typeof SharedWorker !== 'undefined' || (options as Partial<HubOptions> | null)?.worker !== undefined) {
    return new TabHub(options, 'shared-worker', startSharedWorker)
  }
  // The same hub over another transport: the tab's own worker, which holds exclusive groups across tabs itself.
  const tabSession = claimTabSession(checkName(checkHubOptions(options).name))
  return new TabHub(options, 'dedicated-worker', () => dedicatedWorkerHandle(startDedicatedWorker, tabSession))
}

class TabHub implements Hub {
  status: HubStatus = 'connecting'
  lastError: HubError | undefined
  private readonly openRequest: Omit<OpenRequest, 'subscriptions' | 'awaiting' | 'events' | 'tabLock'>
  private readonly callTimeoutMs: number
  private readonly maxPayloadBytes: number
  private readonly statusListeners = new Set<(status: HubStatus, error?: HubError) => void>()
  private readonly events = new HubEvents()
  private readonly subs = new Map<number, LocalSubscription>()
  private readonly handlers = new Handlers(this.subs)
  private readonly acks = new PendingAcks()
  private nextId = 1
  private readonly worker: WorkerConnection
  private closed = false
  /** Set when the worker refused this hub for good (CONFIG_MISMATCH): every call fails with it. */
  private fatal: HubError | undefined
  private readonly tabLock: TabLock
  /** Aborted at close: stops watching the page's lifecycle. */
  private readonly page = new AbortController()

  constructor(options: HubOptions, readonly mode: HubMode, defaultWorker: () => WorkerHandle) {
    const o = checkHubOptions(options)
    if (o.worker !== undefined && typeof o.worker !== 'function') {
      throw new HubError('INVALID_OPTIONS', 'worker must be a function that returns a SharedWorker')
    }
    const startWorker = (o.worker as (() => SharedWorker) | undefined) ?? defaultWorker
    this.callTimeoutMs = checkTimeout(o.callTimeoutMs, 'callTimeoutMs', DEFAULTS.callTimeoutMs)
    this.maxPayloadBytes = checkMaxPayload(o.maxPayloadBytes)
    this.openRequest = {
      protocol: PROTOCOL_VERSION,
      url: checkUrls(o.url),
      // Checked by the worker, which alone uses it (the tab bundle stays small).
      maxIncomingPacketBytes: o.maxIncomingPacketBytes as number | undefined,
      minSubscriptionQos: checkQos(o.minSubscriptionQos),
      name: checkName(o.name),
      mqtt: checkMqttOptions(o.mqtt),
      reconnect: checkReconnectOptions(o.reconnect),
      outbox: checkOutboxLimits(o.outbox),
      queue: checkQueueLimits(o.queue),
      lingerMs: checkLinger(o.lingerMs),
    }
    // The worker let this tab go while the page lived on (WebKit's back/forward cache): open again.
    this.tabLock = holdTabLock(() => this.worker.relink())
    watchPage({ visibility: () => {}, lifecycle: (active) => (this.handlers.pageActive = active) }, this.page.signal)
    this.worker = new WorkerConnection(startWorker, () => this.tabLock.held, this.callTimeoutMs, {
      // Only those a worker accepted: one made before this link opens is sent by its own call (twice would be refused).
      openRequest: () => {
        this.handlers.relinked()
        return {
        ...this.openRequest,
        tabLock: this.tabLock.name,
        subscriptions: [...this.subs.values()].filter((sub) => sub.confirmed).map(specOf),
        awaiting: this.acks.waiting(),
        }
      },
      onEvent: (event, reply) => this.onEvent(event, reply),
      onLost: (error) => this.setStatus('connecting', error),
      onRefused: (error) => this.fail(error),
    })
  }

  onStatus(callback: (status: HubStatus, error?: HubError) => void): () => void {
    checkHandler(callback)
    this.statusListeners.add(callback)
    return () => this.statusListeners.delete(callback)
  }

  onError(callback: (error: HubError, message?: HubMessage) => void): () => void {
    return this.handlers.onError(callback)
  }

  on<K extends HubEventType>(type: K, listener: HubEventListener<K>): () => void {
    checkHandler(listener)
    return this.events.on(type, listener)
  }

  sessions(): Promise<SessionSummary[]> {
    this.assertOpen()
    return this.call((remote) => remote.sessions())
  }

  messages(filter: string, options: MessageStreamOptions = {}): HubMessageStream {
    this.assertOpen()
    validateTopicFilter(filter)
    const o = record(options, 'messages options')
    const qos = checkQos(o.qos)
    const bufferSize = checkTimeout(o.bufferSize, 'bufferSize', DEFAULTS.streamBufferSize)
    return messageStream((handler) => this.subscribe(filter, handler, { qos }), (listener) => this.onStatus((status) => {
      if (status === 'closed') listener()
    }), bufferSize)
  }

  async request(topic: string, payload: string | Uint8Array, options: RequestOptions = {}): Promise<HubMessage> {
    this.assertOpen()
    const o = record(options, 'request options')
    const timeoutMs = checkTimeout(o.timeout, 'timeout', DEFAULTS.requestTimeoutMs)
    const request = { topic, payload: checkPayload(payload), qos: o.qos as QoS, timeoutMs, properties: o.properties as RequestOptions['properties'] }
    // The worker times the request out; the call itself may take that long.
    return messageOf(await this.call((remote) => remote.request(request), timeoutMs + this.callTimeoutMs))
  }

  respond(request: HubMessage, payload: string | Uint8Array, options: RespondOptions = {}): Promise<void> {
    this.assertOpen()
    const o = record(options, 'respond options')
    const { topic, properties } = responseTo(request, o.properties as MessageProperties | undefined)
    return this.publish(topic, payload, { qos: o.qos as QoS, properties })
  }

  ready(timeoutMs: number = DEFAULTS.readyTimeoutMs): Promise<void> {
    if (this.closed) return Promise.reject(this.fatal ?? closedError())
    const limit = checkTimeout(timeoutMs, 'ready() timeout', DEFAULTS.readyTimeoutMs)
    return untilConnected(this, limit, () => this.fatal ?? closedError())
  }

  async subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    this.assertOpen()
    validateTopicFilter(filter)
    checkHandler(handler)
    const o = record(options, 'subscribe options')
    const qos = checkQos(o.qos)
    const exclusive = checkExclusive(o, filter)
    const subscription = subscriptionOptions(o)
    const sub: LocalSubscription = {
      id: this.nextId++, filter, qos, handler, chain: Promise.resolve(), ...(exclusive && { exclusive }), ...(subscription && { options: subscription }),
    }
    this.subs.set(sub.id, sub)
    try {
      const { granted } = await this.call((remote) => remote.subscribe(specOf(sub)))
      sub.confirmed = true
      if (granted !== null) return { granted: Math.min(granted, qos) as QoS, unsubscribe: () => this.unsubscribe(sub.id) }
    } catch (error) {
      this.subs.delete(sub.id)
      this.worker.tell((remote) => remote.unsubscribe(sub.id))
      throw error
    }
    return { unsubscribe: () => this.unsubscribe(sub.id) }
  }

  async publish(topic: string, payload: string | Uint8Array, options: PublishOptions = {}): Promise<void> {
    this.assertOpen()
    validateTopicName(topic)
    const checked = checkPayload(payload, this.maxPayloadBytes)
    const o = record(options, 'publish options')
    const qos = checkQos(o.qos)
    if (o.retain !== undefined && typeof o.retain !== 'boolean') throw new HubError('INVALID_OPTIONS', 'retain must be a boolean')
    for (const key of ['onDurable', 'onAcked']) {
      if (o[key] !== undefined && typeof o[key] !== 'function') throw new HubError('INVALID_OPTIONS', `${key} must be a function`)
    }
    // MQTT 5 properties are checked by the worker (their checks would weigh on every page's bundle).
    const properties = o.properties === undefined ? undefined : (record(o.properties, 'properties') as MessageProperties)
    const seq = await this.call((remote) => remote.publish({ topic, payload: checked, qos, retain: o.retain === true, ...(properties && { properties }) }))
    if (seq === null) return
    ;(o.onDurable as (() => void) | undefined)?.()
    // Stored: the ack may take as long as the broker is away, and survives a restart of the worker.
    const messageId = await new Promise<number | undefined>((resolve, reject) => this.acks.expect(seq, resolve, reject))
    ;(o.onAcked as PublishOptions['onAcked'])?.(messageId)
  }

  metrics(): Promise<SessionMetrics>
  metrics(options: { all: true }): Promise<HubMetrics>
  async metrics(options?: { all: true }): Promise<SessionMetrics | HubMetrics> {
    this.assertOpen()
    if (options !== undefined && record(options, 'metrics options').all === true) return this.call((remote) => remote.hubMetrics())
    const metrics = await this.call((remote) => remote.metrics())
    metrics.delivery.handlerErrors = this.handlers.errors
    return metrics
  }

  inspect(): Promise<HubInspection> {
    this.assertOpen()
    return this.call((remote) => remote.inspect())
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.subs.clear()
    this.acks.rejectAll(new HubError('CLOSED', 'The hub was closed before the broker acknowledged; the message is stored and will be sent'))
    this.setStatus('closed', undefined)
    await this.worker.close()
    this.tabLock.dispose()
    this.page.abort()
  }

  private async unsubscribe(id: number): Promise<void> {
    this.assertOpen()
    if (!this.subs.delete(id)) throw new HubError('NOT_SUBSCRIBED', 'This subscription was already unsubscribed')
    await this.call((remote) => remote.unsubscribe(id))
  }

  private assertOpen(): void {
    if (this.closed) throw this.fatal ?? closedError()
  }

  private call<T>(fn: (remote: Comlink.Remote<TabApi>) => Promise<T>, timeoutMs?: number): Promise<T> {
    return this.worker.call(fn, timeoutMs)
  }

  /** The worker will never accept this hub as configured: stop, and say why on every call. */
  private fail(error: HubError): void {
    this.fatal = error
    this.setStatus('closed', error)
    this.closed = true
    this.tabLock.dispose()
    this.page.abort()
  }

  private onEvent(event: WorkerEvent, reply: (event: TabEvent) => void = () => {}): void {
    if (this.closed) return
    if (event.type === 'status') {
      this.setStatus(event.status, event.error && fromWire(event.error))
      return
    }
    if (event.type === 'withdrawn') {
      this.handlers.withdraw(event.sub, event.jobs)
      return
    }
    if (event.type === 'dispatched') {
      this.handlers.dispatched()
      return
    }
    if (event.type === 'warning') {
      this.handlers.report(fromWire(event.error))
      return
    }
    if (event.type === 'published') {
      for (const { seq, messageId, error } of event.results) this.acks.settle(seq, error && fromWire(error), messageId)
      return
    }
    if (event.type === 'superseded') this.superseded(event.worker)
    else if (event.type === 'event') this.events.dispatch(event.event, (error) => this.handlers.report(error))
    else this.handlers.deliver(event, reply)
  }

  /**
   * A newer version of the app took the connection over: this hub opens again in that version's
   * worker, with its subscriptions and the acks it waits for. A worker that speaks another
   * protocol, or did not say where it is, cannot be reached from this page: it must reload.
   */
  private superseded(worker: WorkerAddress | undefined): void {
    const reachable = worker !== undefined && worker.protocol === PROTOCOL_VERSION && typeof SharedWorker !== 'undefined'
    this.events.dispatch({ type: 'superseded', reloadNeeded: !reachable, session: this.openRequest.name, at: Date.now() }, (e) => this.handlers.report(e))
    if (reachable) this.worker.switchTo(() => new SharedWorker(worker.url, { type: 'module', name: worker.name }))
    else this.setStatus('connecting', new HubError('WORKER_UNAVAILABLE', 'A newer version of this app took the connection over: reload the page'))
  }

  private setStatus(status: HubStatus, error: HubError | undefined): void {
    if (this.status === 'closed') return
    this.status = status
    this.lastError = error
    for (const listener of this.statusListeners) listener(status, error)
    // The worker's own 'closed' reaches no tab (the session closes after its last one): this hub's end is told here.
    if (status === 'closed') this.events.dispatch({ type: 'closed', session: this.openRequest.name, at: Date.now() }, (e) => this.handlers.report(e))
  }
}

function specOf({ id, filter, qos, exclusive, options }: LocalSubscription): SubscriptionSpec {
  return { id, filter, qos, ...(exclusive && { exclusive }), ...(options && { options }) }
}

/** MQTT 5 subscription options as given; the worker checks them. */
function subscriptionOptions({ noLocal, retainAsPublished, retainHandling }: Record<string, unknown>): SubscriptionOptions | undefined {
  if (noLocal === undefined && retainAsPublished === undefined && retainHandling === undefined) return undefined
  return { noLocal, retainAsPublished, retainHandling } as SubscriptionOptions
}

function closedError(): HubError {
  return new HubError('CLOSED', 'This hub was closed')
}
