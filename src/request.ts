// MQTT 5 request/response in the tab. The worker checks the request (topic, QoS, properties, MQTT 5) and does the rest.
import { HubError } from './errors.ts'
import type { HubMessage } from './message.ts'
import type { MessageProperties, QoS } from './public-types.ts'

export interface RequestOptions {
  /** QoS of the request. Default 0. */
  qos?: QoS
  /** Milliseconds to wait for the answer before rejecting with 'TIMEOUT'. Default 10000. */
  timeout?: number
  /** Further PUBLISH properties; the hub sets the response topic and correlation data. */
  properties?: Omit<MessageProperties, 'responseTopic' | 'correlationData'>
}

export interface RespondOptions {
  qos?: QoS
  properties?: Omit<MessageProperties, 'responseTopic' | 'correlationData'>
}


/** The answer to `request` goes to its response topic, with its correlation data [MQTT-4.10]. */
export function responseTo(request: HubMessage, properties: MessageProperties = {}): { topic: string; properties: MessageProperties } {
  const topic = request?.properties?.responseTopic
  if (topic === undefined) throw new HubError('NO_RESPONSE_TOPIC', `The message on "${String(request?.topic)}" has no response topic: it is not an MQTT 5 request`)
  const correlationData = request.properties!.correlationData
  return { topic, properties: { ...properties, ...(correlationData && { correlationData }) } }
}
