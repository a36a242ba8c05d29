// `npm run demo`: the embedded aedes broker and the demo page's Vite dev server, in one process.
// Ports: MQTT_HUB_BROKER_PORT (1884), MQTT_HUB_CONTROL_PORT (1885), MQTT_HUB_DEMO_PORT (5173).
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from 'vite'
import { startAedesBroker } from './broker.mjs'

// Always 127.0.0.1: `localhost` is another origin, with its own SharedWorker.
const HOST = '127.0.0.1'
const demoDir = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(demoDir, '..')

/** @param {string} name @param {number} fallback */
function portFromEnv (name, fallback) {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number, got "${value}"`)
  return port
}

/** @param {number} port */
function startDemoServer (port) {
  // The repo's vite.config.ts is for Vitest and the library build: the demo has its own config.
  return createServer({
    configFile: false,
    root: demoDir,
    cacheDir: resolve(repoRoot, 'node_modules/.vite-demo'),
    clearScreen: false,
    logLevel: 'info',
    server: { host: HOST, port, strictPort: true, fs: { allow: [repoRoot] } },
    // Crawl the worker too, so that MQTT.js is pre-bundled at start and not discovered by the
    // first tab (which would make Vite reload the page).
    optimizeDeps: { entries: ['index.html', '../worker/index.ts'] },
    worker: { format: 'es' },
  })
}

async function main () {
  const brokerPort = portFromEnv('MQTT_HUB_BROKER_PORT', 1884)
  const controlPort = portFromEnv('MQTT_HUB_CONTROL_PORT', 1885)
  const demoPort = portFromEnv('MQTT_HUB_DEMO_PORT', 5173)

  const broker = await startAedesBroker({ port: brokerPort, host: HOST, controlPort })
  let vite
  try {
    vite = await startDemoServer(demoPort)
    await vite.listen()
  } catch (err) {
    await broker.close()
    throw err
  }

  // The page defaults to ports 1884 and 1885; other ports travel in the query string.
  const query = [
    brokerPort !== 1884 ? `broker=${broker.url}` : '',
    controlPort !== 1885 ? `control=${controlPort}` : '',
  ].filter(Boolean).join('&')
  const pageUrl = `http://${HOST}:${demoPort}/${query ? `?${query}` : ''}`

  console.log([
    '',
    '  mqtt-hub demo',
    '',
    `  Demo page    ${pageUrl}`,
    `  Broker       ${broker.url}  (aedes, MQTT 3.1.1 over WebSocket)`,
    `  Control API  http://${HOST}:${controlPort}/stats`,
    '',
    '  Open the demo page in several tabs: they share ONE broker connection.',
    `  Use ${HOST}, not localhost (another origin, so another hub). Ctrl+C stops both servers.`,
    '',
  ].join('\n'))

  let stopping = false
  const shutdown = async () => {
    if (stopping) return
    stopping = true
    const results = await Promise.allSettled([vite.close(), broker.close()])
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) console.error(failed.reason)
    process.exit(failed ? 1 : 0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
