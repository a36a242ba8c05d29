// Builds the tab side as an app would ship it (minified) and reports its gzipped size, which is
// what every page pays. The worker (MQTT.js and the rest) is a separate chunk, loaded once.
// Each entry is built on its own, as an app that imports it alone; its size is what the page
// loads at start: the entry's chunk and the chunks it imports statically (not those it loads
// only when used, with import()).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const root = new URL('..', import.meta.url).pathname
/** An app that uses only the core: createHub, subscribe, publish, status, ready, close. */
const CORE_APP = `import { createHub } from '${root}src/index.ts'
const hub = createHub({ url: 'ws://127.0.0.1:1' })
await hub.ready()
const sub = await hub.subscribe('t', (m) => console.log(m.topic, hub.status))
await hub.publish('t', 'x')
await sub.unsubscribe()
await hub.close()
`
const CORE_ID = '\0mqtt-hub-core-app'

/** @param {string} input a file, or CORE_ID */
async function buildEntry(input) {
  const outDir = await mkdtemp(join(tmpdir(), 'mqtt-hub-size-'))
  try {
    await build({
      root,
      logLevel: 'silent',
      plugins: [{ name: 'core-app', resolveId: (id) => (id === CORE_ID ? id : null), load: (id) => (id === CORE_ID ? CORE_APP : null) }],
      // An app build, not the library build: library ES output keeps its whitespace.
      build: {
        outDir,
        minify: true,
        sourcemap: false,
        emptyOutDir: true,
        lib: false,
        rollupOptions: {
          input: { index: input },
          preserveEntrySignatures: 'exports-only',
          // The app's own copy of Vue is not the hub's cost.
          external: ['vue'],
          output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
        },
      },
    })
    const read = (file) => readFile(join(outDir, file), 'utf8')
    const entry = await read('index.js')
    // Chunks imported statically (import ... from "./chunks/x.js", or import "./chunks/x.js"), transitively.
    const initial = new Map([['index.js', entry]])
    for (const [, code] of initial) {
      for (const [, path] of code.matchAll(/(?:from|import)\s*["']\.\/((?:chunks\/)?[^"']+\.js)["']/g)) {
        const file = path.startsWith('chunks/') ? path : `chunks/${path}`
        if (!initial.has(file)) initial.set(file, await read(file))
      }
    }
    const code = [...initial.values()].join('\n')
    const assets = await readdir(join(outDir, 'assets')).catch(() => [])
    return { outDir, code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).byteLength, assets, read }
  } catch (error) {
    await rm(outDir, { recursive: true, force: true })
    throw error
  }
}

/** @returns {Promise<{ tabBytes: number, tabGzipBytes: number, coreGzipBytes: number, entries: Record<string, number>, workerBytes: number, workerGzipBytes: number, tabCode: string, coreCode: string }>} */
export async function measureTabBundle() {
  const index = await buildEntry('src/index.ts')
  try {
    // The SharedWorker's chunk (named after worker/index.ts), not the dedicated-worker fallback's.
    const workerFile = index.assets.find((file) => file.startsWith('index-'))
    const workerCode = await readFile(join(index.outDir, 'assets', workerFile), 'utf8')
    const entries = { 'mqtt-hub': index.gzipBytes }
    let coreCode = ''
    for (const [name, input] of [['core app', CORE_ID], ['mqtt-hub/compat', 'src/compat.ts'], ['mqtt-hub/vue', 'src/vue.ts']]) {
      const built = await buildEntry(input)
      entries[name] = built.gzipBytes
      if (input === CORE_ID) coreCode = built.code
      await rm(built.outDir, { recursive: true, force: true })
    }
    return {
      tabBytes: index.bytes,
      tabGzipBytes: index.gzipBytes,
      coreGzipBytes: entries['core app'],
      entries,
      workerBytes: Buffer.byteLength(workerCode),
      workerGzipBytes: gzipSync(workerCode, { level: 9 }).byteLength,
      tabCode: index.code,
      coreCode,
    }
  } finally {
    await rm(index.outDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = await measureTabBundle()
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`
  console.log(`tab bundle (what every page loads): ${kb(size.tabBytes)} minified, ${kb(size.tabGzipBytes)} gzipped`)
  for (const [name, bytes] of Object.entries(size.entries)) console.log(`  ${name.padEnd(16)} ${kb(bytes)} gzipped at start`)
  console.log(`worker bundle (loaded once per origin): ${kb(size.workerBytes)} minified, ${kb(size.workerGzipBytes)} gzipped`)
}
