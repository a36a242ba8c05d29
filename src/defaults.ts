import type { ExclusiveSpec, OutboxLimits, QueueLimits, ReconnectOptions } from './public-types.ts'

/** Every default of the hub, in one place: what an option is when the app leaves it out. Times in milliseconds. */
export const DEFAULTS = {
  /** Connection name: tabs with one name share one connection. */
  name: 'default',
  /** Backoff `minDelayMs * factor ** attempt`, capped, ±jitter/2, reset after a stable connection. */
  reconnect: { minDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5, stableAfterMs: 10_000 } satisfies ReconnectOptions,
  outbox: { maxMessages: 10_000, maxBytes: 16 * 1024 * 1024 } satisfies OutboxLimits,
  /** A tab's queue: `maxBytes` and `maxMessages` bind a tab that stopped confirming (none for `stalledAfterMs`), `burstMaxBytes` one that reads. */
  queue: { maxMessages: 10_000, maxBytes: 8 * 1024 * 1024, burstMaxBytes: 32 * 1024 * 1024, stalledAfterMs: 3_000 } satisfies QueueLimits,
  /** The largest packet the hub takes from a broker: one fits in a stalled tab's queue (`queue.maxBytes`). */
  maxIncomingPacketBytes: 8 * 1024 * 1024,
  exclusive: { balance: 'sticky', timeoutMs: 30_000, retries: 0 } satisfies Omit<ExclusiveSpec, 'group'>,
  /** How long a connection stays after its last tab closed (a reload takes it over). */
  lingerMs: 3_000,
  /** A call to the worker that takes longer rejects with TIMEOUT. */
  callTimeoutMs: 10_000,
  readyTimeoutMs: 30_000,
  requestTimeoutMs: 10_000,
  /** Messages a `messages()` stream keeps for a slow reader. */
  streamBufferSize: 1_000,
  /** MQTT.js's CONNECT to CONNACK limit (`mqtt.connectTimeout`). */
  connectTimeoutMs: 10_000,
  /** Exclusive QoS 1/2 messages kept in IndexedDB until handled; past it, in memory only. */
  inboxLimit: 10_000,
} as const
