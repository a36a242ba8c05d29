/// <reference lib="webworker" />
/**
 * The dedicated-worker entry, for browsers without SharedWorker: one worker, so one broker
 * connection, per tab; exclusive groups are held across the tabs' workers by Web Locks. The tab
 * sends one message: the port to serve and its tab session id.
 */
import type { DedicatedWorkerInit } from '../src/protocol.ts'
import { startBrowserHubService } from './service/browser-service.ts'
import { exposeTabApi } from './service/expose.ts'

declare const self: DedicatedWorkerGlobalScope

self.addEventListener('message', (event: MessageEvent<DedicatedWorkerInit>) => {
  exposeTabApi(startBrowserHubService(event.data.tabSession).facade(), event.data.port)
}, { once: true })
