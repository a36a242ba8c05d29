// A batch of deliveries crosses the port as one transferred buffer: what the tab unpacks is what
// the worker packed, field for field, in order.
import { describe, expect, it } from 'vitest'
import { packDeliveries, unpackDeliveries } from './delivery-batch.ts'
import type { Delivery, MessagesEvent } from './protocol.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

const batch: Delivery[] = [
  { subs: [1], topic: 'a/b', payload: bytes('hello'), qos: 0, retain: false },
  { subs: [2, 3, 70_000], topic: 'caf\u00e9/\u6e29\u5ea6/\u{1f600}', payload: bytes('{"t":21.5}'), qos: 1, retain: true },
  { subs: [4], topic: 'jobs/1', payload: new Uint8Array(0), qos: 2, retain: false, job: 4_000_000_000, redelivered: true },
  { subs: [5], topic: 'rpc', payload: new Uint8Array([0, 255, 1]), qos: 1, retain: false, properties: { contentType: 'x', userProperties: { k: 'v' } } },
  { subs: [], topic: 'x', payload: bytes('p'), qos: 0, retain: false, job: 0, redelivered: false },
]

function unpack(event: MessagesEvent): Delivery[] {
  const out: Delivery[] = []
  unpackDeliveries(event, (d) => out.push({ ...d, payload: Uint8Array.from(d.payload) }))
  return out
}

describe('delivery batches', () => {
  it('unpack gives back every field of every delivery, in order (UTF-8 topics, jobs, properties, empty payloads)', () => {
    expect(unpack(packDeliveries(batch))).toEqual(batch)
  })

  it('an empty batch unpacks to nothing', () => {
    expect(unpack(packDeliveries([]))).toEqual([])
  })

  it('survives a transfer over a MessagePort, and the worker keeps no access to the buffer', async () => {
    const { port1, port2 } = new MessageChannel()
    const event = packDeliveries(batch)
    const received = new Promise<MessagesEvent>((resolve) => {
      port2.onmessage = (e: MessageEvent<MessagesEvent>) => resolve(e.data)
    })
    port1.postMessage(event, [event.buffer])
    expect(event.buffer.byteLength).toBe(0) // transferred, not copied
    expect(unpack(await received)).toEqual(batch)
    port1.close()
  })
})
