// Builds the tab side as an app would ship it (minified) and reports its gzipped size, which is
// what every page pays. The worker (MQTT.js and the rest) is a separate chunk, loaded once.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

/** @returns {Promise<{ tabBytes: number, tabGzipBytes: number, workerBytes: number, workerGzipBytes: number, tabCode: string }>} */
export async function measureTabBundle() {
  const outDir = await mkdtemp(join(tmpdir(), 'mqtt-hub-size-'))
  try {
    await build({
      root: new URL('..', import.meta.url).pathname,
      logLevel: 'silent',
      // An app build, not the library build: library ES output keeps its whitespace.
      build: {
        outDir,
        minify: true,
        sourcemap: false,
        emptyOutDir: true,
        lib: false,
        rollupOptions: {
          input: { index: 'src/index.ts' },
          preserveEntrySignatures: 'exports-only',
          output: { entryFileNames: '[name].js' },
        },
      },
    })
    const tabCode = await readFile(join(outDir, 'index.js'), 'utf8')
    // The SharedWorker's chunk (named after worker/index.ts), not the dedicated-worker fallback's.
    const workerFile = (await readdir(join(outDir, 'assets'))).find((file) => file.startsWith('index-'))
    const workerCode = await readFile(join(outDir, 'assets', workerFile), 'utf8')
    return {
      tabBytes: Buffer.byteLength(tabCode),
      tabGzipBytes: gzipSync(tabCode, { level: 9 }).byteLength,
      workerBytes: Buffer.byteLength(workerCode),
      workerGzipBytes: gzipSync(workerCode, { level: 9 }).byteLength,
      tabCode,
    }
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = await measureTabBundle()
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`
  console.log(`tab bundle (what every page loads): ${kb(size.tabBytes)} minified, ${kb(size.tabGzipBytes)} gzipped`)
  console.log(`worker bundle (loaded once per origin): ${kb(size.workerBytes)} minified, ${kb(size.workerGzipBytes)} gzipped`)
}
