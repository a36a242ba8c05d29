import { defineConfig } from 'vitest/config'

// Library build (tab stub + worker chunk) and the Vitest config. The demo server has its own
// inline config in demo/run.mjs; e2e pages are served by playwright.config.ts's web server.
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true,
    lib: {
      entry: { index: 'src/index.ts' },
      formats: ['es'],
    },
    rollupOptions: {
      // The worker is emitted as its own chunk from `new SharedWorker(new URL(...))`.
      external: [],
    },
  },
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.ts', 'worker/**/*.test.ts', 'e2e/**/*.test.ts', 'demo/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Broker processes and ports: keep files apart, but let the machine's 2 cores work.
    fileParallelism: true,
    maxWorkers: 2,
  },
})
