import type { Delivery, TabEvent, WorkerEvent } from '../src/protocol.ts'
import type { ExclusiveGroup, Member } from './exclusive-group.ts'
import type { TabSubscription } from './subscription-registry.ts'

/** A tab's subscription; an exclusive one is a member of its group instead of a registry entry. */
export interface TabSub extends TabSubscription<TabClient> {
  exclusive?: { group: ExclusiveGroup; member: Member }
}

/**
 * One Hub instance of one tab, as the worker sees it. Messages for it are queued and posted in
 * one batch per macrotask: one postMessage per message costs about 2.5 times as much.
 */
export class TabClient {
  readonly subs = new Map<number, TabSub>()
  private queue: Delivery[] = []
  private flushScheduled = false
  /** Set by the session: an exclusive handler of this tab finished. */
  onSettled: (sub: TabSub, job: number, failed: boolean) => void = () => {}

  constructor(private readonly events: MessagePort) {
    events.onmessage = (event: MessageEvent<TabEvent>) => {
      const { sub, job, error } = event.data
      const found = this.subs.get(sub)
      if (found) this.onSettled(found, job, error !== undefined)
    }
  }

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
