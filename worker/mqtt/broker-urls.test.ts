// `url` as a list (a cluster's nodes): each failed attempt or lost connection moves the next
// attempt to the next URL, round again, with the reconnect backoff. Against a real aedes through
// in-memory streams; a "down" node is a stream that closes at once.
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { streamPair } from '../../test/support/memory-stream.ts'
import { PacketIds } from '../session/packet-ids.ts'
import { BrokerConnection, type ConnectionListener, type Transport } from './broker-connection.ts'

const RECONNECT = { minDelayMs: 5, maxDelayMs: 5, factor: 1, jitter: 0, stableAfterMs: 1_000 }

let broker: Aedes
let connection: BrokerConnection | undefined
beforeEach(async () => { broker = await Aedes.createBroker() })
afterEach(async () => {
  await connection?.close()
  await new Promise<void>((resolve) => broker.close(() => resolve()))
})

describe('BrokerConnection with several URLs', () => {
  it('moves to the next URL after a failed attempt, and to the next again after a lost connection', async () => {
    const attempts: string[] = []
    const down = new Set(['ws://node-a.test/mqtt'])
    let live: { destroy(): void } | undefined
    const transport: Transport = (url, options) => {
      attempts.push(new URL(url).host)
      const [clientSide, brokerSide] = streamPair()
      live = clientSide
      if (down.has(url)) queueMicrotask(() => clientSide.destroy()) // refused: the socket closes at once
      else broker.handle(brokerSide)
      return new mqtt.MqttClient(() => clientSide, options)
    }
    const events: string[] = []
    const listener: ConnectionListener = {
      statusChanged: (status) => events.push(status),
      connected: () => events.push('CONNACK'),
      disconnected: () => {},
      unsubscribeAcked: () => {},
      message: () => {},
      subscribeAcked: () => {},
      publishAcked: () => {},
    }
    const urls = ['ws://node-a.test/mqtt', 'ws://node-b.test/mqtt', 'ws://node-c.test/mqtt']
    connection = new BrokerConnection({ urls, maxIncomingPacketBytes: 1 << 20 }, { protocolVersion: 4, clientId: 'cluster-client' }, RECONNECT, listener, new PacketIds(), transport)
    connection.start()
    await expect.poll(() => connection!.isConnected).toBe(true)
    expect(attempts).toEqual(['node-a.test', 'node-b.test'])
    expect(connection.displayUrl).toBe('ws://node-b.test/mqtt')

    // node b goes away: the next attempt goes to c.
    down.add('ws://node-b.test/mqtt')
    live!.destroy() // the connection to b is lost
    await expect.poll(() => attempts.length).toBe(3)
    await expect.poll(() => connection!.isConnected).toBe(true)
    expect(attempts).toEqual(['node-a.test', 'node-b.test', 'node-c.test'])
    expect(connection.displayUrl).toBe('ws://node-c.test/mqtt')
    expect(events.filter((e) => e === 'CONNACK')).toHaveLength(2)
  })
})
