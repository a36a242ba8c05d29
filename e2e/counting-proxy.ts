// A WebSocket proxy that reads the MQTT packets clients send on their way to a broker that has
// no counters of its own (RabbitMQ), and builds the same BrokerStats the other test brokers give.
import mqttPacket from 'mqtt-packet'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import type { BrokerStats } from '../demo/broker.mjs'

export interface CountingProxy {
  /** `ws://127.0.0.1:PORT`; every path is forwarded to the broker's own WebSocket path */
  readonly url: string
  stats(): BrokerStats
  resetStats(): void
  /** Drops every connection (the broker went away). */
  dropAll(): void
  close(): Promise<void>
}

/**
 * @param target the broker's WebSocket URL, path included (`ws://127.0.0.1:P/ws`)
 * @param isOwn client ids that belong to the test helpers and are left out of the stats
 */
export async function startCountingProxy(target: string, isOwn: (clientId: string) => boolean): Promise<CountingProxy> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const live = new Map<WebSocket, string>()
  let counts = { connects: 0, published: 0 }
  let subscribes: BrokerStats['subscribes'] = []
  let unsubscribes: BrokerStats['unsubscribes'] = []

  server.on('connection', (client, request) => {
    const protocol = request.headers['sec-websocket-protocol']?.split(',')[0]?.trim()
    const upstream = new WebSocket(target, protocol ? [protocol] : [])
    const waiting: RawData[] = []
    let clientId: string | null = null
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connect') {
        clientId = packet.clientId // the parser itself switches to the CONNECT's protocol version
        return
      }
      if (clientId === null || isOwn(clientId)) return
      const at = Date.now()
      if (packet.cmd === 'publish') counts.published++
      else if (packet.cmd === 'subscribe') {
        for (const s of packet.subscriptions) subscribes.push({ clientId, filter: s.topic, qos: s.qos, at })
      } else if (packet.cmd === 'unsubscribe') {
        for (const filter of packet.unsubscriptions) unsubscribes.push({ clientId, filter, at })
      }
    })
    // The broker's CONNACK says whether the connection counts: a refused one never did.
    const brokerParser = mqttPacket.parser({ protocolVersion: 4 })
    brokerParser.on('packet', (packet) => {
      if (packet.cmd !== 'connack' || clientId === null || isOwn(clientId)) return
      if ((packet.returnCode ?? packet.reasonCode ?? 0) !== 0) return
      live.set(client, clientId)
      counts.connects++
    })
    const toBuffer = (data: RawData): Buffer => Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    client.on('message', (data) => {
      const bytes = toBuffer(data)
      parser.parse(bytes)
      if (upstream.readyState === WebSocket.OPEN) upstream.send(bytes)
      else if (upstream.readyState === WebSocket.CONNECTING) waiting.push(bytes)
    })
    upstream.on('message', (data) => {
      const bytes = toBuffer(data)
      brokerParser.parse(bytes)
      if (client.readyState === WebSocket.OPEN) client.send(bytes)
    })
    upstream.on('open', () => {
      for (const data of waiting.splice(0)) upstream.send(data)
    })
    const closeBoth = (): void => {
      live.delete(client)
      client.terminate()
      upstream.terminate()
    }
    for (const socket of [client, upstream]) {
      socket.on('close', closeBoth)
      socket.on('error', closeBoth)
    }
  })

  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `ws://127.0.0.1:${port}`,
    stats: () => {
      const clients = [...live.values()]
      return {
        connected: clients.length,
        connects: counts.connects,
        clients,
        subscribes: subscribes.map((s) => ({ ...s })),
        unsubscribes: unsubscribes.map((u) => ({ ...u })),
        published: counts.published,
      }
    },
    resetStats: () => {
      counts = { connects: 0, published: 0 }
      subscribes = []
      unsubscribes = []
    },
    dropAll: () => {
      for (const socket of server.clients) socket.terminate()
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of server.clients) socket.terminate()
      server.close(() => resolve())
    }),
  }
}
