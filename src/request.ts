// MQTT 5 request/response in the tab: checks the caller's input; the worker does the rest.
import { HubError } from './errors.ts'
import type { HubMessage } from './message.ts'
import { checkPayload, checkQos, checkTimeout, record } from './options.ts'
import type { MessageProperties, QoS, RequestRequest } from './protocol.ts'
import { validateTopicName } from './topic.ts'

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

export const REQUEST_TIMEOUT_MS = 10_000

const requires5 = (what: string): HubError =>
  new HubError('MQTT5_REQUIRED', `${what} needs MQTT 5 (response topic and correlation data); open the hub with mqtt: { protocolVersion: 5 }`)

export function checkRequest(topic: string, payload: unknown, options: unknown, protocolVersion: 4 | 5): RequestRequest {
  validateTopicName(topic)
  const checked = checkPayload(payload)
  const o = record(options, 'request options')
  const properties = o.properties === undefined ? undefined : (record(o.properties, 'properties') as RequestRequest['properties'])
  const timeoutMs = checkTimeout(o.timeout, 'timeout', REQUEST_TIMEOUT_MS)
  if (protocolVersion !== 5) throw requires5('request()')
  return { topic, payload: checked, qos: checkQos(o.qos), timeoutMs, ...(properties && { properties }) }
}

/** Where and how to publish the answer to `request`: its response topic, with its correlation data [MQTT-4.10]. */
export function responseTo(request: HubMessage, options: unknown, protocolVersion: 4 | 5): { topic: string; qos: QoS; properties: MessageProperties } {
  if (protocolVersion !== 5) throw requires5('respond()')
  const o = record(options, 'respond options')
  const topic = request?.properties?.responseTopic
  if (topic === undefined) throw new HubError('NO_RESPONSE_TOPIC', `The message on "${String(request?.topic)}" has no response topic: it is not a request`)
  const correlationData = request.properties!.correlationData
  const own = o.properties === undefined ? {} : record(o.properties, 'properties')
  const properties = { ...own, ...(correlationData && { correlationData }) } as MessageProperties
  return { topic, qos: checkQos(o.qos), properties }
}
