import { defineConfig } from 'vitest/config'

// Vitest, and the base of scripts/tab-size.mjs (an app-style build of the tab side). The package
// itself is built by scripts/build-package.mjs (`npm run build`, and `prepack`); the demo server
// has its own config, e2e pages are served by playwright.config.ts's web server.
export default defineConfig({
  build: { target: 'es2022' },
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.ts', 'worker/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts', 'demo/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Broker processes and ports: keep files apart, but let the machine's 2 cores work.
    fileParallelism: true,
    maxWorkers: 2,
  },
})
