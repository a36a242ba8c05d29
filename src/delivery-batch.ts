// One batch of deliveries as one transferred ArrayBuffer (`MessagesEvent`, src/protocol.ts): a
// structured clone of a batch costs an object, a string and a copied buffer per message; this is
// one transfer per batch. The worker packs, the tab unpacks; the layout is in this file alone.
//
// Layout: Uint32 words, then bytes, in one buffer.
//   word 0: how many words (this one included)
//   per delivery: flags, topic bytes, payload bytes, job, the broker's packet id (0: none), number of subs, the subs' ids
//     flags: bits 0-1 QoS, bit 2 retain, bit 3 redelivered (jobs only), bit 4 has a job, bit 5 has properties
//   bytes (from words * 4): per delivery, the topic (UTF-8), then the payload
// MQTT 5 properties are rare and of any shape: they travel beside the buffer, by structured clone.
import type { Delivery, MessagesEvent } from './protocol.ts'
import type { MessageProperties, QoS } from './public-types.ts'

const RETAIN = 4
const REDELIVERED = 8
const JOB = 16
const PROPERTIES = 32

let encoder: TextEncoder | undefined
let decoder: TextDecoder | undefined

/** Packs deliveries into one event whose buffer is to be transferred (`postMessage(event, [event.buffer])`). */
export function packDeliveries(deliveries: readonly Delivery[]): MessagesEvent {
  encoder ??= new TextEncoder()
  let words = 1
  let maxBytes = 0
  for (const d of deliveries) {
    words += 6 + d.subs.length
    maxBytes += d.topic.length * 3 + d.payload.byteLength
  }
  const buffer = new ArrayBuffer(words * 4 + maxBytes)
  const head = new Uint32Array(buffer, 0, words)
  const bytes = new Uint8Array(buffer, words * 4)
  const properties: MessageProperties[] = []
  let w = 1
  let b = 0
  head[0] = words
  for (const d of deliveries) {
    const topicBytes = encoder.encodeInto(d.topic, bytes.subarray(b)).written
    b += topicBytes
    bytes.set(d.payload, b)
    b += d.payload.byteLength
    head[w++] = d.qos | (d.retain ? RETAIN : 0) | (d.redelivered ? REDELIVERED : 0) | (d.job === undefined ? 0 : JOB)
      | (d.properties ? PROPERTIES : 0)
    head[w++] = topicBytes
    head[w++] = d.payload.byteLength
    head[w++] = d.job ?? 0
    head[w++] = d.messageId ?? 0
    head[w++] = d.subs.length
    for (const sub of d.subs) head[w++] = sub
    if (d.properties) properties.push(d.properties)
  }
  return { type: 'messages', count: deliveries.length, buffer, ...(properties.length > 0 && { properties }) }
}

/**
 * Calls `each` for every delivery of a packed batch, in order. Topics are decoded; payloads are
 * views into the batch's buffer (no copy).
 */
export function unpackDeliveries(event: MessagesEvent, each: (delivery: Delivery) => void): void {
  decoder ??= new TextDecoder()
  const { buffer } = event
  const words = new Uint32Array(buffer, 0, 1)[0]!
  const head = new Uint32Array(buffer, 0, words)
  const bytes = new Uint8Array(buffer, words * 4)
  let w = 1
  let b = 0
  let p = 0
  for (let i = 0; i < event.count; i++) {
    const flags = head[w++]!
    const topicBytes = head[w++]!
    const payloadBytes = head[w++]!
    const job = head[w++]!
    const messageId = head[w++]!
    const subs = Array.from(head.subarray(w + 1, w + 1 + head[w]!))
    w += 1 + subs.length
    const topic = decoder.decode(bytes.subarray(b, b + topicBytes))
    b += topicBytes
    const payload = bytes.subarray(b, b + payloadBytes)
    b += payloadBytes
    const delivery: Delivery = { subs, topic, payload, qos: (flags & 3) as QoS, retain: (flags & RETAIN) !== 0 }
    if (messageId !== 0) delivery.messageId = messageId
    if (flags & JOB) {
      delivery.job = job
      delivery.redelivered = (flags & REDELIVERED) !== 0
    }
    if (flags & PROPERTIES) delivery.properties = event.properties?.[p++]
    each(delivery)
  }
}
