// Serves the bench pages as an app would ship them: a production `vite build` (minified, the
// worker as its own chunk) served by `vite preview` on 127.0.0.1 and a free port.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, preview } from 'vite'
import { freePort } from '../e2e/brokers.ts'

export type PageKind = 'hub' | 'direct' | 'election' | 'leader'

export interface BenchPages {
  url(kind: PageKind): string
  close(): Promise<void>
}

const root = new URL('..', import.meta.url).pathname

/** `minify: false` keeps function names, for CPU profiles of the pages and the worker. */
export async function serveBenchPages({ minify = true } = {}): Promise<BenchPages> {
  const outDir = await mkdtemp(join(tmpdir(), 'mqtt-hub-bench-'))
  try {
    await build({
      root,
      configFile: false,
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        target: 'es2022',
        minify,
        sourcemap: false,
        rollupOptions: {
          input: {
            hub: join(root, 'bench/pages/hub.html'),
            direct: join(root, 'bench/pages/direct.html'),
            election: join(root, 'bench/pages/election.html'),
            leader: join(root, 'bench/pages/leader.html'),
          },
        },
      },
      worker: { format: 'es' },
    })
    const port = await freePort()
    const server = await preview({
      root,
      configFile: false,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port, strictPort: true, open: false },
    })
    return {
      url: (kind) => `http://127.0.0.1:${port}/bench/pages/${kind}.html`,
      async close() {
        await server.close()
        await rm(outDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(outDir, { recursive: true, force: true })
    throw error
  }
}
