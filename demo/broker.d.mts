// Types of broker.mjs, which stays plain JS so that `node demo/broker.mjs` runs without a build.

/** What clients did, as the broker saw it (broker-side publishes and `$SYS` traffic excluded). */
export interface BrokerStats {
  /** clients connected now */
  connected: number
  /** CONNECTs accepted since the last reset */
  connects: number
  /** ids of the clients connected now */
  clients: string[]
  /** every subscription of every SUBSCRIBE received, in order */
  subscribes: Array<{ clientId: string; filter: string; qos: number; at: number }>
  /** every filter of every UNSUBSCRIBE received, in order */
  unsubscribes: Array<{ clientId: string; filter: string; at: number }>
  /** PUBLISH packets received from clients */
  published: number
}

export interface BrokerPublishOptions {
  qos?: 0 | 1 | 2
  retain?: boolean
}

export interface AedesBroker {
  /** `ws://host:port`; any path is accepted */
  readonly url: string
  readonly port: number
  /** false between stop() and start() */
  readonly listening: boolean
  stats(): BrokerStats
  resetStats(): void
  /** Stops listening and drops every connection, like a crash; retained messages survive. */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
  publish(topic: string, payload: string | Buffer, opts?: BrokerPublishOptions): Promise<void>
  close(): Promise<void>
}

export function startAedesBroker(options?: {
  port?: number
  host?: string
  controlPort?: number
  /** When given, only clients that present these may connect (others get CONNACK 4). */
  credentials?: { username: string; password: string }
}): Promise<AedesBroker>
