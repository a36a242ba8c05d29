// Running this tab's handlers for the messages the worker delivers, and reporting what they throw.
import { unpackDeliveries } from './delivery-batch.ts'
import { handlerFailed, HubError } from './errors.ts'
import { Message, type HubMessage } from './message.ts'
import type { Delivery, MessagesEvent, SubscriptionSpec, TabEvent } from './protocol.ts'
import type { MessageHandler } from './types.ts'

export interface LocalSubscription extends SubscriptionSpec {
  handler: MessageHandler
  /** Exclusive jobs of this subscription run in order, one at a time. */
  chain: Promise<void>
  /** A worker accepted it: a new worker gets it with open(); until then its own call sends it. */
  confirmed?: boolean
}

type ErrorListener = (error: HubError, message?: HubMessage) => void

export class Handlers {
  private readonly errorListeners = new Set<ErrorListener>()
  /** Handlers that threw or rejected: `metrics().delivery.handlerErrors`. */
  errors = 0
  /** Exclusive jobs the worker took back before this tab started them (WithdrawnEvent), by subscription. */
  private readonly withdrawn = new Map<number, Set<number>>()
  /** Batches with exclusive jobs waiting for their DispatchedEvent, oldest first: true lets them start. */
  private readonly gates: Array<(start: boolean) => void> = []
  /**
   * False from the page's `pagehide` or `freeze` until it is back: the worker gives every job
   * this tab holds to another member when it hears so, so none of them may start here (a closing
   * page still runs its unload; a job it started there would run twice).
   */
  pageActive = true

  constructor(private readonly subs: Map<number, LocalSubscription>) {}

  onError(listener: ErrorListener): () => void {
    checkHandler(listener)
    this.errorListeners.add(listener)
    return () => this.errorListeners.delete(listener)
  }

  /** Errors go to the hub's onError listeners, or to `reportError` when there are none. */
  report(thrown: unknown, message?: HubMessage): void {
    const error = handlerFailed(thrown)
    if (this.errorListeners.size === 0) {
      globalThis.reportError(error)
      return
    }
    for (const listener of this.errorListeners) listener(error, message)
  }

  /** Calls every subscription a batch is for, then tells the worker it may send the next batch. */
  deliver(batch: MessagesEvent, reply: (event: TabEvent) => void): void {
    let gate: Promise<boolean> | undefined
    unpackDeliveries(batch, (delivery) => {
      const message = messageOf(delivery)
      for (const id of delivery.subs) {
        const sub = this.subs.get(id)
        if (!sub) continue
        // The QoS a subscriber sees is at most the QoS it asked for.
        const own = sub.qos < message.qos ? message.withQos(sub.qos) : message
        if (delivery.job === undefined) this.run(sub.handler, own).catch(() => {})
        else {
          gate ??= new Promise((open) => this.gates.push(open))
          this.runExclusive(sub, delivery.job, own, reply, gate)
        }
      }
    })
    // Handlers started (synchronous ones finished): the worker may send the next batch.
    reply({ type: 'received' })
  }

  /** Exclusive work runs one job after another per subscription; the worker hears when each is done. */
  /** The worker gave these jobs to another member: they must not start here. */
  withdraw(sub: number, jobs: number[]): void {
    const set = this.withdrawn.get(sub) ?? new Set()
    for (const job of jobs) set.add(job)
    this.withdrawn.set(sub, set)
  }

  /** The worker read that the oldest batch with jobs was dispatched: its jobs may start. */
  dispatched(): void {
    this.gates.shift()?.(true)
  }

  /** A new worker: job numbers start again, and the old worker's jobs never start. */
  relinked(): void {
    this.withdrawn.clear()
    for (const open of this.gates.splice(0)) open(false)
  }

  private runExclusive(sub: LocalSubscription, job: number, message: HubMessage, reply: (event: TabEvent) => void, gate: Promise<boolean>): void {
    sub.chain = sub.chain.then(async () => {
      // A page that was frozen or blocked reads the worker's events in order once it runs again:
      // a `withdrawn` for this job comes before the batch's `dispatched`.
      if (!(await gate) || !this.pageActive) return
      if (this.subs.get(sub.id) !== sub) return // unsubscribed meanwhile: the worker gives the job to another member
      if (this.withdrawn.get(sub.id)?.delete(job)) return // taken back while this page was away: another member has it
      const error = await this.run(sub.handler, message)
      reply({ type: 'settled', sub: sub.id, job, ...(error !== undefined && { error: String(error) }) })
    })
  }

  /** Runs a handler until it returns or its promise settles; resolves with what it threw, if anything. */
  private async run(handler: MessageHandler, message: HubMessage): Promise<unknown> {
    try {
      await handler(message)
      return undefined
    } catch (error) {
      this.errors++
      this.report(error, message)
      return error ?? new Error('handler failed')
    }
  }
}


export function messageOf(delivery: Delivery): Message {
  return new Message(delivery.topic, delivery.payload, delivery.qos, delivery.retain, delivery.redelivered === true, delivery.properties, delivery.messageId)
}

export function checkHandler(handler: unknown): void {
  if (typeof handler !== 'function') throw new HubError('INVALID_HANDLER', 'handler must be a function')
}
