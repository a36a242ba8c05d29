import { defineConfig } from 'vitest/config'

// The cross-browser runner (`npm run test:xbrowser`): Firefox ESR and WebKitGTK, with Chromium as
// the control, one file per engine, one at a time (2 cores; each file owns a browser).
export default defineConfig({
  root: new URL('../..', import.meta.url).pathname,
  test: {
    include: ['e2e/xbrowser/*.xtest.ts'],
    globalSetup: ['e2e/xbrowser/global-setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
})
