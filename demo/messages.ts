// The message log, this tab's subscriptions (subscribe form) and the publish form.
import { validateTopicFilter, validateTopicName, type Hub, type HubMessage, type QoS, type Subscription } from '../src/index.ts'
import { byTestId, clock, el, showError, validateAsTyped } from './dom.ts'

const LOG_LIMIT = 200

interface Logged { message: HubMessage; filter: string; at: Date }

/** Keeps the newest messages and renders them once per frame: a burst of thousands stays cheap. */
class MessageLog {
  private readonly body = byTestId<HTMLTableSectionElement>('log')
  private readonly count = byTestId('log-count')
  private readonly empty = byTestId('log-empty')
  private waiting: Logged[] = []
  private total = 0
  private frame = 0

  constructor() {
    byTestId('log-clear').addEventListener('click', () => {
      this.waiting = []
      this.total = 0
      this.body.replaceChildren()
      this.update()
    })
    this.update()
  }

  add(message: HubMessage, filter: string): void {
    this.total++
    this.waiting.push({ message, filter, at: new Date() })
    if (this.waiting.length > LOG_LIMIT) this.waiting.splice(0, this.waiting.length - LOG_LIMIT)
    this.frame ||= requestAnimationFrame(() => this.render())
  }

  private render(): void {
    this.frame = 0
    const rows = this.waiting.map((logged) => row(logged))
    this.waiting = []
    this.body.prepend(...rows.reverse())
    while (this.body.rows.length > LOG_LIMIT) this.body.lastElementChild!.remove()
    this.update()
  }

  private update(): void {
    this.count.textContent = String(this.total)
    this.empty.hidden = this.body.rows.length > 0
  }
}

function row({ message, filter, at }: Logged): HTMLTableRowElement {
  const tr = el('tr', '', 'log-row')
  Object.assign(tr.dataset, { topic: message.topic, filter, qos: String(message.qos), retain: String(message.retain) })
  const text = message.text()
  const cell = (name: string, value: string, title?: string): HTMLTableCellElement => {
    const td = el('td', value, `log-${name}`, name)
    if (title) td.title = title
    return td
  }
  tr.append(
    cell('time', clock(at)),
    cell('topic', message.topic),
    cell('via', filter, `received through this tab's subscription ${filter}`),
    cell('payload', text, text),
    cell('qos', String(message.qos)),
    cell('retain', message.retain ? 'retained' : ''),
  )
  return tr
}

/** Wires the subscribe and publish forms; `onMessage` hears every message this tab receives. */
export function setUpMessages(hub: Hub, tabLabel: () => string, onMessage: (message: HubMessage) => void): { subscribe(filter: string, qos: QoS): Promise<void> } {
  const log = new MessageLog()
  const subscribeError = byTestId('subscribe-error')
  const list = byTestId<HTMLUListElement>('subscriptions')
  const filterInput = byTestId<HTMLInputElement>('subscribe-filter')
  validateAsTyped(filterInput, subscribeError, validateTopicFilter)

  const listSubscription = (subscription: Subscription, filter: string, qos: QoS): void => {
    const item = el('li', '', 'subscription')
    item.dataset.filter = filter
    const button = el('button', 'Unsubscribe', 'unsubscribe-button', 'quiet small')
    button.type = 'button'
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
    list.append(item)
  }

  const subscribe = async (filter: string, qos: QoS): Promise<void> => {
    const subscription = await hub.subscribe(filter, (message) => {
      onMessage(message)
      log.add(message, filter)
    }, { qos })
    listSubscription(subscription, filter, qos)
  }

  byTestId<HTMLFormElement>('subscribe-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const button = byTestId<HTMLButtonElement>('subscribe-button')
    button.disabled = true
    try {
      await subscribe(filterInput.value, Number(byTestId<HTMLSelectElement>('subscribe-qos').value) as QoS)
      showError(subscribeError, undefined)
    } catch (error) {
      showError(subscribeError, error)
    } finally {
      button.disabled = false
    }
  })

  const topicInput = byTestId<HTMLInputElement>('publish-topic')
  const payloadInput = byTestId<HTMLInputElement>('publish-payload')
  const publishError = byTestId('publish-error')
  validateAsTyped(topicInput, publishError, validateTopicName)
  byTestId<HTMLFormElement>('publish-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const qos = Number(byTestId<HTMLSelectElement>('publish-qos').value) as QoS
    const retain = byTestId<HTMLInputElement>('publish-retain').checked
    const button = byTestId<HTMLButtonElement>('publish-button')
    const payload = payloadInput.value || `hello from tab ${tabLabel()}`
    // QoS 1/2: publish() resolves at the broker's ack, which may be long (the broker is away):
    // the form is free again once the message is on disk.
    button.disabled = true
    const free = (): void => { button.disabled = false }
    try {
      await hub.publish(topicInput.value, payload, { qos, retain, onDurable: free })
      showError(publishError, undefined)
    } catch (error) {
      showError(publishError, error)
    } finally {
      free()
    }
  })

  return { subscribe }
}
