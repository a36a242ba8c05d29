export function measureTabBundle(): Promise<{
  tabBytes: number
  tabGzipBytes: number
  /** An app that uses only createHub, subscribe, publish, status, ready and close. */
  coreGzipBytes: number
  /** Gzipped bytes each entry loads at start, by entry ('mqtt-hub', 'core app', 'mqtt-hub/compat', 'mqtt-hub/vue'). */
  entries: Record<string, number>
  workerBytes: number
  workerGzipBytes: number
  tabCode: string
  coreCode: string
}>
