// A React app without JSX (createElement), in StrictMode so that every effect mounts twice in
// dev: an exclusive handler that must run once per message across tabs, a feed of the latest
// messages, the shared status, and a switch that unmounts it all.
import { createElement as h, StrictMode, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { createHub } from 'mqtt-hub'
import { HubProvider, useHubStatus, useMessages, useSubscription } from 'mqtt-hub/react'

const params = new URLSearchParams(location.search)
const topic = params.get('topic')
const hub = createHub({ url: params.get('broker') })
const seen = { alerts: [] }
let hide

function Alerts() {
  const { state } = useSubscription(`${topic}/alerts`, (message) => {
    seen.alerts.push(message.json())
  }, { exclusive: true, qos: 1 })
  return h('p', { id: 'alerts' }, state)
}

function Feed() {
  const feed = useMessages(`${topic}/feed`, { limit: 3 })
  return h('p', { id: 'feed' }, feed.map((message) => message.text()).join(','))
}

function Status() {
  return h('p', { id: 'status' }, useHubStatus())
}

function App() {
  const [shown, setShown] = useState(true)
  hide = () => setShown(false)
  return shown ? h('div', null, h(Status), h(Alerts), h(Feed)) : h('p', { id: 'status' }, 'unmounted')
}

window.reactApp = {
  seen,
  unmount: () => hide(),
  publish: (to, text) => hub.publish(`${topic}/${to}`, text, { qos: 1 }),
}
createRoot(document.getElementById('app')).render(h(StrictMode, null, h(HubProvider, { hub }, h(App))))
