import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './e2e/chromium.ts'
import type { BrokerOptions } from './e2e/fixtures.ts'

// E2E_PORT_OFFSET moves every fixed port, so that two checkouts can run their e2e tests side by side.
const offset = Number(process.env.E2E_PORT_OFFSET ?? 0)
export const HARNESS_PORT = 5174 + offset
// The built demo with its broker, on ports that do not collide with a running `npm run demo`.
const DEMO_PORTS = {
  MQTT_HUB_BROKER_PORT: String(1894 + offset),
  MQTT_HUB_CONTROL_PORT: String(1895 + offset),
  MQTT_HUB_DEMO_PORT: String(5183 + offset),
}
// The test processes read the demo's ports from the environment too (e2e/demo.spec.ts).
Object.assign(process.env, DEMO_PORTS, { HARNESS_PORT: String(HARNESS_PORT) })

// The worker's and the tabs' own mechanics, for which the broker is only a source of messages (a
// burst, a proxy's faults, pages that leave and come back): once per protocol version, on aedes
// 3.1.1 and mosquitto 5.
const BROKER_NEUTRAL = ['hub-burst.spec.ts', 'hub-faults.spec.ts', 'hub-lifecycle.spec.ts']
// MQTT.js's own behaviours, held to MQTT.js itself: on aedes 3.1.1 and mosquitto 5 (not on
// RabbitMQ's dialect).
const MQTTJS_BEHAVIOURS = 'hub-compat-mqttjs-*.spec.ts'

export default defineConfig<BrokerOptions>({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: true,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${HARNESS_PORT}`,
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    // Behaviour every broker must show the same: once per broker and protocol version.
    { name: 'aedes-3.1.1', testMatch: 'hub-*.spec.ts', use: { brokerKind: 'aedes', protocolVersion: 4 } },
    { name: 'mosquitto-3.1.1', testMatch: 'hub-*.spec.ts', testIgnore: [...BROKER_NEUTRAL, MQTTJS_BEHAVIOURS], use: { brokerKind: 'mosquitto', protocolVersion: 4 } },
    { name: 'mosquitto-5', testMatch: 'hub-*.spec.ts', use: { brokerKind: 'mosquitto', protocolVersion: 5 } },
    // RabbitMQ 3.10 speaks MQTT 3.1.1 only; tests assert what holds there by its nature (docs/brokers.md).
    { name: 'rabbitmq-3.1.1', testMatch: 'hub-*.spec.ts', testIgnore: [...BROKER_NEUTRAL, MQTTJS_BEHAVIOURS], use: { brokerKind: 'rabbitmq', protocolVersion: 4 } },
    // url as a list: a two-node aedes cluster (two processes, shared Redis), a node killed under the hub.
    { name: 'cluster', testMatch: 'cluster.spec.ts' },
    // Named sessions to two brokers at once (mosquitto MQTT 5 and aedes 3.1.1, started by the spec itself).
    { name: 'sessions', testMatch: 'sessions.spec.ts' },
    // Tab-side behaviour that does not depend on the broker (validation, worker faults): once, on aedes.
    { name: 'tab', testMatch: 'tab-*.spec.ts', use: { brokerKind: 'aedes', protocolVersion: 4 } },
    // Minutes of churn, tab turnover and broker restarts (SOAK_SECONDS, 45 by default; `npm run soak`: 300).
    { name: 'soak', testMatch: 'soak.spec.ts', use: { brokerKind: 'aedes', protocolVersion: 4 } },
    // The packed package installed in an app (e2e/consumer/), served by Vite dev and by vite build + preview.
    { name: 'consumer', testMatch: 'consumer.spec.ts', use: { brokerKind: 'aedes', protocolVersion: 4 } },
    // The demo page as users get it: built, served by `vite preview`, with its own aedes broker.
    { name: 'demo', testMatch: 'demo.spec.ts', use: { baseURL: `http://127.0.0.1:${DEMO_PORTS.MQTT_HUB_DEMO_PORT}` } },
  ],
  webServer: [
    {
      // `node .../vite.js`, not npx: killing an npx wrapper would orphan the server.
      command: `node node_modules/vite/bin/vite.js --config e2e/harness/vite.config.ts`,
      url: `http://127.0.0.1:${HARNESS_PORT}/e2e/harness/index.html`,
      env: { HARNESS_PORT: String(HARNESS_PORT) },
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      command: 'node node_modules/vite/bin/vite.js build --config demo/vite.config.ts --logLevel warn && node demo/run.mjs --preview',
      url: `http://127.0.0.1:${DEMO_PORTS.MQTT_HUB_DEMO_PORT}/`,
      env: DEMO_PORTS,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
})
