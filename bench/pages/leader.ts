// The leader baseline most apps adopt: the `broadcast-channel` package elects one tab (over Web
// Locks where the browser has them); that tab alone holds an MQTT.js connection and relays every
// message to the other tabs over a BroadcastChannel, and only it runs non-idempotent handlers.
// When the leader closes, the next tab in line takes the lock, connects and subscribes.
import { BroadcastChannel as ElectionChannel, createLeaderElection } from 'broadcast-channel'
import mqtt, { type MqttClient } from 'mqtt'
import { callRecord, closedTabCalls, exposeBenchPage, type Transport } from './bench-page.ts'
import type { ExclusiveCall } from './election.ts'

type Relayed =
  | { type: 'message'; payload: Uint8Array }
  /** The leader holds a subscription to `filter`: a tab waiting in subscribe() may go on. */
  | { type: 'subscribed'; filter: string }
  /** A new tab asks which filters the leader holds. */
  | { type: 'ask' }
  | { type: 'publish'; topic: string; payload: Uint8Array; qos: 0 | 1 }

const elector = createLeaderElection(new ElectionChannel('bench-leader'))
const relay = new BroadcastChannel('bench-leader-relay')
let url = ''
let client: MqttClient | undefined
let filter: string | undefined
let subscribed = false
let handler: (payload: Uint8Array) => void = () => {}
const waiting: Array<() => void> = []
const calls: ExclusiveCall[] = []
const record = callRecord(calls)
let firstSeq: number | null = null
let now: () => number = () => 0

const post = (message: Relayed): void => relay.postMessage(message)

function heldByLeader(): void {
  for (const resolve of waiting.splice(0)) resolve()
}

async function lead(): Promise<void> {
  client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 15_000 })
  client.on('message', (_topic, payload) => {
    handler(payload)
    post({ type: 'message', payload })
  })
  if (filter !== undefined) await holdSubscription(filter)
}

async function holdSubscription(f: string): Promise<void> {
  await client!.subscribeAsync(f, { qos: 0 })
  subscribed = true
  post({ type: 'subscribed', filter: f })
  heldByLeader()
}

relay.onmessage = (event: MessageEvent<Relayed>) => {
  const data = event.data
  if (data.type === 'message') handler(data.payload)
  else if (data.type === 'subscribed') { if (data.filter === filter) heldByLeader() }
  else if (data.type === 'ask') { if (subscribed && filter !== undefined) post({ type: 'subscribed', filter }) }
  else if (elector.isLeader) void client?.publishAsync(data.topic, data.payload as Buffer, { qos: data.qos })
}

// The package's own clean-up: a closing leader lets the next tab take over at once.
addEventListener('pagehide', () => void elector.die())

const transport: Transport = {
  async connect(brokerUrl) {
    url = brokerUrl
    void elector.awaitLeadership().then(lead)
  },
  subscribe(f, onPayload) {
    filter = f
    handler = onPayload
    const held = new Promise<void>((resolve) => waiting.push(resolve))
    if (client) void holdSubscription(f)
    else post({ type: 'ask' })
    return held
  },
  async publish(topic, payload, qos) {
    if (elector.isLeader && client) await client.publishAsync(topic, payload as Buffer, { qos })
    else post({ type: 'publish', topic, payload, qos })
  },
}

exposeBenchPage(
  transport,
  {
    isLeader: () => elector.isLeader,
    exclusiveCalls: () => calls,
    closedTabCalls,
    firstSeq: () => firstSeq,
  },
  (_payload, seq) => {
    firstSeq ??= seq
    if (elector.isLeader) record({ seq, at: now(), sinceLoad: performance.now() })
  },
)
now = window.bench.now
