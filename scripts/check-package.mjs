// Checks the package as npm would publish it: packs the tarball (which builds, as `prepack`),
// then runs publint and @arethetypeswrong/cli on it, and size-limit on its extracted files
// (the budgets per entry are in .size-limit.js), and checks that the API reference builds from
// the JSDoc with no broken link or missing type (typedoc). Part of `npm test`.
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const out = join(root, '.package-check') // size-limit's paths in package.json point in here
const bin = (name) => join(root, 'node_modules/.bin', name)
const step = (title, file, args, options = {}) => {
  console.log(`\n# ${title}`)
  execFileSync(file, args, { cwd: root, stdio: 'inherit', ...options })
}

await rm(out, { recursive: true, force: true })
await mkdir(out)
step('npm pack', 'npm', ['pack', '--silent', '--pack-destination', out])
const tarball = join(out, (await readdir(out)).find((file) => file.endsWith('.tgz')))
step('publint', bin('publint'), ['run', tarball, '--strict'])
// ESM only, by design: no CommonJS entry to resolve (node10 and node16-cjs do not apply).
step('@arethetypeswrong/cli', bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped'])
step('extract', 'tar', ['-xzf', tarball, '-C', out])
step('size-limit (gzipped, on the extracted tarball)', bin('size-limit'), [])
// --disableSources: nothing is written, so no source links are needed, and a checkout with no
// git remote (a source tarball, a fresh fork) would otherwise fail on typedoc's warning about it.
step('typedoc (npm run docs, without writing)', bin('typedoc'), [
  '--emit',
  'none',
  '--disableSources',
  '--treatWarningsAsErrors',
])
