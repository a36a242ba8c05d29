import { defineConfig } from 'vite'

// Serves the repository so that e2e pages load the library from source, as a Vite app would.
export default defineConfig({
  root: new URL('../..', import.meta.url).pathname,
  server: { host: '127.0.0.1', port: 5174, strictPort: true },
  worker: { format: 'es' },
  logLevel: 'warn',
})
