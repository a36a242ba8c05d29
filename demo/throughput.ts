// Messages per second received by this tab, over the last minute, on a canvas; and the burst
// button, which has the demo broker itself publish many messages at once.
import type { HubMessage } from '../src/index.ts'
import { byTestId, onClick } from './dom.ts'
import type { BrokerControl } from './control.ts'

export const BURST_TOPIC = 'demo/burst'
const SECONDS = 60

export class Throughput {
  private readonly perSecond: number[] = new Array(SECONDS).fill(0)
  private current = 0
  private total = 0
  private peak = 0
  /** The hub hands one payload to every handler of a message. */
  private readonly seen = new WeakSet<Uint8Array>()
  private readonly canvas = byTestId<HTMLCanvasElement>('throughput-chart')

  constructor(control: BrokerControl, tabLabel: () => string) {
    setInterval(() => this.tick(), 1000)
    new ResizeObserver(() => this.draw()).observe(this.canvas)
    const result = byTestId('burst-result')
    onClick(byTestId<HTMLButtonElement>('burst-button'), byTestId('burst-error'), async () => {
      const count = Number(byTestId<HTMLSelectElement>('burst-count').value)
      const started = performance.now()
      result.textContent = `Publishing ${count} messages on ${BURST_TOPIC}…`
      const { published } = await control.burst(BURST_TOPIC, `burst from tab ${tabLabel()} #`, count).catch((error: unknown) => {
        result.textContent = ''
        throw error
      })
      result.textContent = `The broker published ${published} messages in ${Math.round(performance.now() - started)} ms.`
    })
  }

  /** A message reached one of this tab's handlers; one that several handlers got counts once. */
  count(message: HubMessage): void {
    if (this.seen.has(message.payload)) return
    this.seen.add(message.payload)
    this.current++
    this.total++
  }

  private tick(): void {
    this.perSecond.shift()
    this.perSecond.push(this.current)
    this.peak = Math.max(this.peak, this.current)
    byTestId('throughput-rate').textContent = String(this.current)
    byTestId('throughput-peak').textContent = String(this.peak)
    byTestId('throughput-total').textContent = String(this.total)
    this.current = 0
    this.draw()
  }

  private draw(): void {
    const { canvas } = this
    const ratio = window.devicePixelRatio || 1
    const width = canvas.clientWidth
    const height = canvas.clientHeight
    if (width === 0 || height === 0) return
    canvas.width = Math.round(width * ratio)
    canvas.height = Math.round(height * ratio)
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    ctx.scale(ratio, ratio)
    ctx.clearRect(0, 0, width, height)
    const styles = getComputedStyle(canvas)
    const max = niceCeiling(Math.max(10, ...this.perSecond))
    // Grid: the top line carries the scale.
    ctx.strokeStyle = styles.getPropertyValue('--line').trim() || '#e2e5ea'
    ctx.fillStyle = styles.getPropertyValue('--muted').trim() || '#667085'
    ctx.font = '11px system-ui, sans-serif'
    ctx.lineWidth = 1
    for (const level of [0.5, 1]) {
      const y = Math.round(height - (height - 14) * level) + 0.5
      ctx.beginPath()
      ctx.moveTo(0, y)
      ctx.lineTo(width, y)
      ctx.stroke()
    }
    ctx.fillText(`${max}/s`, 2, 10)
    const bar = width / SECONDS
    ctx.fillStyle = styles.getPropertyValue('--accent').trim() || '#2f6fde'
    this.perSecond.forEach((value, i) => {
      const h = value === 0 ? 0 : Math.max(1.5, ((height - 14) * value) / max)
      ctx.fillRect(i * bar + 0.5, height - h, Math.max(1, bar - 1.5), h)
    })
  }
}

/** 1, 2 or 5 times a power of ten, at least `n`. */
function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n))
  return [1, 2, 5, 10].map((f) => f * power).find((v) => v >= n)!
}
