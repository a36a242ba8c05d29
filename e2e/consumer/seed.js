// A Vue component written for the leader-electing useMQTT composable (seed 000), as it was
// written: only the import and the app's connection set-up differ.
import { createApp, defineComponent, h } from 'vue'
import { createMqttHub, useMQTT } from 'mqtt-hub/vue'

const params = new URLSearchParams(location.search)
const topic = params.get('topic')
const seen = { orders: [], feed: [], acks: [] }
let ids = []

const Orders = defineComponent({
  setup() {
    const { status, id, onMessage, publish } = useMQTT(`${topic}/orders`, { immediate: true, isIdempotent: false, qos: 1 })
    onMessage((data) => {
      seen.orders.push(data)
    })
    const feed = useMQTT(`${topic}/feed`)
    feed.onMessage((data) => {
      seen.feed.push(data)
    })
    ids = [id, feed.id]
    window.seed.publishFeed = (message) => feed.publish(message, `${topic}/feed`, (err) => seen.acks.push(err ?? 'ok'))
    window.seed.publishOrder = (message) => publish(message)
    return () => h('p', { id: 'status' }, status.value)
  },
})

window.seed = { seen, ids: () => ids }
createApp(Orders).use(createMqttHub({ url: params.get('broker') })).mount('#app')
