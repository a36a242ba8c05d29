// The demo page and hub inspector: one tab of an app that uses mqtt-hub exactly as a consumer
// would (its public entry and default worker). Open it in several tabs: they share one connection.
import { createHub, HubError, type Hub, type HubStatus } from '../src/index.ts'
import { BrokerControl, type BrokerCounts } from './control.ts'
import { byTestId, onClick, showError } from './dom.ts'
import { showBroker, showSummary } from './inspector.ts'
import { setUpJobs, showJobsGroup } from './jobs.ts'
import { setUpMessages } from './messages.ts'
import { Throughput } from './throughput.ts'

const POLL_MS = 1_000
const OUTBOX_BATCH = 10

const params = new URLSearchParams(location.search)
const brokerUrl = params.get('broker') ?? 'ws://127.0.0.1:1884'
const control = BrokerControl.fromParam(params.get('control') ?? '1885')

/** This tab as the worker numbers it (from hub.inspect()). */
let tabLabel = '…'
const label = (): string => tabLabel

const statusPill = byTestId('status')
function showStatus(status: HubStatus, error?: HubError): void {
  statusPill.textContent = status
  statusPill.dataset.status = status
  showError(byTestId('status-error'), error)
}

async function start(hub: Hub): Promise<void> {
  showStatus(hub.status, hub.lastError)
  hub.onStatus(showStatus)
  hub.onError((error) => console.error(error))

  const throughput = new Throughput(control, label)
  const messages = setUpMessages(hub, label, (message) => throughput.count(message))

  // The panels any app can embed (loaded on demand, as an app would load them while debugging).
  const { mountInspector } = await import('../src/inspector.ts')
  mountInspector(hub, byTestId('inspector-mount'))

  const brokerError = byTestId('broker-error')
  const panel = new BrokerPanel(brokerError)
  panel.button('broker-stop', () => control.stop())
  panel.button('broker-start', () => control.start())

  let acked = 0
  onClick(byTestId<HTMLButtonElement>('outbox-queue'), byTestId('outbox-error'), () => Promise.all(
    Array.from({ length: OUTBOX_BATCH }, (_, i) => hub.publish(`demo/outbox/tab-${tabLabel.slice(1)}`, `#${i + 1} from tab ${tabLabel}`, { qos: 1 })
      .then(() => { byTestId('outbox-acked').textContent = String(++acked) })),
  ))

  void poll(hub, panel)
  // Subscriptions every tab makes, so that the panels have something to show from the start.
  await Promise.all([messages.subscribe('demo/#', 1), setUpJobs(hub, label)]).catch((error) => showError(byTestId('subscribe-error'), error))
}

/** The demo broker's Stop and Start buttons follow its state (enabled only when they would act). */
class BrokerPanel {
  private busy = false
  private last: BrokerCounts | null = null

  constructor(private readonly error: HTMLElement) {}

  button(id: string, action: () => Promise<unknown>): void {
    byTestId<HTMLButtonElement>(id).addEventListener('click', async () => {
      this.busy = true
      showBroker(this.last, true)
      try {
        await action()
        this.show(await control.stats())
      } catch (error) {
        showError(this.error, error)
      } finally {
        this.busy = false
        showBroker(this.last, false)
      }
    })
  }

  show(counts: BrokerCounts | null, error?: unknown): void {
    this.last = counts
    showError(this.error, error)
    showBroker(counts, this.busy)
  }
}

/** Refreshes the header, the broker's counts and the jobs from the hub and the broker, once a second. */
async function poll(hub: Hub, panel: BrokerPanel): Promise<void> {
  for (;;) {
    const [inspection, metrics, broker] = await Promise.allSettled([hub.inspect(), hub.metrics(), control.stats()])
    const counts = broker.status === 'fulfilled' ? broker.value : null
    panel.show(counts, broker.status === 'rejected' ? broker.reason : undefined)
    const seen = inspection.status === 'fulfilled' ? inspection.value : null
    if (seen) {
      const self = seen.tabs.find((tab) => tab.self)
      if (self) tabLabel = `#${self.id}`
      byTestId('tab-id').textContent = tabLabel
      document.title = `${tabLabel} · mqtt-hub inspector`
    }
    showSummary(seen, counts)
    if (metrics.status === 'fulfilled') showJobsGroup(metrics.value.exclusive.jobs)
    if (hub.status === 'closed') return
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

try {
  void start(createHub({ url: brokerUrl }))
} catch (error) {
  showStatus('closed', error instanceof HubError ? error : new HubError('INVALID_OPTIONS', String(error)))
}
