// @ts-check
// `npm run bench` (issue 5). Node 20 cannot run TypeScript, so Vite's module runner loads the
// bench (bench/main.ts), which type-checks with the rest of the project.
import { runnerImport } from 'vite'

/** @type {{ module: typeof import('./main.ts') }} */
const { module } = await runnerImport(new URL('./main.ts', import.meta.url).pathname, { configFile: false, logLevel: 'error' })
try {
  await module.main()
} catch (error) {
  console.error(error)
  process.exitCode = 1
}
