// mqtt-hub/vue: a composable for Vue 3 apps, shaped like the `useMQTT` that elected a leader tab
// over BroadcastChannel (seed 000): same calls, but one connection for every tab, and a
// non-idempotent callback runs in one tab by the hub's exclusive handlers, with no election.
// Only this entry imports vue: tabs that use the main entry never load it.
import { getCurrentScope, inject, onScopeDispose, shallowReadonly, shallowRef, type App, type InjectionKey, type Ref } from 'vue'
import { HubError } from './errors.ts'
import { createHub } from './hub.ts'
import type { HubMessage } from './message.ts'
import type { HubStatus, QoS } from './public-types.ts'
import type { Hub, HubOptions, PublishOptions, Subscription } from './types.ts'

export const mqttHubKey: InjectionKey<Hub> = Symbol('mqtt-hub')

export interface MqttHubPlugin {
  readonly hub: Hub
  install(app: App): void
}

/** `app.use(createMqttHub({ url }))`: one hub for the app, found by every `useMqtt()` of its components. */
export function createMqttHub(hubOrOptions: Hub | HubOptions): MqttHubPlugin {
  const hub = isHub(hubOrOptions) ? hubOrOptions : createHub(hubOrOptions)
  return { hub, install: (app) => void app.provide(mqttHubKey, hub) }
}

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
