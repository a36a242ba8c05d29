import { defineConfig } from 'vite'

// Serves the repository so that e2e pages load the library from source, as a Vite app would.
export default defineConfig({
  root: new URL('../..', import.meta.url).pathname,
  cacheDir: 'node_modules/.vite-e2e',
  server: { host: '127.0.0.1', port: Number(process.env.HARNESS_PORT ?? 5174), strictPort: true },
  // Crawl the worker too: MQTT.js found only when the first tab starts the worker would make
  // Vite re-optimise and reload that tab in the middle of a test (on a clean clone, in CI).
  optimizeDeps: { entries: ['e2e/harness/index.html', 'worker/index.ts'], include: ['comlink', 'idb', 'mqtt'] },
  worker: { format: 'es' },
  logLevel: 'warn',
})
