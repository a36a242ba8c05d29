import type { TabApi } from '../src/protocol.ts'

/**
 * Without SharedWorker every tab runs its own session, so what a session owns must be per tab:
 * its name keys the outbox, the inbox, the generated client id and the session lock
 * (`mqtt-hub:session:<name>`), and two sessions of one name would wait for each other's lock or
 * both send one outbox. The tab session id survives a reload of the tab (sessionStorage), so the
 * outbox a tab left is sent by that tab after the reload. A given client id gets the same
 * suffix: two connections with one client id make the broker drop one of them.
 */
export function perTabSession(api: TabApi, tabSession: string): TabApi {
  return {
    ...api,
    open: (request) => api.open({
      ...request,
      name: `${request.name}#${tabSession}`,
      mqtt: request.mqtt.clientId === undefined ? request.mqtt : { ...request.mqtt, clientId: `${request.mqtt.clientId}-${tabSession}` },
    }),
  }
}
