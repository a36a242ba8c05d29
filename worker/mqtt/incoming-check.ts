// Checks the bytes a broker sends before MQTT.js parses them: a protocol violation closes the
// connection [MQTT-4.8.0-1] and never reaches a handler. MQTT.js decodes a topic name with
// U+FFFD for bad bytes, passes wildcards on, skips reserved packet types and waits for any
// remaining length, so only the raw bytes can tell.

/** Why a connection was closed; `rule` names the MQTT requirement the broker broke. */
export interface ProtocolViolation {
  rule: string
  message: string
}

const PUBLISH = 3
/** Packets only a client sends: CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT is allowed both ways in MQTT 5. */
const CLIENT_ONLY = new Set([1, 8, 10, 12])
/** Fixed-header flags every packet but PUBLISH must carry [MQTT-2.2.2-1]: PUBREL, SUBSCRIBE and UNSUBSCRIBE 0b0010. */
const FLAGS = new Map([[2, 0], [4, 0], [5, 0], [6, 2], [7, 0], [9, 0], [11, 0], [13, 0], [14, 0], [15, 0]])
const MAX_REMAINING_LENGTH_BYTES = 4
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads the packet stream of one connection: frames may hold several packets or part of one.
 * Only the fixed header and a PUBLISH's topic are kept; everything else is counted past.
 */
export class IncomingCheck {
  /** Bytes of the current packet's header read so far (fixed header, then a PUBLISH's topic). */
  private head: number[] = []
  /** Body bytes of the current packet still to pass once its header was checked. */
  private skip = 0

  constructor(private readonly maxPacketBytes: number, private readonly protocolVersion: 4 | 5) {}

  /** The first violation in these bytes, or null; after a violation the connection is closed. */
  feed(bytes: Uint8Array): ProtocolViolation | null {
    let i = 0
    while (i < bytes.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - i)
        this.skip -= n
        i += n
        continue
      }
      this.head.push(bytes[i++]!)
      const result = this.checkHead()
      if (result === 'more') continue
      if (result !== null) return result
    }
    return null
  }

  /** 'more' until the header is complete; then null (and the body is skipped) or the violation. */
  private checkHead(): ProtocolViolation | null | 'more' {
    const head = this.head
    const type = head[0]! >> 4
    const flags = head[0]! & 0x0f
    if (head.length === 1) return this.checkType(type, flags)
    // Remaining length: 7 bits a byte, at most 4 bytes [MQTT-2.2.3].
    let remaining = 0
    let multiplier = 1
    let end = 1
    for (;;) {
      if (end >= head.length) return 'more'
      const byte = head[end]!
      remaining += (byte & 0x7f) * multiplier
      multiplier *= 128
      end++
      if ((byte & 0x80) === 0) break
      if (end > MAX_REMAINING_LENGTH_BYTES) return violation('MQTT-2.2.3', 'a remaining length longer than 4 bytes (malformed packet)')
    }
    if (end + remaining > this.maxPacketBytes) {
      return violation('MQTT-3.1.2-24', `a ${end + remaining}-byte packet, over the hub's maximum packet size of ${this.maxPacketBytes} bytes`)
    }
    if (type === PUBLISH) {
      if (remaining < 2) return violation('MQTT-3.3.2-1', 'a PUBLISH without a topic name (malformed packet)')
      if (head.length < end + 2) return 'more'
      const topicLength = (head[end]! << 8) | head[end + 1]!
      if (topicLength > remaining - 2) return violation('MQTT-3.3.2-1', 'a topic name longer than its PUBLISH (malformed packet)')
      if (head.length < end + 2 + topicLength) return 'more'
      const topic = Uint8Array.from(head.slice(end + 2))
      this.skip = remaining - 2 - topicLength
      this.head = []
      return checkTopicName(topic, this.protocolVersion)
    }
    this.skip = remaining
    this.head = []
    return null
  }

  private checkType(type: number, flags: number): ProtocolViolation | null {
    if (type === 0 || (type === 15 && this.protocolVersion === 4)) {
      return violation('MQTT-2.2.1', `a packet of the reserved type ${type}`)
    }
    if (type === 15) return violation('MQTT-4.12.0-1', 'an AUTH packet, though the hub never asks for enhanced authentication')
    if (CLIENT_ONLY.has(type)) return violation('MQTT-2.2.1', `a packet of type ${type}, which only a client may send`)
    if (type === PUBLISH) {
      if ((flags & 0x06) === 0x06) return violation('MQTT-3.3.1-4', 'a PUBLISH with QoS 3')
      return null
    }
    if (FLAGS.get(type) !== flags) return violation('MQTT-2.2.2-2', `a packet of type ${type} with invalid fixed-header flags`)
    return null
  }
}

/** A topic name from the wire: well-formed UTF-8, no U+0000, no wildcards. */
function checkTopicName(bytes: Uint8Array, protocolVersion: 4 | 5): ProtocolViolation | null {
  let topic: string
  try {
    topic = utf8.decode(bytes)
  } catch {
    return violation('MQTT-1.5.3-1', 'a topic name that is not well-formed UTF-8')
  }
  // MQTT 5 allows an empty topic name when a topic alias stands for it [MQTT-3.3.2-8].
  if (topic.length === 0 && protocolVersion === 4) return violation('MQTT-4.7.3-1', 'an empty topic name')
  if (topic.includes('\u0000')) return violation('MQTT-4.7.3-2', 'a topic name with U+0000')
  if (/[+#]/.test(topic)) return violation('MQTT-3.3.2-2', 'a topic name with a wildcard character (+ or #)')
  return null
}

function violation(rule: string, what: string): ProtocolViolation {
  return { rule, message: `The broker broke the MQTT protocol [${rule}]: it sent ${what}` }
}
