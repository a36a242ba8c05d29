// mqtt-hub/react: hooks for React 18/19 apps. Only this entry imports react: pages that use the
// main entry never load it. Safe under StrictMode (effects mounted twice) and concurrent
// rendering: the status is read through useSyncExternalStore, subscriptions live in effects.
import { createContext, createElement, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react'
import { HubError } from './errors.ts'
import type { HubMessage } from './message.ts'
import type { HubStatus } from './public-types.ts'
import type { Hub, MessageHandler, SubscribeOptions } from './types.ts'

const HubContext = createContext<Hub | null>(null)

/** Props of {@link HubProvider}. */
export interface HubProviderProps {
  /** The hub every hook below uses; create it once, outside components (`createHub()` at module level). */
  hub: Hub
  /** The components that use the hub. */
  children?: ReactNode
}

/** Makes `hub` the one the hooks of its descendants use. */
export function HubProvider({ hub, children }: HubProviderProps): ReactNode {
  return createElement(HubContext.Provider, { value: hub }, children)
}

/** The hub given, else the nearest {@link HubProvider}'s; throws INVALID_OPTIONS when there is neither. */
export function useHub(hub?: Hub): Hub {
  const provided = useContext(HubContext)
  const found = hub ?? provided
  if (!found) throw new HubError('INVALID_OPTIONS', 'mqtt-hub/react needs a hub: <HubProvider hub={hub}> or the hook\'s { hub } option')
  return found
}

/** The shared connection's status, re-rendering at each change. */
export function useHubStatus(hub?: Hub): HubStatus {
  const found = useHub(hub)
  return useSyncExternalStore(
    (changed) => found.onStatus(() => changed()),
    () => found.status,
    () => found.status,
  )
}

/** Options of {@link useSubscription}: the hub's subscribe options, and which hub. */
export interface UseSubscriptionOptions extends SubscribeOptions {
  /** Default: the nearest {@link HubProvider}'s hub. */
  hub?: Hub
  /** false: do not subscribe (yet). Default true. */
  enabled?: boolean
}

/** Where a {@link useSubscription} is. */
export interface SubscriptionState {
  /** 'subscribing' until the broker granted it (or `enabled` is false), then 'subscribed'; 'failed' with `error`. */
  state: 'subscribing' | 'subscribed' | 'failed'
  /** Why it failed (SUBSCRIBE_REJECTED, INVALID_TOPIC_FILTER...), while `state` is 'failed'. */
  error: HubError | undefined
}

/**
 * Subscribes to `filter` while the component is mounted and calls the latest `handler` once per
 * matching message (a new handler each render does not resubscribe; a new filter or option
 * does). With `exclusive: true` each message is handled in one live tab. Under StrictMode's
 * double mount, a subscribe() still in progress is unsubscribed once it resolves, and a message
 * both subscriptions received is handled once.
 */
export function useSubscription(filter: string, handler: MessageHandler, options: UseSubscriptionOptions = {}): SubscriptionState {
  const { hub: given, enabled = true, ...subscribeOptions } = options
  const hub = useHub(given)
  const latest = useRef(handler)
  latest.current = handler
  // Survives StrictMode's unmount and remount: the copies the two subscriptions got are one message.
  const handled = useRef(new WeakSet<Uint8Array>())
  const [status, setStatus] = useState<SubscriptionState>({ state: 'subscribing', error: undefined })
  const key = JSON.stringify(subscribeOptions)

  useEffect(() => {
    if (!enabled) return
    let active = true
    setStatus({ state: 'subscribing', error: undefined })
    const once: MessageHandler = (message) => {
      if (handled.current.has(message.payload)) return
      handled.current.add(message.payload)
      return latest.current(message)
    }
    const subscribed = hub.subscribe(filter, once, JSON.parse(key) as SubscribeOptions)
    subscribed.then(
      () => active && setStatus({ state: 'subscribed', error: undefined }),
      (error: unknown) => active && setStatus({ state: 'failed', error: error instanceof HubError ? error : new HubError('HANDLER_FAILED', String(error)) }),
    )
    return () => {
      active = false
      // Unsubscribe once the subscribe() in progress resolved; a closed hub has nothing to undo.
      subscribed.then((subscription) => subscription.unsubscribe()).catch(() => {})
    }
  }, [hub, filter, key, enabled])

  return status
}

/** Options of {@link useMessages}. */
export interface UseMessagesOptions {
  /** How many of the latest messages to keep. Default 50. */
  limit?: number
  /** Default 0. */
  qos?: SubscribeOptions['qos']
  /** Default: the nearest {@link HubProvider}'s hub. */
  hub?: Hub
}

/** The latest `limit` messages of `filter`, oldest first, re-rendering at each message. */
export function useMessages(filter: string, options: UseMessagesOptions = {}): readonly HubMessage[] {
  const { limit = 50, qos, hub } = options
  const [messages, setMessages] = useState<readonly HubMessage[]>([])
  useSubscription(filter, (message) => setMessages((list) => [...list.slice(list.length >= limit ? list.length - limit + 1 : 0), message]), {
    ...(qos !== undefined && { qos }),
    ...(hub && { hub }),
  })
  return messages
}
