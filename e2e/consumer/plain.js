// A page that uses the main entry only, as the README's quick start shows.
import { createHub } from 'mqtt-hub'

let hub
const received = []

window.consumer = {
  async open(url) {
    hub = createHub({ url })
    await hub.ready(15_000)
    return hub.mode
  },
  async subscribe(filter) {
    await hub.subscribe(filter, (message) => received.push(`${message.topic} ${message.text()}`), { qos: 1 })
  },
  publish: (topic, text) => hub.publish(topic, text, { qos: 1 }),
  received: () => received,
  inspect: () => hub.inspect(),
  /** The inspector, imported only when asked for (as an app would while debugging). */
  async mountInspector() {
    const { mountInspector } = await import('mqtt-hub/inspector')
    mountInspector(hub, document.body)
  },
  /** Script URLs this page loaded. */
  scripts: () => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => name.endsWith('.js')),
}
document.getElementById('state').textContent = 'ready'
