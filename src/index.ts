export { createHub } from './hub.ts'
export type { Hub, HubMode, HubOptions, MessageHandler, PublishOptions, SubscribeOptions, Subscription } from './types.ts'
export type { HubMessage } from './message.ts'
export { HubError, isHubError, type HubErrorCode } from './errors.ts'
export { topicMatches, validateTopicFilter, validateTopicName } from './topic.ts'
export type {
  Balance, ExclusiveMetrics, HubInspection, HubStatus, InspectedFilter, InspectedTab, MqttConnectOptions, OutboxLimits, QoS, ReconnectOptions, SessionMetrics, WillMessage,
} from './protocol.ts'
