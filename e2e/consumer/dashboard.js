// A Vue app without an SFC compiler (defineComponent + h): one component notifies once per alarm
// across tabs (idempotent: false), and shows a feed every tab gets.
import { createApp, defineComponent, h, ref } from 'vue'
import { createMqttHub, useMqtt } from 'mqtt-hub/vue'

const params = new URLSearchParams(location.search)
const topic = params.get('topic')
const mqttHub = createMqttHub({ url: params.get('broker') })
const seen = { alarms: [], feed: [] }
let feedApi

const Alarms = defineComponent({
  setup() {
    // The side effect (a notification) must happen once, whatever the number of tabs.
    const alarms = useMqtt(`${topic}/alarms`, { idempotent: false, qos: 1 })
    alarms.onMessage((data) => {
      seen.alarms.push(data)
    })
    const feed = useMqtt(`${topic}/feed`)
    feed.onMessage((data) => {
      seen.feed.push(data)
    })
    feedApi = feed
    return () => h('p', { id: 'status' }, alarms.status.value)
  },
})

const App = defineComponent({
  setup() {
    const shown = ref(true)
    window.dashboard = {
      seen,
      unmount: () => (shown.value = false),
      publishFeed: (value) => feedApi.publish(value),
      inspect: () => mqttHub.hub.inspect(),
      mode: () => mqttHub.hub.mode,
    }
    return () => (shown.value ? h(Alarms) : h('p', { id: 'status' }, 'unmounted'))
  },
})

createApp(App).use(mqttHub).mount('#app')
