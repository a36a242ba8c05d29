// The consumer fixture app (e2e/consumer/) installed in a temporary directory from the packed
// tarball, and Vite servers for it (dev, or build + preview), all started and stopped by process id.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './brokers.ts'

const run = promisify(execFile)
const repo = new URL('..', import.meta.url).pathname

export interface ConsumerApp {
  dir: string
  /** Seconds spent in `npm pack` and in `npm install`. */
  timings: { pack: number; install: number }
  remove(): Promise<void>
}

export interface AppServer {
  url: string
  close(): Promise<void>
}

/** `npm pack` (which builds, as `prepack`) and `npm install` of the tarball in a copy of the fixture app. */
export async function installConsumerApp(): Promise<ConsumerApp> {
  const dir = await mkdtemp(join(tmpdir(), 'mqtt-hub-consumer-'))
  let started = Date.now()
  await run('npm', ['pack', '--pack-destination', dir], { cwd: repo })
  const filename = (await readdir(dir)).find((file) => file.endsWith('.tgz'))!
  const pack = (Date.now() - started) / 1000
  await cp(join(repo, 'e2e/consumer'), join(dir, 'app'), { recursive: true })
  const app = join(dir, 'app')
  const manifest = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as Record<string, unknown>
  const names = ['vite', 'vue', 'react', 'react-dom', '@types/react']
  manifest.dependencies = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await installedVersion(name)])))
  await writeFile(join(app, 'package.json'), JSON.stringify(manifest, null, 2))
  started = Date.now()
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, filename)], { cwd: app })
  return { dir: app, timings: { pack, install: (Date.now() - started) / 1000 }, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** `vite` (dev server, with its dependency pre-bundling) in the app, on a free port of 127.0.0.1. */
export async function startDevServer(app: ConsumerApp): Promise<AppServer> {
  const port = await freePort()
  return serve(spawnVite(app, ['--host', '127.0.0.1', '--port', String(port), '--strictPort']), `http://127.0.0.1:${port}/`)
}

/** `vite build`, then `vite preview` of the build. */
export async function buildAndPreview(app: ConsumerApp): Promise<AppServer> {
  await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { cwd: app.dir })
  const port = await freePort()
  return serve(spawnVite(app, ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort']), `http://127.0.0.1:${port}/`)
}

function spawnVite(app: ConsumerApp, args: string[]): ChildProcess {
  // `node .../vite.js`, not npx: killing an npx wrapper would orphan the server.
  const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', ...args], { cwd: app.dir, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[consumer vite] ${chunk}`))
  child.stdout!.resume()
  return child
}

async function serve(child: ChildProcess, url: string): Promise<AppServer> {
  const close = async (): Promise<void> => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill()
    await exited
  }
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (child.exitCode !== null) throw new Error(`vite exited with ${child.exitCode}`)
    if (await fetch(url).then((response) => response.ok, () => false)) return { url, close }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await close()
  throw new Error(`vite did not answer on ${url}`)
}

/** Runs this repository's tsc on the app's tsconfig.json; resolves with its report ('' when clean). */
export async function typeCheck(app: ConsumerApp): Promise<string> {
  const tsc = join(repo, 'node_modules/typescript/bin/tsc')
  return run(process.execPath, [tsc, '-p', join(app.dir, 'tsconfig.json')]).then(({ stdout }) => stdout, (error: { stdout?: string }) => error.stdout ?? String(error))
}

async function installedVersion(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}
