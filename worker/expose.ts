import * as Comlink from 'comlink'
import type { TabApi } from '../src/protocol.ts'

let installed = false

/**
 * Exposes one tab's facade on its port. Comlink sends a thrown Error as {message, name, stack}
 * and drops `code`; this handler adds it, so that the tab can rebuild the HubError.
 */
export function exposeTabApi(api: TabApi, port: MessagePort): void {
  if (!installed) {
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
  Comlink.expose(api, port)
}
