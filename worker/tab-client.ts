import type { Delivery, WorkerEvent } from '../src/protocol.ts'
import type { TabSubscription } from './subscription-registry.ts'

/**
 * One Hub instance of one tab, as the worker sees it. Messages for it are queued and posted in
 * one batch per macrotask: one postMessage per message costs about 2.5 times as much.
 */
export class TabClient {
  readonly subs = new Map<number, TabSubscription<TabClient>>()
  private queue: Delivery[] = []
  private flushScheduled = false

  constructor(private readonly events: MessagePort) {}

  send(event: WorkerEvent): void {
    this.events.postMessage(event)
  }

  deliver(delivery: Delivery): void {
    this.queue.push(delivery)
    if (this.flushScheduled) return
    this.flushScheduled = true
    setTimeout(() => this.flush(), 0)
  }

  close(): void {
    this.queue = []
    this.events.close()
  }

  private flush(): void {
    this.flushScheduled = false
    if (this.queue.length === 0) return
    const deliveries = this.queue
    this.queue = []
    this.send({ type: 'messages', deliveries })
  }
}
