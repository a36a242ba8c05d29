// Size budgets per entry, gzipped, measured by `npm run check:package` on the files of the packed
// tarball (extracted into .package-check/). A framework the app brings is not counted.
const dist = '.package-check/package/dist'
// The package's modules are ES modules (`new URL(..., import.meta.url)` starts the worker).
const esm = (config) => ({ ...config, format: 'esm' })

export default [
  { name: 'mqtt-hub', path: `${dist}/index.js`, import: '{ createHub }', gzip: true, limit: '10.25 kB', modifyEsbuildConfig: esm },
  { name: 'mqtt-hub/react', path: `${dist}/react.js`, import: '{ HubProvider, useHub, useHubStatus, useSubscription, useMessages }', ignore: ['react'], gzip: true, limit: '1.5 kB', modifyEsbuildConfig: esm },
  { name: 'mqtt-hub/vue', path: `${dist}/vue.js`, import: '{ createMqttHub, useMqtt, useMQTT }', ignore: ['vue'], gzip: true, limit: '11 kB', modifyEsbuildConfig: esm },
  { name: 'mqtt-hub/compat', path: `${dist}/compat.js`, import: '{ connect }', gzip: true, limit: '14.5 kB', modifyEsbuildConfig: esm },
  { name: 'mqtt-hub/inspector', path: `${dist}/inspector.js`, import: '{ mountInspector }', gzip: true, limit: '4 kB', modifyEsbuildConfig: esm },
  { name: 'worker (SharedWorker)', path: `${dist}/worker.js`, gzip: true, limit: '130 kB', modifyEsbuildConfig: esm },
  { name: 'worker (dedicated, without SharedWorker)', path: `${dist}/dedicated-worker.js`, gzip: true, limit: '130 kB', modifyEsbuildConfig: esm },
]
