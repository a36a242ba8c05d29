export { createHub } from './hub.ts'
export type { Hub, HubMode, HubOptions, MessageHandler, MessageStreamOptions, PublishOptions, SubscribeOptions, Subscription } from './types.ts'
export type { HubEventListener, HubEventOf } from './events.ts'
export type { HubMessageStream } from './message-stream.ts'
export type { RequestOptions, RespondOptions } from './request.ts'
export { readyAll } from './ready.ts'
export type { HubMessage } from './message.ts'
export { HubError, isHubError, type HubErrorCode } from './errors.ts'
export { topicMatches, validateTopicFilter, validateTopicName } from './topic.ts'
export type {
  Balance, DeliveryMetrics, ExclusiveMetrics, HubEvent, HubEventType, HubInspection, HubMetrics, HubStatus, MessageProperties, QueueLimits,
  SessionSummary, SubscriptionOptions, TrafficMetrics, InspectedFilter, InspectedTab, MqttConnectOptions, OutboxLimits, QoS, ReconnectOptions,
  SessionMetrics, WillMessage, MqttProperties, WireError,
} from './protocol.ts'
