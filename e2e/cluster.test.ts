// The two-node test cluster shares what a cluster must share for a client to move between its
// nodes: message routing, and persistent sessions with their subscriptions and queued messages.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { startCluster, type BrokerCluster } from './cluster.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

describe('two-node aedes cluster (shared Redis)', () => {
  let cluster: BrokerCluster
  let clients: MqttClient[] = []
  let n = 0
  const fresh = () => `cluster${Date.now()}x${++n}`

  beforeAll(async () => { cluster = await startCluster() })
  afterAll(() => cluster?.close())
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)))
    clients = []
    for (const i of [0, 1]) await cluster.start(i)
  })

  function connect(url: string, clientId: string, clean = true): Promise<MqttClient> & { client: MqttClient } {
    const client = mqtt.connect(url, { clientId, clean, reconnectPeriod: 0, connectTimeout: 5000 })
    clients.push(client)
    const connack = new Promise<MqttClient>((resolve, reject) => {
      client.once('connect', () => resolve(client))
      client.once('error', reject)
    })
    return Object.assign(connack, { client })
  }

  it('routes a message published on one node to a subscriber on the other', async () => {
    const t = fresh()
    const sub = await connect(cluster.urls[1]!, 'route-sub')
    const received: string[] = []
    sub.on('message', (_topic, payload) => received.push(payload.toString()))
    await sub.subscribeAsync(`${t}/#`, { qos: 1 })
    const pub = await connect(cluster.urls[0]!, 'route-pub')
    for (let i = 0; i < 20; i++) await pub.publishAsync(`${t}/x`, `m${i}`, { qos: 1 })
    await waitFor(() => received.length === 20, '20 messages')
    expect(received).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`))
  })

  it('moves a persistent session: after its node is killed, the other node has it (sessionPresent) with its subscription and queued messages', async () => {
    const t = fresh()
    const first = await connect(cluster.urls[0]!, 'mover', false)
    await first.subscribeAsync(`${t}/q`, { qos: 1 })
    await first.endAsync()
    const pub = await connect(cluster.urls[1]!, 'mover-pub')
    for (let i = 0; i < 5; i++) await pub.publishAsync(`${t}/q`, `queued${i}`, { qos: 1 })
    await cluster.kill(0)

    const pending = connect(cluster.urls[1]!, 'mover', false)
    const received: string[] = []
    pending.client.on('message', (_topic, payload) => received.push(payload.toString()))
    const sessionPresent = new Promise<boolean>((resolve) => pending.client.once('connect', (connack) => resolve(connack.sessionPresent)))
    await pending
    expect(await sessionPresent).toBe(true)
    await waitFor(() => received.length === 5, 'the 5 queued messages')
    expect(received).toEqual(['queued0', 'queued1', 'queued2', 'queued3', 'queued4'])
  })
})
