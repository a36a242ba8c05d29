// The package's own hub workers. `npm pack` copies this file into dist/ with the paths of the
// built workers (scripts/build-package.mjs), so that an app's bundler finds them the way Vite
// finds these: `new (Shared)Worker(new URL('./file', import.meta.url))` is the pattern bundlers know.

/** One worker per origin and connection name: the default. */
export function startSharedWorker(): SharedWorker {
  return new SharedWorker(new URL('../worker/index.ts', import.meta.url), { type: 'module', name: 'mqtt-hub' })
}

/** One worker per tab, where the browser has no SharedWorker. */
export function startDedicatedWorker(): Worker {
  return new Worker(new URL('../worker/dedicated.ts', import.meta.url), { type: 'module', name: 'mqtt-hub' })
}
