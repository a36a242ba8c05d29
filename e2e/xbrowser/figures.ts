// The figures scenarios measure (lock release, failover, UNSUBSCRIBE time, hidden-tab timers...),
// one JSON line each, and the table printed at the end of the run (docs/browsers.md quotes it).
import { appendFileSync } from 'node:fs'

export const FIGURES_FILE = new URL('../.artifacts/xbrowser-figures.jsonl', import.meta.url).pathname

export interface Figure {
  engine: string
  broker: string
  metric: string
  value: number | string
  unit?: string
}

export function record(figure: Figure): void {
  appendFileSync(FIGURES_FILE, `${JSON.stringify(figure)}\n`)
  console.log(`[${figure.engine} ${figure.broker}] ${figure.metric}: ${figure.value}${figure.unit ? ` ${figure.unit}` : ''}`)
}

/** One line per metric and engine: every value measured, in the order measured. */
export function summarise(jsonLines: string): string {
  const rows = new Map<string, string[]>()
  for (const line of jsonLines.trim().split('\n')) {
    const f = JSON.parse(line) as Figure
    const key = `${f.metric} | ${f.engine}`
    rows.set(key, [...(rows.get(key) ?? []), `${f.value}${f.unit ?? ''}${f.broker === '-' ? '' : ` (${f.broker})`}`])
  }
  return ['cross-browser figures:', ...[...rows].sort(([a], [b]) => a.localeCompare(b)).map(([key, values]) => `  ${key}: ${values.join(', ')}`)].join('\n')
}
