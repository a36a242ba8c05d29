export function measureTabBundle(): Promise<{
  tabBytes: number
  tabGzipBytes: number
  workerBytes: number
  workerGzipBytes: number
  tabCode: string
}>
