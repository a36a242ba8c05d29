// The demo page: one tab of an app that uses mqtt-hub exactly as a consumer would.
// Open it in several tabs of one browser: they share one broker connection.
import {
  createHub, HubError, validateTopicFilter, validateTopicName,
  type Hub, type HubMessage, type HubStatus, type QoS, type Subscription,
} from '../src/index.ts'

const LOG_LIMIT = 200
const POLL_MS = 1_000

const params = new URLSearchParams(location.search)
const brokerUrl = params.get('broker') ?? 'ws://127.0.0.1:1884'
const controlUrl = controlBase(params.get('control') ?? '1885')
const tabId = crypto.randomUUID().slice(0, 4)

/** `?control=` is a port on 127.0.0.1 or a full http(s) URL. */
function controlBase(value: string): string {
  return /^\d+$/.test(value) ? `http://127.0.0.1:${value}` : value.replace(/\/+$/, '')
}

function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`)
  if (!el) throw new Error(`demo/index.html has no [data-testid="${id}"]`)
  return el
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', testId?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  node.textContent = text
  if (testId) node.dataset.testid = testId
  return node
}

/** Shows an error as "CODE: message" (HubError) or its message; `undefined` hides the output. */
function showError(output: HTMLElement, error: unknown): void {
  output.hidden = error === undefined
  output.textContent = error instanceof HubError ? `${error.code}: ${error.message}`
    : error instanceof Error ? error.message : error === undefined ? '' : String(error)
}

/** Runs a validator as the user types, so a bad topic is explained before it is sent. */
function validateAsTyped(input: HTMLInputElement, output: HTMLElement, validate: (value: string) => void): void {
  const check = (): void => {
    try {
      validate(input.value)
      input.removeAttribute('aria-invalid')
      showError(output, undefined)
    } catch (error) {
      input.setAttribute('aria-invalid', 'true')
      showError(output, error)
    }
  }
  input.addEventListener('input', check)
  check()
}

function readQos(select: HTMLSelectElement): QoS {
  return Number(select.value) as QoS
}

// --- header and connection ----------------------------------------------------------------

byTestId('tab-id').textContent = tabId
document.title = `mqtt-hub demo · tab ${tabId}`
byTestId('broker-url').textContent = brokerUrl

const statusPill = byTestId('status')
const statusError = byTestId('status-error')

function showStatus(status: HubStatus, error?: HubError): void {
  statusPill.textContent = status
  statusPill.dataset.status = status
  showError(statusError, error)
}

let hub: Hub | undefined
try {
  hub = createHub({ url: brokerUrl })
  showStatus(hub.status, hub.lastError)
  hub.onStatus(showStatus)
} catch (error) {
  showStatus('closed', error instanceof HubError ? error : new HubError('INVALID_OPTIONS', String(error)))
}

// --- message log ---------------------------------------------------------------------------

const log = byTestId<HTMLTableSectionElement>('log')
const logCount = byTestId('log-count')
const logEmpty = byTestId('log-empty')

function updateLogCount(): void {
  logCount.textContent = String(log.rows.length)
  logEmpty.hidden = log.rows.length > 0
}

function time(): string {
  const now = new Date()
  return `${now.toLocaleTimeString('en-GB', { hour12: false })}.${String(now.getMilliseconds()).padStart(3, '0')}`
}

function logMessage(message: HubMessage, filter: string): void {
  const row = el('tr', '', 'log-row')
  Object.assign(row.dataset, { topic: message.topic, filter, qos: String(message.qos), retain: String(message.retain) })
  const cell = (name: string, text: string, title?: string): HTMLTableCellElement => {
    const td = el('td', text, `log-${name}`)
    td.className = name
    if (title) td.title = title
    return td
  }
  const text = message.text()
  row.append(
    cell('time', time()),
    cell('topic', message.topic, `${message.topic}\nvia subscription ${filter}`),
    cell('payload', text, text),
    cell('qos', String(message.qos)),
    cell('retain', message.retain ? 'retained' : ''),
  )
  log.prepend(row)
  while (log.rows.length > LOG_LIMIT) log.lastElementChild!.remove()
  updateLogCount()
}

byTestId('log-clear').addEventListener('click', () => {
  log.replaceChildren()
  updateLogCount()
})
updateLogCount()

// --- subscribe -----------------------------------------------------------------------------

const subscribeForm = byTestId<HTMLFormElement>('subscribe-form')
const filterInput = byTestId<HTMLInputElement>('subscribe-filter')
const subscribeError = byTestId('subscribe-error')
const subscriptionList = byTestId<HTMLUListElement>('subscriptions')

validateAsTyped(filterInput, subscribeError, validateTopicFilter)

function listSubscription(subscription: Subscription, filter: string, qos: QoS): void {
  const item = el('li', '', 'subscription')
  item.dataset.filter = filter
  const button = el('button', 'Unsubscribe', 'unsubscribe-button')
  button.type = 'button'
  button.className = 'quiet'
  button.addEventListener('click', async () => {
    button.disabled = true
    try {
      await subscription.unsubscribe()
      item.remove()
      showError(subscribeError, undefined)
    } catch (error) {
      button.disabled = false
      showError(subscribeError, error)
    }
  })
  item.append(el('code', filter), el('span', `QoS ${qos}`, 'subscription-qos'), button)
  subscriptionList.append(item)
}

subscribeForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  if (!hub) return
  const filter = filterInput.value
  const qos = readQos(byTestId<HTMLSelectElement>('subscribe-qos'))
  const button = byTestId<HTMLButtonElement>('subscribe-button')
  button.disabled = true
  try {
    const subscription = await hub.subscribe(filter, (message) => logMessage(message, filter), { qos })
    listSubscription(subscription, filter, qos)
    showError(subscribeError, undefined)
  } catch (error) {
    showError(subscribeError, error)
  } finally {
    button.disabled = false
  }
})

// --- publish -------------------------------------------------------------------------------

const publishForm = byTestId<HTMLFormElement>('publish-form')
const topicInput = byTestId<HTMLInputElement>('publish-topic')
const payloadInput = byTestId<HTMLTextAreaElement>('publish-payload')
const publishError = byTestId('publish-error')

payloadInput.value = `hello from tab ${tabId}`
validateAsTyped(topicInput, publishError, validateTopicName)

publishForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  if (!hub) return
  const qos = readQos(byTestId<HTMLSelectElement>('publish-qos'))
  const retain = byTestId<HTMLInputElement>('publish-retain').checked
  const button = byTestId<HTMLButtonElement>('publish-button')
  button.disabled = true
  try {
    await hub.publish(topicInput.value, payloadInput.value, { qos, retain })
    showError(publishError, undefined)
  } catch (error) {
    showError(publishError, error)
  } finally {
    button.disabled = false
  }
})

// --- broker control (the demo broker's HTTP API, not part of mqtt-hub) -------------------------

const brokerCount = byTestId('broker-connected')
const brokerError = byTestId('broker-error')

async function control(method: 'GET' | 'POST', path: string): Promise<unknown> {
  const response = await fetch(`${controlUrl}${path}`, { method, signal: AbortSignal.timeout(3_000) })
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`)
  return response.json()
}

async function pollBroker(): Promise<void> {
  try {
    const stats = (await control('GET', '/stats')) as { connected: number }
    brokerCount.textContent = String(stats.connected)
    showError(brokerError, undefined)
  } catch (error) {
    brokerCount.textContent = '–'
    showError(brokerError, `Broker control API at ${controlUrl} is unreachable (${(error as Error).message})`)
  }
  setTimeout(() => void pollBroker(), POLL_MS)
}

for (const action of ['stop', 'start'] as const) {
  const button = byTestId<HTMLButtonElement>(`broker-${action}`)
  button.addEventListener('click', async () => {
    button.disabled = true
    try {
      await control('POST', `/${action}`)
    } catch (error) {
      showError(brokerError, error)
    } finally {
      button.disabled = false
    }
  })
}

void pollBroker()
