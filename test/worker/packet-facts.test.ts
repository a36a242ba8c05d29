// What a tab learns of the broker's packets through the facade (mqtt-hub/compat hands them to
// MQTT.js code): the SUBACK's grant, the packet id a PUBACK / PUBCOMP acknowledged, and the
// packet id of a received QoS 1/2 PUBLISH. Against aedes, through the real facade.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { startAedes, type TestBroker } from '../../e2e/brokers.ts'
import { TestWorker, type TestTab } from '../support/test-tab.ts'

describe('packet facts a tab is told, against aedes', () => {
  let broker: TestBroker
  const opened: TestTab[] = []
  let run = 0

  beforeAll(async () => {
    broker = await startAedes()
  })
  afterAll(() => broker.close())
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((tab) => tab.leave()))
  })

  async function connectedTab(worker = new TestWorker()): Promise<TestTab> {
    const tab = worker.tab()
    opened.push(tab)
    await tab.open({ url: broker.url })
    await tab.until(() => tab.status === 'connected', 'connected')
    return tab
  }

  it('subscribe() resolves with the QoS the broker granted, also for a filter another tab already holds', async () => {
    const worker = new TestWorker()
    const [a, b] = [await connectedTab(worker), await connectedTab(worker)]
    const filter = `facts-${++run}/+`
    expect(await a.remote.subscribe({ id: 1, filter, qos: 2 })).toEqual({ granted: 2 })
    // b's own subscription rides on the one the broker holds: the grant is that one's.
    expect(await b.remote.subscribe({ id: 1, filter, qos: 0 })).toEqual({ granted: 2 })
  })

  it('subscribe() while offline resolves with no grant (the SUBSCRIBE goes out on connect)', async () => {
    const tab = await connectedTab()
    await broker.stop()
    try {
      await tab.until(() => tab.status === 'offline', 'offline')
      expect(await tab.remote.subscribe({ id: 1, filter: `facts-${++run}/x`, qos: 1 })).toEqual({ granted: null })
    } finally {
      await broker.start()
    }
  })

  it('a stored publish is reported with the packet id the broker acknowledged [MQTT-2.3.1-1]', async () => {
    const tab = await connectedTab()
    const topic = `facts-${++run}/out`
    const seqs = [await tab.remote.publish({ topic, payload: 'a', qos: 1, retain: false }), await tab.remote.publish({ topic, payload: 'b', qos: 2, retain: false })]
    await tab.until(() => tab.acked.length === 2, 'both acks')
    expect(tab.acked.map((a) => a.seq).sort()).toEqual(seqs.sort())
    for (const { messageId } of tab.acked) expect(messageId).toBeGreaterThan(0)
    expect(tab.acked[0]!.messageId).not.toBe(tab.acked[1]!.messageId)
  })

  it('a received QoS 1/2 message carries its packet id; QoS 0 none [MQTT-2.3.1-1, MQTT-2.3.1-5]', async () => {
    const tab = await connectedTab()
    const topic = `facts-${++run}/in`
    await tab.subscribe(topic, 2)
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    for (const qos of [0, 1, 2] as const) await client.publishAsync(topic, `m${qos}`, { qos })
    await client.endAsync()
    await tab.until(() => tab.deliveries.length === 3, 'three messages')
    const ids = tab.deliveries.map((d) => [d.qos, d.messageId === undefined ? 'none' : d.messageId > 0 ? 'id' : d.messageId])
    expect(ids).toEqual([[0, 'none'], [1, 'id'], [2, 'id']])
  })
})
