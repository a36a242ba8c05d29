import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The demo page as an app: `vite` serves it (npm run demo), `vite build` bundles it with the
// hub worker as its own chunk (npm run demo:build), `vite preview` serves that build.
const demoDir = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('..', import.meta.url))

export default defineConfig({
  root: demoDir,
  cacheDir: `${repoRoot}node_modules/.vite-demo`,
  clearScreen: false,
  // Always 127.0.0.1: `localhost` is another origin, with its own SharedWorker.
  server: { host: '127.0.0.1', port: 5173, strictPort: true, fs: { allow: [repoRoot] } },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
  // Crawl the worker too, so that MQTT.js is pre-bundled at start and not discovered by the
  // first tab (which would make Vite reload the page).
  optimizeDeps: { entries: ['index.html', '../worker/index.ts'] },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
})
