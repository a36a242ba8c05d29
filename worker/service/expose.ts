import * as Comlink from 'comlink'
import type { TabApi } from '../../src/protocol.ts'

let installed = false

/** The calls a tab may make: exactly TabApi's methods (the compiler checks that none is missing). */
const TAB_API_CALLS = ['open', 'subscribe', 'unsubscribe', 'publish', 'metrics', 'hubMetrics', 'sessions', 'request', 'inspect', 'close'] as const
type Unlisted = Exclude<keyof TabApi, (typeof TAB_API_CALLS)[number]>
const everyCallListed: Unlisted extends never ? true : Unlisted = true

interface ComlinkRequest {
  id?: string
  type?: string
  path?: unknown[]
  argumentList?: Array<{ type?: string; name?: string }>
}

/**
 * Exposes one tab's facade on its port, and nothing else. Comlink lets a caller walk any property
 * path of what is exposed, get and set values, construct (`new remote.open.constructor('code')`
 * would compile code in the worker) and open new endpoints: here only a call of one of the
 * facade's own methods passes, with plain arguments (no proxies), and the release of the port.
 */
export function exposeTabApi(api: TabApi, port: MessagePort): void {
  installErrorCodes()
  const methods = new Set<string>(everyCallListed && TAB_API_CALLS)
  const allowed = (request: ComlinkRequest): boolean => {
    const path = request.path ?? []
    if (request.type === 'RELEASE') return path.length === 0
    return request.type === 'APPLY' && path.length === 1 && methods.has(path[0] as string)
      && (request.argumentList ?? []).every((arg) => !(arg.type === 'HANDLER' && arg.name === 'proxy'))
  }
  const listeners = new Map<EventListenerOrEventListenerObject, EventListener>()
  const guarded: Comlink.Endpoint = {
    postMessage: (message: unknown, transfer?: Transferable[]) => port.postMessage(message, transfer ?? []),
    addEventListener: (type: string, listener: EventListenerOrEventListenerObject) => {
      const filter = (event: Event): void => {
        const request = (event as MessageEvent<ComlinkRequest>).data
        if (request && typeof request === 'object' && allowed(request)) {
          if (typeof listener === 'function') listener(event)
          else listener.handleEvent(event)
        } else if (request?.id !== undefined) {
          refuse(port, request.id, request)
        }
      }
      listeners.set(listener, filter)
      port.addEventListener(type, filter)
    },
    removeEventListener: (type: string, listener: EventListenerOrEventListenerObject) => {
      const filter = listeners.get(listener)
      if (filter) port.removeEventListener(type, filter)
    },
    start: () => port.start(),
  }
  Comlink.expose(api, guarded)
}

/** Answers a request the facade does not serve with a HubError, in Comlink's wire format. */
function refuse(port: MessagePort, id: string, request: ComlinkRequest): void {
  const what = `${String(request.type)} ${(request.path ?? []).map(String).join('.') || '(root)'}`.slice(0, 200)
  const error = { message: `The hub worker serves only calls of its tab API, not ${what}`, name: 'HubError', code: 'INVALID_OPTIONS' }
  port.postMessage({ id, type: 'HANDLER', name: 'throw', value: { isError: true, value: error } })
}

/**
 * Comlink sends a thrown Error as {message, name, stack} and drops `code` (and an MQTT 5
 * `reasonCode`); this handler adds them, so that the tab can rebuild the HubError.
 */
function installErrorCodes(): void {
  if (installed) return
  installed = true
  const fallback = Comlink.transferHandlers.get('throw')!
  Comlink.transferHandlers.set('throw', {
    ...fallback,
    serialize(thrown: unknown) {
      const { value } = thrown as { value: unknown }
      if (value instanceof Error) {
        const { message, name, stack } = value
        const { code, reasonCode } = value as { code?: unknown; reasonCode?: unknown }
        return [{ isError: true, value: { message, name, stack, code, reasonCode } }, []]
      }
      return fallback.serialize(thrown)
    },
  })
}
