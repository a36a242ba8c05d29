// Running this tab's handlers for the messages the worker delivers, and reporting what they throw.
import { HubError } from './errors.ts'
import { Message, type HubMessage } from './message.ts'
import type { Delivery, SubscriptionSpec, TabEvent } from './protocol.ts'
import { pageEpoch } from './page-lifecycle.ts'
import type { MessageHandler } from './types.ts'

export interface LocalSubscription extends SubscriptionSpec {
  handler: MessageHandler
  /** Exclusive jobs of this subscription run in order, one at a time. */
  chain: Promise<void>
  /** A worker accepted it: a new worker gets it with open(); until then its own call sends it. */
  confirmed?: boolean
}

type ErrorListener = (error: unknown, message?: HubMessage) => void

export class Handlers {
  private readonly errorListeners = new Set<ErrorListener>()
  /** Handlers that threw or rejected: `metrics().delivery.handlerErrors`. */
  errors = 0

  constructor(private readonly subs: Map<number, LocalSubscription>) {}

  onError(listener: ErrorListener): () => void {
    checkHandler(listener)
    this.errorListeners.add(listener)
    return () => this.errorListeners.delete(listener)
  }

  /** Errors go to the hub's onError listeners, or to `reportError` when there are none. */
  report(error: unknown, message?: HubMessage): void {
    if (this.errorListeners.size === 0) {
      globalThis.reportError(error)
      return
    }
    for (const listener of this.errorListeners) listener(error, message)
  }

  /** Calls every subscription a batch is for, then tells the worker it may send the next batch. */
  deliver(deliveries: Delivery[], reply: (event: TabEvent) => void): void {
    for (const delivery of deliveries) {
      const message = messageOf(delivery)
      for (const id of delivery.subs) {
        const sub = this.subs.get(id)
        if (!sub) continue
        // The QoS a subscriber sees is at most the QoS it asked for.
        const own = sub.qos < message.qos ? message.withQos(sub.qos) : message
        if (delivery.job === undefined) this.run(sub.handler, own).catch(() => {})
        else this.runExclusive(sub, delivery.job, delivery.epoch ?? 0, own, reply)
      }
    }
    // Handlers started (synchronous ones finished): the worker may send the next batch.
    reply({ type: 'received' })
  }

  /** Exclusive work runs one job after another per subscription; the worker hears when each is done. */
  private runExclusive(sub: LocalSubscription, job: number, epoch: number, message: HubMessage, reply: (event: TabEvent) => void): void {
    sub.chain = sub.chain.then(async () => {
      if (this.subs.get(sub.id) !== sub) return // unsubscribed meanwhile: the worker gives the job to another member
      if (epoch !== pageEpoch()) return // given before the page froze: the worker gave it to another member then
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
  return new Message(delivery.topic, delivery.payload, delivery.qos, delivery.retain, delivery.redelivered === true, delivery.properties)
}

export function checkHandler(handler: unknown): void {
  if (typeof handler !== 'function') throw new HubError('INVALID_HANDLER', 'handler must be a function')
}
