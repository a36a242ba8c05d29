// The demo broker's HTTP control API (demo/broker.mjs, 127.0.0.1 only). Not part of mqtt-hub:
// it lets the page stop and start the broker, read its own counts and fire bursts.

/** What the broker says about its clients (see demo/broker.d.mts). */
export interface BrokerCounts {
  connected: number
  connects: number
  clients: string[]
  subscribes: Array<{ clientId: string; filter: string; qos: number }>
  published: number
  /** The broker accepts connections (false between stop and start). */
  listening: boolean
}

export class BrokerControl {
  constructor(readonly base: string) {}

  /** `?control=` is a port on 127.0.0.1 or a full http(s) URL. */
  static fromParam(value: string): BrokerControl {
    return new BrokerControl(/^\d+$/.test(value) ? `http://127.0.0.1:${value}` : value.replace(/\/+$/, ''))
  }

  stats(): Promise<BrokerCounts> {
    return this.call('GET', '/stats')
  }

  stop(): Promise<unknown> {
    return this.call('POST', '/stop')
  }

  start(): Promise<unknown> {
    return this.call('POST', '/start')
  }

  /** `count` messages whose payloads are `payload0`, `payload1`, …, published by the broker itself. */
  burst(topic: string, payload: string, count: number): Promise<{ published: number }> {
    return this.call('POST', '/publish', { topic, payload, qos: 0, count })
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      })
    } catch (error) {
      throw new Error(`The demo broker's control API at ${this.base} is unreachable (${(error as Error).message})`)
    }
    const data = await response.json() as T & { error?: string }
    if (!response.ok) throw new Error(data.error ?? `${method} ${path}: HTTP ${response.status}`)
    return data
  }
}
