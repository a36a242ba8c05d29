/// <reference lib="webworker" />
/**
 * The dedicated-worker entry, for browsers without SharedWorker: one worker, so one broker
 * connection, per tab. The tab sends one message: the port to serve and its tab session id.
 */
import type { DedicatedWorkerInit } from '../src/protocol.ts'
import { startBrowserHubService } from './service/browser-service.ts'
import { exposeTabApi } from './service/expose.ts'
import { perTabSession } from './per-tab-session.ts'

declare const self: DedicatedWorkerGlobalScope

const service = startBrowserHubService()

self.addEventListener('message', (event: MessageEvent<DedicatedWorkerInit>) => {
  exposeTabApi(perTabSession(service.facade(), event.data.tabSession), event.data.port)
}, { once: true })
