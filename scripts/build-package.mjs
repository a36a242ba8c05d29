// Builds what `npm pack` ships (runs as `prepack`): the tab entries as ES modules, each hub worker
// as one self-contained file, the stub that starts them, and type declarations.
//
//   dist/index.js, vue.js, react.js,   tab side (no MQTT.js; vue and react stay imports of the app's)
//   compat.js, inspector.js
//   dist/default-worker.js             new (Shared)Worker(new URL('./worker.js', import.meta.url))
//   dist/worker.js                     the SharedWorker: MQTT.js, idb, Comlink, all inlined
//   dist/dedicated-worker.js           the same hub for browsers without SharedWorker
//   dist/types/*.d.ts
//
// The stub keeps the `new URL('./file', import.meta.url)` pattern so that the app's bundler finds
// the worker: Vite emits it as a worker chunk in `vite build`, and its dev pre-bundling rewrites
// the URL to point back into node_modules/mqtt-hub/dist.
import { execFileSync } from 'node:child_process'
import { readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import ts from 'typescript'
import { build } from 'vite'

const root = new URL('..', import.meta.url).pathname
const dist = join(root, 'dist')
const WORKERS = { 'worker': 'worker/index.ts', 'dedicated-worker': 'worker/dedicated.ts' }
const TAB_ENTRIES = { index: 'src/index.ts', vue: 'src/vue.ts', react: 'src/react.ts', compat: 'src/compat.ts', inspector: 'src/inspector.ts' }
const DEFAULT_WORKER = 'src/default-worker.ts'

await rm(dist, { recursive: true, force: true })

for (const [name, entry] of Object.entries(WORKERS)) {
  await build({
    root, configFile: false, logLevel: 'warn',
    // An app build, not a library build: library ES output keeps its whitespace.
    build: {
      outDir: dist, emptyOutDir: false, target: 'es2022', minify: true, sourcemap: false, copyPublicDir: false,
      rollupOptions: {
        input: { [name]: entry },
        preserveEntrySignatures: false,
        // One file: a worker loaded from node_modules must not need chunks next to it.
        output: { entryFileNames: '[name].js', codeSplitting: false },
      },
    },
  })
}

await build({
  root, configFile: false, logLevel: 'warn',
  plugins: [{
    name: 'mqtt-hub:default-worker-stub',
    enforce: 'pre',
    // The stub is copied as it is (below), not bundled: the app's bundler must see its `new URL()`.
    resolveId: (source) => (source === './default-worker.ts' ? { id: './default-worker.js', external: true } : null),
  }],
  build: {
    // Not minified, so readable in node_modules: the app's build minifies. No source maps to ship.
    outDir: dist, emptyOutDir: false, target: 'es2022', minify: false, sourcemap: false, copyPublicDir: false,
    lib: { entry: TAB_ENTRIES, formats: ['es'] },
    rollupOptions: { external: ['vue', 'react'], output: { chunkFileNames: 'shared-[hash].js' } },
  },
})

const stub = ts.transpileModule(await readFile(join(root, DEFAULT_WORKER), 'utf8'), {
  compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
}).outputText
const built = stub.replace("'../worker/index.ts'", "'./worker.js'").replace("'../worker/dedicated.ts'", "'./dedicated-worker.js'")
if (!built.includes("'./worker.js'") || !built.includes("'./dedicated-worker.js'")) throw new Error(`${DEFAULT_WORKER}: worker paths not found`)
await writeFile(join(dist, 'default-worker.js'), built)

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
// The sources import './x.ts' (allowImportingTsExtensions); declarations next to .js files say './x.js'.
for (const file of await readdir(join(dist, 'types'))) {
  const path = join(dist, 'types', file)
  await writeFile(path, (await readFile(path, 'utf8')).replace(/(['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2'))
}

const kb = (n) => `${(n / 1024).toFixed(1)} kB`
for (const file of (await readdir(dist)).filter((f) => f.endsWith('.js')).sort()) {
  const code = await readFile(join(dist, file))
  console.log(`dist/${file.padEnd(22)} ${kb(code.byteLength).padStart(9)}  ${kb(gzipSync(code, { level: 9 }).byteLength).padStart(9)} gzipped`)
}
