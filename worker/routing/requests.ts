import type { IPublishPacket } from 'mqtt'
import { HubError } from '../../src/errors.ts'
import type { Delivery, PublishRequest, RequestRequest } from '../../src/protocol.ts'
import type { MessageProperties } from '../../src/public-types.ts'
import type { InboundMessage, MessageSubscriber } from './subscriber.ts'
import type { RoutedSubscription } from './subscription-registry.ts'

/** The PUBLISH properties a tab sees: the broker's subscription identifiers and topic aliases are the worker's business. */
export function receivedProperties(properties: IPublishPacket['properties']): MessageProperties | undefined {
  if (!properties) return undefined
  const { payloadFormatIndicator, messageExpiryInterval, contentType, responseTopic, correlationData, userProperties } = properties
  const picked: MessageProperties = {
    ...(payloadFormatIndicator !== undefined && { payloadFormatIndicator }),
    ...(messageExpiryInterval !== undefined && { messageExpiryInterval }),
    ...(contentType !== undefined && { contentType }),
    ...(responseTopic !== undefined && { responseTopic }),
    // A compact copy, as for payloads: a Buffer may be a view into the whole frame.
    ...(correlationData !== undefined && { correlationData: new Uint8Array(correlationData) }),
    ...(userProperties !== undefined && { userProperties: userProperties as Record<string, string | string[]> }),
  }
  return Object.keys(picked).length > 0 ? picked : undefined
}

interface Pending {
  resolve(reply: Delivery): void
  reject(error: HubError): void
  timer: ReturnType<typeof setTimeout>
}

/** What the request helper needs from its session. */
export interface RequestSession {
  readonly clientId: string
  readonly protocolVersion: 4 | 5
  /** Subscribes the reply topic for the requests (counted like a tab's subscription). */
  subscribe(sub: RoutedSubscription): Promise<void>
  publish(request: PublishRequest): Promise<unknown>
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/**
 * MQTT 5 request/response for every tab of a session: one reply topic per connection, subscribed
 * at the first request and kept; each request gets random correlation data, and its answer
 * goes back to the requesting tab alone (as the result of its call) [MQTT-4.10].
 */
export class Requests implements MessageSubscriber {
  private readonly pending = new Map<string, Pending>()
  private replySubscribed: Promise<void> | null = null

  constructor(private readonly session: RequestSession) {}

  get replyTopic(): string {
    return `mqtt-hub/replies/${this.session.clientId}`
  }

  async request(request: RequestRequest): Promise<Delivery> {
    if (this.session.protocolVersion !== 5) {
      throw new HubError('MQTT5_REQUIRED', 'request() needs MQTT 5 (response topic and correlation data); open the hub with mqtt.protocolVersion 5')
    }
    this.replySubscribed ??= this.session.subscribe({ subscriber: this, id: 0, filter: this.replyTopic, qos: 1 }).catch((error: unknown) => {
      this.replySubscribed = null // the next request tries again
      throw error
    })
    await this.replySubscribed
    const correlationData = crypto.getRandomValues(new Uint8Array(16))
    const key = hex(correlationData)
    const answered = new Promise<Delivery>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key)
        reject(new HubError('TIMEOUT', `No answer to the request on "${request.topic}" within ${request.timeoutMs} ms`))
      }, request.timeoutMs)
      this.pending.set(key, { resolve, reject, timer })
    })
    const properties = { ...request.properties, responseTopic: this.replyTopic, correlationData }
    try {
      await this.session.publish({ topic: request.topic, payload: request.payload, qos: request.qos, retain: false, properties })
    } catch (error) {
      const pending = this.pending.get(key)
      clearTimeout(pending?.timer)
      this.pending.delete(key)
      throw error
    }
    return answered
  }

  /** A message on the reply topic: the answer to one pending request, or a late one (dropped). */
  receive(message: InboundMessage): void {
    const data = message.properties?.correlationData
    const key = data && hex(data)
    const pending = key === undefined ? undefined : this.pending.get(key)
    if (!pending) return
    clearTimeout(pending.timer)
    this.pending.delete(key!)
    const { topic, payload, qos, retain, properties } = message
    pending.resolve({ subs: [], topic, payload, qos, retain, ...(properties && { properties }) })
  }

  close(): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer)
      pending.reject(new HubError('CLOSED', 'The session closed before the answer came'))
    }
    this.pending.clear()
  }
}
