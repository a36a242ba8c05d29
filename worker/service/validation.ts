// What a tab sends is checked again in the worker: the tab validated already, but checking again
// costs little and keeps a stale or hostile tab from making the broker drop the connection that
// every tab shares. Each function returns a clean copy or throws a HubError.
import { DEFAULTS } from '../../src/defaults.ts'
import { HubError } from '../../src/errors.ts'
import {
  checkExclusive, checkLinger, checkMqttOptions, checkName, checkOutboxLimits, checkPayload, checkQos, checkQueueLimits, checkReconnectOptions, checkTimeout,
  checkUrls, checkMaxIncomingPacket,
} from '../../src/options.ts'
import { type OpenRequest, PROTOCOL_VERSION, type PublishRequest, type RequestRequest, type SubscriptionSpec } from '../../src/protocol.ts'
import type { QueueLimits } from '../../src/public-types.ts'
import { validateTopicFilter, validateTopicName } from '../../src/topic.ts'
import type { SessionConfig } from '../session/session.ts'
import { checkMessageProperties, checkSubscriptionOptions } from './mqtt5-options.ts'

export interface CheckedOpen {
  name: string
  config: SessionConfig
  queue: QueueLimits
  lingerMs: number
}

export function checkOpen(request: OpenRequest): CheckedOpen {
  if (request.protocol !== PROTOCOL_VERSION) {
    throw new HubError('WORKER_UNAVAILABLE', `The hub worker speaks protocol ${PROTOCOL_VERSION}, this tab ${request.protocol}: reload the page`)
  }
  return {
    name: checkName(request.name),
    config: {
      urls: checkUrls(request.url),
      maxIncomingPacketBytes: checkMaxIncomingPacket(request.maxIncomingPacketBytes),
      minSubscriptionQos: checkQos(request.minSubscriptionQos),
      mqtt: checkMqttOptions(request.mqtt),
      reconnect: checkReconnectOptions(request.reconnect),
      outbox: checkOutboxLimits(request.outbox),
    },
    queue: checkQueueLimits(request.queue),
    lingerMs: checkLinger(request.lingerMs),
  }
}

export function checkSpec(spec: SubscriptionSpec): SubscriptionSpec {
  validateTopicFilter(spec.filter)
  if (!Number.isInteger(spec.id)) throw new HubError('INVALID_OPTIONS', 'Subscription id must be an integer')
  const exclusive = spec.exclusive && checkExclusive({ ...spec.exclusive, exclusive: true }, spec.filter)
  const options = spec.options && checkSubscriptionOptions({ ...spec.options })
  return { id: spec.id, filter: spec.filter, qos: checkQos(spec.qos), ...(exclusive && { exclusive }), ...(options && { options }) }
}

export function checkPublish(request: PublishRequest): PublishRequest {
  validateTopicName(request.topic)
  const payload = checkPayload(request.payload)
  if (typeof request.retain !== 'boolean') throw new HubError('INVALID_OPTIONS', 'retain must be a boolean')
  const properties = checkMessageProperties(request.properties)
  return { topic: request.topic, payload, qos: checkQos(request.qos), retain: request.retain, ...(properties && { properties }) }
}

export function checkRequest(request: RequestRequest): RequestRequest {
  validateTopicName(request.topic)
  const payload = checkPayload(request.payload)
  const properties = checkMessageProperties(request.properties)
  if (properties?.responseTopic !== undefined || properties?.correlationData !== undefined) {
    throw new HubError('INVALID_OPTIONS', 'request() sets the response topic and correlation data itself')
  }
  const timeoutMs = checkTimeout(request.timeoutMs, 'timeout', DEFAULTS.requestTimeoutMs)
  return { topic: request.topic, payload, qos: checkQos(request.qos), timeoutMs, ...(properties && { properties }) }
}
