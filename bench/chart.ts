// bench/results/throughput.svg: delivered msg/s (all tabs together) by tab count for hub, direct
// and the Node ceiling, one panel per broker. Hand-written SVG, no chart library.
import type { BrokerResults } from './results.ts'

const PANEL_W = 360
const PANEL_H = 240
const MARGIN = { left: 64, right: 16, top: 40, bottom: 44 }
const COLORS = { hub: '#1f77b4', direct: '#d62728', node: '#7f7f7f' }

export function throughputChart(brokers: BrokerResults[], caption: string): string {
  const width = brokers.length * (PANEL_W + MARGIN.left + MARGIN.right)
  const height = PANEL_H + MARGIN.top + MARGIN.bottom + 44
  const panels = brokers.map((b, i) => panel(b, i * (PANEL_W + MARGIN.left + MARGIN.right) + MARGIN.left))
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...panels,
    legend(MARGIN.left, height - 28),
    `<text x="${MARGIN.left}" y="${height - 8}" fill="#555" font-size="10">${escapeXml(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n')
}

function panel(results: BrokerResults, x0: number): string {
  const tabCounts = [...new Set(results.rows.map((r) => r.tabs))].sort((a, b) => a - b)
  const series = (kind: 'hub' | 'direct'): Array<[number, number]> =>
    tabCounts.flatMap((t) => {
      const r = results.rows.find((row) => row.kind === kind && row.tabs === t)
      return r && Number.isFinite(r.throughput.total) ? [[t, r.throughput.total] as [number, number]] : []
    })
  const hub = series('hub')
  const direct = series('direct')
  const node = results.node.msgsPerS
  const yMax = niceCeiling(Math.max(node, ...hub.map((p) => p[1]), ...direct.map((p) => p[1]), 1))
  const xMax = Math.max(...tabCounts, 1)
  const x = (tabs: number): number => x0 + (tabs / xMax) * PANEL_W
  const y = (value: number): number => MARGIN.top + PANEL_H - (value / yMax) * PANEL_H
  const out: string[] = [
    `<text x="${x0 + PANEL_W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${results.broker}: delivered msg/s, all tabs</text>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const value = (yMax * i) / 4
    out.push(`<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`)
    out.push(`<text x="${x0 - 6}" y="${y(value) + 4}" text-anchor="end">${Math.round(value).toLocaleString('en-US')}</text>`)
  }
  for (const t of tabCounts) out.push(`<text x="${x(t)}" y="${MARGIN.top + PANEL_H + 16}" text-anchor="middle">${t}</text>`)
  out.push(`<text x="${x0 + PANEL_W / 2}" y="${MARGIN.top + PANEL_H + 32}" text-anchor="middle" fill="#555">tabs</text>`)
  out.push(`<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${y(node)}" y2="${y(node)}" stroke="${COLORS.node}" stroke-width="2" stroke-dasharray="6 4"/>`)
  out.push(`<text x="${x0 + 4}" y="${y(node) - 5}" fill="${COLORS.node}">node ${Math.round(node).toLocaleString('en-US')}</text>`)
  for (const [name, points, other] of [['hub', hub, direct], ['direct', direct, hub]] as const) {
    const color = COLORS[name]
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([t, v]) => `${x(t)},${y(v)}`).join(' ')}"/>`)
    for (const [t, v] of points) {
      out.push(`<circle cx="${x(t)}" cy="${y(v)}" r="3.5" fill="${color}"/>`)
      // The upper series is labelled above its points, the lower one below.
      const above = v >= (other.find(([ot]) => ot === t)?.[1] ?? 0)
      out.push(`<text x="${x(t) - 6}" y="${y(v) + (above ? -8 : 16)}" text-anchor="end" fill="${color}" font-size="10">${Math.round(v).toLocaleString('en-US')}</text>`)
    }
  }
  return out.join('\n')
}

function legend(x: number, y: number): string {
  const items: Array<[string, string, string]> = [
    ['hub (mqtt-hub, one shared connection)', COLORS.hub, ''],
    ['direct (MQTT.js per tab)', COLORS.direct, ''],
    ['node (one Node subscriber)', COLORS.node, ' stroke-dasharray="6 4"'],
  ]
  let at = x
  return items.map(([label, color, dash]) => {
    const item = `<line x1="${at}" x2="${at + 20}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"${dash}/>` +
      `<text x="${at + 26}" y="${y}">${escapeXml(label)}</text>`
    at += 30 + label.length * 6.2
    return item
  }).join('\n')
}

function niceCeiling(value: number): number {
  const step = 10 ** Math.floor(Math.log10(value))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step
  return 10 * step
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
