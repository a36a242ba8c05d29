// What a page downloads: the hub's tab bundle (built as an app ships it, scripts/tab-size.mjs)
// against MQTT.js's browser bundle, both minified and gzipped at level 9.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { measureTabBundle } from '../../scripts/tab-size.mjs'

export interface Bundles {
  tabGzipBytes: number
  /** An app that uses only createHub, subscribe, publish, status, ready and close. */
  coreGzipBytes: number
  workerGzipBytes: number
  mqttjsGzipBytes: number
}

export async function measureBundles(): Promise<Bundles> {
  const tab = await measureTabBundle()
  const mqttDir = dirname(createRequire(import.meta.url).resolve('mqtt/package.json'))
  const mqttjs = await readFile(join(mqttDir, 'dist', 'mqtt.min.js'))
  return {
    tabGzipBytes: tab.tabGzipBytes,
    coreGzipBytes: tab.coreGzipBytes,
    workerGzipBytes: tab.workerGzipBytes,
    mqttjsGzipBytes: gzipSync(mqttjs, { level: 9 }).byteLength,
  }
}
