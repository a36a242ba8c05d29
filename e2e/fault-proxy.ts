// A WebSocket proxy in front of a real broker that can misbehave the way networks and overloaded
// brokers do: add latency, or go silent while keeping the connection open (a hung broker, a dead
// NAT mapping), so that only MQTT's keepalive can notice.
import { WebSocket, WebSocketServer, type RawData } from 'ws'

export interface FaultProxy {
  /** `ws://127.0.0.1:PORT`: give this to the hub instead of the broker's URL. */
  url: string
  /** Connections accepted so far: each is one connection attempt of a client. */
  readonly connections: number
  /** Every frame, both ways, is held this long before it is forwarded. */
  delay(ms: number): void
  /** While on, nothing is forwarded either way and nothing is closed: the broker seems to hang. */
  silence(on: boolean): void
  close(): Promise<void>
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let delayMs = 0
  let silent = false
  let connections = 0
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))

  server.on('connection', (client, request) => {
    connections++
    const protocol = request.headers['sec-websocket-protocol']?.split(',')[0]?.trim()
    const upstream = new WebSocket(target, protocol ? [protocol] : [])
    const waiting: RawData[] = []
    const forward = (to: WebSocket, data: RawData): void => {
      if (silent) return // dropped, as by a hung peer: TCP stays up, nothing arrives
      const send = (): void => {
        if (to.readyState === WebSocket.OPEN) to.send(data, { binary: true })
        else if (to === upstream && to.readyState === WebSocket.CONNECTING) waiting.push(data)
      }
      if (delayMs > 0) setTimeout(send, delayMs)
      else send()
    }
    client.on('message', (data) => forward(upstream, data))
    upstream.on('message', (data) => forward(client, data))
    upstream.on('open', () => {
      for (const data of waiting.splice(0)) upstream.send(data, { binary: true })
    })
    const closeBoth = (): void => {
      client.terminate()
      upstream.terminate()
    }
    client.on('close', closeBoth)
    upstream.on('close', closeBoth)
    client.on('error', closeBoth)
    upstream.on('error', closeBoth)
  })

  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `ws://127.0.0.1:${port}`,
    get connections() {
      return connections
    },
    delay: (ms) => void (delayMs = ms),
    silence: (on) => void (silent = on),
    close: () => new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate()
      server.close(() => resolve())
    }),
  }
}
