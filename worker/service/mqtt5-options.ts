// Checks of MQTT 5 options (PUBLISH properties, subscription options). In the worker only: they keep the tab bundle small,
// and the tab's publish(), subscribe() and request() are asynchronous anyway, so a bad option rejects the same way.
import { HubError } from '../../src/errors.ts'
import { record } from '../../src/options.ts'
import type { MessageProperties, SubscriptionOptions } from '../../src/public-types.ts'
import { validateTopicName } from '../../src/topic.ts'

const fail = (message: string): never => {
  throw new HubError('INVALID_OPTIONS', message)
}

export function checkMessageProperties(value: unknown): MessageProperties | undefined {
  if (value === undefined) return undefined
  const o = record(value, 'properties')
  const known = ['payloadFormatIndicator', 'messageExpiryInterval', 'contentType', 'responseTopic', 'correlationData', 'userProperties']
  for (const key of Object.keys(o)) if (!known.includes(key)) fail(`properties.${key} is not a supported PUBLISH property`)
  if (o.payloadFormatIndicator !== undefined && typeof o.payloadFormatIndicator !== 'boolean') fail('properties.payloadFormatIndicator must be a boolean')
  const expiry = o.messageExpiryInterval
  if (expiry !== undefined && !(Number.isInteger(expiry) && (expiry as number) >= 0 && (expiry as number) <= 0xffff_ffff)) {
    fail('properties.messageExpiryInterval must be an integer number of seconds from 0 to 4294967295')
  }
  if (o.contentType !== undefined && typeof o.contentType !== 'string') fail('properties.contentType must be a string')
  // The response topic is a topic name: no wildcards [MQTT-3.3.2-14].
  if (o.responseTopic !== undefined) validateTopicName(o.responseTopic as string)
  if (o.correlationData !== undefined && !(o.correlationData instanceof Uint8Array)) fail('properties.correlationData must be a Uint8Array')
  if (o.userProperties !== undefined) {
    for (const [key, v] of Object.entries(record(o.userProperties, 'properties.userProperties'))) {
      if (typeof v !== 'string' && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
        fail(`properties.userProperties.${key} must be a string or an array of strings`)
      }
    }
  }
  return o as MessageProperties
}

export function checkSubscriptionOptions(o: Record<string, unknown>): SubscriptionOptions | undefined {
  const { noLocal, retainAsPublished, retainHandling } = o
  if (noLocal === undefined && retainAsPublished === undefined && retainHandling === undefined) return undefined
  if (noLocal !== undefined && typeof noLocal !== 'boolean') fail('noLocal must be a boolean')
  if (retainAsPublished !== undefined && typeof retainAsPublished !== 'boolean') fail('retainAsPublished must be a boolean')
  if (retainHandling !== undefined && retainHandling !== 0 && retainHandling !== 1 && retainHandling !== 2) fail('retainHandling must be 0, 1 or 2')
  return {
    ...(noLocal !== undefined && { noLocal: noLocal as boolean }),
    ...(retainAsPublished !== undefined && { retainAsPublished: retainAsPublished as boolean }),
    ...(retainHandling !== undefined && { retainHandling: retainHandling as 0 | 1 | 2 }),
  }
}
