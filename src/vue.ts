// mqtt-hub/vue: a composable for Vue 3 apps, shaped like the `useMQTT` that elected a leader tab
// over BroadcastChannel (seed 000): same calls, but one connection for every tab, and a
// non-idempotent callback runs in one tab by the hub's exclusive handlers, with no election.
// Only this entry imports vue: tabs that use the main entry never load it.
import { computed, getCurrentScope, inject, onScopeDispose, shallowReadonly, shallowRef, type App, type InjectionKey, type Ref } from 'vue'
import { HubError } from './errors.ts'
import { createHub } from './hub.ts'
import type { HubMessage } from './message.ts'
import type { HubStatus, QoS } from './public-types.ts'
import type { Hub, HubOptions, PublishOptions, Subscription } from './types.ts'

/** The injection key under which `createMqttHub()` provides the hub to the app. */
export const mqttHubKey: InjectionKey<Hub> = Symbol('mqtt-hub')

/** What `createMqttHub()` returns: a Vue plugin that provides its hub. */
export interface MqttHubPlugin {
  /** The hub the plugin provides. */
  readonly hub: Hub
  /** Called by `app.use()`. */
  install(app: App): void
}

/** `app.use(createMqttHub({ url }))`: one hub for the app, found by every `useMqtt()` of its components. */
export function createMqttHub(hubOrOptions: Hub | HubOptions): MqttHubPlugin {
  const hub = isHub(hubOrOptions) ? hubOrOptions : createHub(hubOrOptions)
  return { hub, install: (app) => void app.provide(mqttHubKey, hub) }
}

/** Options of {@link useMqtt}. */
export interface UseMqttOptions {
  /** The hub to use; default: the one `createMqttHub()` provided to the app. */
  hub?: Hub
  /** Default 1. */
  qos?: QoS
  /** Subscribe at once (default true); false: call `subscribe()` yourself. */
  immediate?: boolean
  /**
   * Default true: every tab's callbacks run for every message. false: the callbacks have side
   * effects that must happen once (a notification, a write to a server): each message runs them
   * in exactly one live tab (an exclusive subscription, see the hub's `subscribe()`).
   */
  idempotent?: boolean
  /** Non-idempotent only: subscriptions of one group share the work. Default: the topic. */
  group?: string
}

/** The payload as JSON when it parses, else as text (as `useMQTT` gave it), and the message itself. */
export type MqttMessageCallback = (data: unknown, message: HubMessage) => void | Promise<void>

/** What {@link useMqtt} returns. */
export interface UseMqtt {
  /** The shared connection's status, reactive. */
  status: Readonly<Ref<HubStatus>>
  /** Subscribes to the topic (done at once unless `immediate: false`); resolves once the broker granted it. */
  subscribe(): Promise<void>
  /** Adds a callback for the topic's messages; returns a function that removes it. */
  onMessage(callback: MqttMessageCallback): () => void
  /** Done for you when the component (or effect scope) that called `useMqtt` goes away. */
  unsubscribe(): Promise<void>
  /** Publishes to the composable's topic, or to `topic`; objects are sent as JSON. QoS defaults to the composable's. */
  publish(payload: string | Uint8Array | object, topic?: string, options?: PublishOptions): Promise<void>
  /** Resolves once connected (the hub connects by itself; this waits for it). */
  connect(timeoutMs?: number): Promise<void>
  /** Closes the hub in this tab: every composable of the tab that uses it stops. */
  disconnect(): Promise<void>
}

/**
 * A composable for one topic (or filter) of the app's hub: its status, its messages and publishing
 * to it. Subscribes at once (unless `immediate: false`) and unsubscribes when the component or
 * effect scope goes away. With `idempotent: false` each message runs the callbacks in one live tab.
 */
export function useMqtt(topic: string, options: UseMqttOptions = {}): UseMqtt {
  const hub = options.hub ?? (getCurrentScope() ? inject(mqttHubKey, null) : null)
  if (!hub) throw new HubError('INVALID_OPTIONS', 'useMqtt needs a hub: app.use(createMqttHub({ url })) or useMqtt(topic, { hub })')
  const qos = options.qos ?? 1
  const exclusive = options.idempotent === false
  const callbacks = new Set<MqttMessageCallback>()
  const status = shallowRef(hub.status)
  const stopStatus = hub.onStatus((next) => (status.value = next))
  let subscription: Promise<Subscription> | null = null

  // A non-idempotent job is done once every callback settled: only then may the hub consider it handled.
  const handle = async (message: HubMessage): Promise<void> => {
    const data = decode(message)
    await Promise.all([...callbacks].map((callback) => callback(data, message)))
  }

  const api: UseMqtt = {
    status: shallowReadonly(status),
    subscribe: async () => {
      subscription ??= hub.subscribe(topic, handle, { qos, ...(exclusive && { exclusive, ...(options.group && { group: options.group }) }) })
      try {
        await subscription
      } catch (error) {
        subscription = null
        throw error
      }
    },
    onMessage: (callback) => {
      callbacks.add(callback)
      return () => callbacks.delete(callback)
    },
    unsubscribe: async () => {
      const current = subscription
      subscription = null
      await (await current?.catch(() => null))?.unsubscribe()
    },
    publish: (payload, to = topic, publishOptions = {}) => {
      const bytes = typeof payload === 'string' || payload instanceof Uint8Array ? payload : JSON.stringify(payload)
      return hub.publish(to, bytes, { qos, ...publishOptions })
    },
    connect: (timeoutMs) => hub.ready(timeoutMs),
    disconnect: () => hub.close(),
  }

  if (options.immediate !== false) api.subscribe().catch((error: unknown) => globalThis.reportError(error))
  if (getCurrentScope()) {
    onScopeDispose(() => {
      stopStatus()
      callbacks.clear()
      api.unsubscribe().catch(() => {}) // the hub may be closed already
    })
  }
  return api
}

function decode(message: HubMessage): unknown {
  const text = message.text()
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function isHub(value: Hub | HubOptions): value is Hub {
  return typeof (value as Partial<Hub>).subscribe === 'function'
}

/**
 * Options of {@link useMQTT}, as the leader-electing composable took them. As there, an options
 * object replaces the default `{ immediate: true, isIdempotent: true, qos: 1 }` as a whole: a key
 * left out is false.
 */
export interface UseMQTTOption {
  /** Subscribe at once. */
  immediate?: boolean
  /** false: each message runs the callbacks in exactly one live tab (an exclusive subscription). */
  isIdempotent?: boolean
  /** Default 1. */
  qos?: QoS
  /** The hub to use; default: the one `createMqttHub()` provided to the app. */
  hub?: Hub
}

/** What {@link useMQTT} returns: the leader-electing composable's shape, with callbacks in its style. */
export interface UseMQTT {
  /** 'connected' while the shared connection is up, else 'disconnected'. */
  status: Readonly<Ref<'connected' | 'disconnected'>>
  /** A random id of this composable. */
  id: string
  /** Waits for the connection (the hub connects by itself). */
  connect(): void
  /** Closes the hub in this tab. */
  disconnect(): void
  /** Subscribes; `callback(error)` with `null` once the broker granted it. */
  subscribe(callback?: (error: HubError | null) => void): void
  /** Adds a callback for the topic's messages: the payload parsed as JSON, else its text. */
  onMessage(callback: MqttMessageCallback): void
  /** Unsubscribes; `callback(error)` once done. Done for you at unmount. */
  unsubscribe(callback?: (error?: HubError) => void): void
  /** Publishes with the composable's QoS; `callback(error)` at the ack. */
  publish(message: string | Uint8Array, topic?: string, callback?: (error?: HubError) => void): void
}

/**
 * `useMqtt` under the name, options and return shape of the `useMQTT` composable that elected a
 * leader tab over BroadcastChannel, so that code written for it runs unchanged on the hub: one
 * connection for every tab, and `isIdempotent: false` callbacks run once per message with no election.
 */
export function useMQTT(topic: string, option: UseMQTTOption = { immediate: true, isIdempotent: true, qos: 1 }): UseMQTT {
  if (!topic) throw new HubError('INVALID_TOPIC_FILTER', 'useMQTT needs a topic (the first argument is empty)')
  const mqtt = useMqtt(topic, {
    immediate: option.immediate === true,
    idempotent: option.isIdempotent === true,
    qos: option.qos ?? 1,
    ...(option.hub && { hub: option.hub }),
  })
  const status = computed(() => (mqtt.status.value === 'connected' ? 'connected' : 'disconnected'))
  const settle = <E>(done: ((error: E) => void) | undefined, none: E) => [() => done?.(none), (error: unknown) => (done ? done(error as E) : globalThis.reportError(error))] as const
  return {
    status,
    id: crypto.randomUUID(),
    connect: () => void mqtt.connect().catch(() => {}), // the status tells
    disconnect: () => void mqtt.disconnect(),
    subscribe: (callback) => void mqtt.subscribe().then(...settle(callback, null)),
    onMessage: (callback) => void mqtt.onMessage(callback),
    unsubscribe: (callback) => void mqtt.unsubscribe().then(...settle(callback, undefined)),
    publish: (message, to = topic, callback) => void mqtt.publish(message, to).then(...settle(callback, undefined)),
  }
}
