// Serves the e2e harness (the library from source, as a Vite app loads it) on a free port for the
// whole run, and prints the figures the scenarios measured once every engine is done.
import { spawn } from 'node:child_process'
import { mkdir, readFile, rm } from 'node:fs/promises'
import type { TestProject } from 'vitest/node'
import { freePort } from '../brokers.ts'
import { until } from './engines.ts'
import { FIGURES_FILE, summarise } from './figures.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    harnessOrigin: string
  }
}

const repo = new URL('../..', import.meta.url).pathname

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await rm(FIGURES_FILE, { force: true })
  await mkdir(new URL('.', `file://${FIGURES_FILE}`).pathname, { recursive: true })
  const port = await freePort()
  // `node .../vite.js`, not npx: killing an npx wrapper would orphan the server.
  const vite = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--config', 'e2e/harness/vite.config.ts'], {
    cwd: repo,
    env: { ...process.env, HARNESS_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const origin = `http://127.0.0.1:${port}`
  await until(() => fetch(`${origin}/e2e/xbrowser/index.html`).then((r) => r.ok, () => false), Boolean, 60_000, 'the harness server')
  project.provide('harnessOrigin', origin)

  return async () => {
    if (vite.exitCode === null) {
      const exited = new Promise((resolve) => vite.once('exit', resolve))
      vite.kill()
      await exited
    }
    const lines = await readFile(FIGURES_FILE, 'utf8').catch(() => '')
    if (lines) console.log(summarise(lines))
  }
}
