/// <reference lib="webworker" />
/**
 * The SharedWorker entry: one per origin (and worker name). It holds the only broker connection
 * per connection name and serves every tab through a facade on the tab's port.
 */
import { startBrowserHubService } from './service/browser-service.ts'
import { exposeTabApi } from './service/expose.ts'

declare const self: SharedWorkerGlobalScope

const service = startBrowserHubService()

self.addEventListener('connect', (event) => exposeTabApi(service.facade(), event.ports[0]))
