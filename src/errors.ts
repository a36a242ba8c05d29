/** Every way a hub call can fail. The code is stable API: apps switch on it. */
export type HubErrorCode =
  | 'INVALID_TOPIC_NAME'
  | 'INVALID_TOPIC_FILTER'
  | 'INVALID_QOS'
  | 'INVALID_PAYLOAD'
  | 'INVALID_OPTIONS'
  | 'INVALID_URL'
  | 'INVALID_HANDLER'
  | 'INVALID_JSON'
  | 'CLOSED'
  | 'CONFIG_MISMATCH'
  | 'WORKER_UNAVAILABLE'
  | 'TIMEOUT'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_LOST'
  | 'SESSION_BUSY'
  | 'SUBSCRIBE_REJECTED'
  | 'PUBLISH_FAILED'
  | 'OUTBOX_FULL'
  | 'NOT_SUBSCRIBED'
  | 'MESSAGES_DROPPED'

export class HubError extends Error {
  readonly code: HubErrorCode

  constructor(code: HubErrorCode, message: string) {
    super(message)
    this.name = 'HubError'
    this.code = code
  }
}

export function isHubError(value: unknown): value is HubError {
  return value instanceof HubError
}
