// `npm run demo`: the embedded aedes broker and the demo page's Vite dev server, in one process.
// `node demo/run.mjs --preview` (npm run demo:preview) serves the built demo (npm run demo:build) instead.
// Ports: MQTT_HUB_BROKER_PORT (1884), MQTT_HUB_CONTROL_PORT (1885), MQTT_HUB_DEMO_PORT (5173).
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, preview } from 'vite'
import { startAedesBroker } from './broker.mjs'

// Always 127.0.0.1: `localhost` is another origin, with its own SharedWorker.
const HOST = '127.0.0.1'
const demoDir = dirname(fileURLToPath(import.meta.url))
const configFile = resolve(demoDir, 'vite.config.ts')
const usePreview = process.argv.includes('--preview')

/** @param {string} name @param {number} fallback */
function portFromEnv (name, fallback) {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number, got "${value}"`)
  return port
}

/**
 * The dev server, or `vite preview` of the built demo. The repo's vite.config.ts is for Vitest and
 * the library build: the demo has its own (demo/vite.config.ts).
 * @param {number} port
 * @returns {Promise<{ close(): Promise<void> }>}
 */
async function startDemoServer (port) {
  if (usePreview) {
    if (!existsSync(resolve(demoDir, 'dist/index.html'))) throw new Error('No built demo in demo/dist: run `npm run demo:build` first')
    return preview({ configFile, preview: { host: HOST, port, strictPort: true } })
  }
  const server = await createServer({ configFile, server: { host: HOST, port, strictPort: true } })
  await server.listen()
  return server
}

async function main () {
  const brokerPort = portFromEnv('MQTT_HUB_BROKER_PORT', 1884)
  const controlPort = portFromEnv('MQTT_HUB_CONTROL_PORT', 1885)
  const demoPort = portFromEnv('MQTT_HUB_DEMO_PORT', 5173)

  const broker = await startAedesBroker({ port: brokerPort, host: HOST, controlPort })
  let vite
  try {
    vite = await startDemoServer(demoPort)
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
    `  mqtt-hub demo${usePreview ? ' (built, vite preview)' : ''}`,
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
