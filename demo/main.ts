// The demo page and hub inspector: one tab of an app that uses mqtt-hub exactly as a consumer
// would (its public entry and default worker). Open it in several tabs: they share one connection.
import { createHub, HubError, type Hub, type HubStatus } from '../src/index.ts'
import { BrokerControl, type BrokerCounts } from './control.ts'
import { byTestId, onClick, showError } from './dom.ts'
import { showConnection, showOutbox, showSubscriptions, showTopology } from './inspector.ts'
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

  const brokerError = byTestId('broker-error')
  onClick(byTestId<HTMLButtonElement>('broker-stop'), brokerError, () => control.stop())
  onClick(byTestId<HTMLButtonElement>('broker-start'), brokerError, () => control.start())

  let acked = 0
  onClick(byTestId<HTMLButtonElement>('outbox-queue'), byTestId('outbox-error'), () => Promise.all(
    Array.from({ length: OUTBOX_BATCH }, (_, i) => hub.publish(`demo/outbox/tab-${tabLabel.slice(1)}`, `#${i + 1} from tab ${tabLabel}`, { qos: 1 })
      .then(() => { byTestId('outbox-acked').textContent = String(++acked) })),
  ))

  void poll(hub, brokerError)
  // Subscriptions every tab makes, so that the panels have something to show from the start.
  await Promise.all([messages.subscribe('demo/#', 1), setUpJobs(hub, label)]).catch((error) => showError(byTestId('subscribe-error'), error))
}

/** Refreshes the panels from the hub and the broker, once a second. */
async function poll(hub: Hub, brokerError: HTMLElement): Promise<void> {
  for (;;) {
    const [inspection, metrics, broker] = await Promise.allSettled([hub.inspect(), hub.metrics(), control.stats()])
    let counts: BrokerCounts | null = null
    if (broker.status === 'fulfilled') counts = broker.value
    showError(brokerError, broker.status === 'rejected' ? broker.reason : undefined)
    if (inspection.status === 'fulfilled') {
      const self = inspection.value.tabs.find((tab) => tab.self)
      if (self) tabLabel = `#${self.id}`
      byTestId('tab-id').textContent = tabLabel
      document.title = `${tabLabel} · mqtt-hub inspector`
      showConnection(inspection.value)
      showTopology(inspection.value, counts)
      showSubscriptions(inspection.value)
    }
    if (metrics.status === 'fulfilled') {
      showOutbox(metrics.value.outbox)
      showJobsGroup(metrics.value.exclusive.jobs)
    }
    if (hub.status === 'closed') return
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

try {
  void start(createHub({ url: brokerUrl }))
} catch (error) {
  showStatus('closed', error instanceof HubError ? error : new HubError('INVALID_OPTIONS', String(error)))
}
