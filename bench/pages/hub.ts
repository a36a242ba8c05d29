// N tabs sharing one connection through mqtt-hub (the default worker, as an app would use it).
// Extras for the exclusive-handler and outbox scenarios: an exclusive subscription that records
// what it handled, and QoS 1 publishes made while the broker is away, to time their replay.
import { createHub, type Hub } from '../../src/index.ts'
import { callRecord, closedTabCalls, exposeBenchPage } from './bench-page.ts'
import type { ExclusiveCall } from './election.ts'
import { seqOf } from '../wire.mjs'

let hub: Hub | undefined
const exclusiveCalls: ExclusiveCall[] = []
const record = callRecord(exclusiveCalls)
/** Wall-clock times the hub reported 'connected'. */
const connectedAt: number[] = []
const offline = { published: 0, acked: 0, failed: 0, lastAckAt: 0 }
/** How subscribe() subscribes (the exclusive QoS 1 scenario sets it before subscribing). */
let subscribeOptions: { qos?: 0 | 1; exclusive?: boolean } = {}
/** ms since navigation start at which each step of start-up finished, for the exclusive scenario. */
const startup: Record<string, number> = { script: performance.now() }

exposeBenchPage(
  {
    async connect(url) {
      hub = createHub({ url })
      startup.created = performance.now()
      hub.onStatus((status) => { if (status === 'connected') connectedAt.push(window.bench.now()) })
      await hub.ready(15_000)
      startup.ready = performance.now()
    },
    async subscribe(filter, onPayload) {
      await hub!.subscribe(filter, (m) => onPayload(m.payload), subscribeOptions)
    },
    publish: (topic, payload, qos) => hub!.publish(topic, payload, { qos }),
  },
  {
    /** Subscribes a handler that runs in one tab of the group only (sticky: the oldest member). */
    async subscribeExclusive(filter: string) {
      await hub!.subscribe(filter, (m) => {
        record({ seq: seqOf(m.payload), at: window.bench.now(), sinceLoad: performance.now(), redelivered: m.redelivered })
      }, { exclusive: true })
      startup.subscribed = performance.now()
    },
    /** Sets how the next subscribe() subscribes. */
    subscribeWith(options: { qos?: 0 | 1; exclusive?: boolean }) {
      subscribeOptions = options
    },
    startup: () => startup,
    exclusiveCalls: () => exclusiveCalls,
    closedTabCalls,
    /** Whether QoS 1/2 publishes are kept on disk (IndexedDB) until the broker acknowledges them. */
    outboxDurable: async () => (await hub!.metrics()).outbox.durable,
    outboxDepth: async () => (await hub!.metrics()).outbox.depth,
    /** Messages the worker posted to this tab, and in how many batches. */
    delivery: async () => {
      const { delivered, batches } = (await hub!.metrics()).delivery
      return { delivered, batches }
    },
    /** Starts `count` QoS 1 publishes without waiting; offlineState() tells how they end. */
    publishWithoutWaiting(topic: string, count: number) {
      const payload = new Uint8Array(100).fill(0x72)
      for (let i = 0; i < count; i++) {
        offline.published++
        hub!.publish(topic, payload, { qos: 1 }).then(
          () => { offline.acked++; offline.lastAckAt = window.bench.now() },
          () => { offline.failed++ },
        )
      }
    },
    offlineState: () => ({ ...offline, connectedAt }),
  },
)
