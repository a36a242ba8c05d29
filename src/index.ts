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
  Balance, HubEvent, HubEventType, HubStatus, MessageFields, MessageProperties, MqttConnectOptions, OutboxLimits, QoS, QueueLimits, ReconnectOptions,
  SubscriptionOptions, WillMessage,
} from './public-types.ts'
export type {
  DeliveryMetrics, ExclusiveMetrics, HubInspection, HubMetrics, InspectedFilter, InspectedTab, SessionMetrics, SessionSummary, TrafficMetrics,
} from './reports.ts'
