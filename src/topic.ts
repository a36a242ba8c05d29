// Topic name and filter rules of MQTT 3.1.1 section 4.7 (the same in MQTT 5).
// Tab side: every page downloads this file, so it stays small and has no side effects.
import { HubError } from './errors.ts'

type TopicErrorCode = 'INVALID_TOPIC_NAME' | 'INVALID_TOPIC_FILTER'

const MAX_BYTES = 65535
const QUOTE_MAX = 80
const SLASH = 0x2f
const PLUS = 0x2b
const HASH = 0x23
const DOLLAR = 0x24

/** Throws HubError 'INVALID_TOPIC_NAME' unless `topic` may be published to. */
export function validateTopicName(topic: string): void {
  validate(topic, 'INVALID_TOPIC_NAME', 'Topic name', false)
}

/** Throws HubError 'INVALID_TOPIC_FILTER' unless `filter` may be subscribed to. */
export function validateTopicFilter(filter: string): void {
  validate(filter, 'INVALID_TOPIC_FILTER', 'Topic filter', true)
}

/**
 * Whether `filter` matches the topic name `topic`. Never throws; false when either is invalid
 * (as mosquitto_topic_matches_sub answers): an invalid filter matches nothing, and nothing can
 * be published to an invalid topic name. The worker routes with its own topic tree, so these
 * checks cost the router nothing.
 */
export function topicMatches(filter: string, topic: string): boolean {
  try {
    validateTopicFilter(filter)
    validateTopicName(topic)
  } catch {
    return false
  }
  return matchesValid(filter, topic)
}

function matchesValid(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] a leading wildcard does not match topics such as $SYS/...
  const first = filter.charCodeAt(0)
  if (topic.charCodeAt(0) === DOLLAR && (first === HASH || first === PLUS)) return false
  const fl = filter.length
  const tl = topic.length
  let f = 0 // start of the current filter level
  let t = 0 // start of the current topic level
  for (;;) {
    if (filter.charCodeAt(f) === HASH) return true // '#' is last and matches the rest
    const fEnd = levelEnd(filter, f)
    const tEnd = levelEnd(topic, t)
    const plus = fEnd === f + 1 && filter.charCodeAt(f) === PLUS // matches any level, even ''
    if (!plus && !sameLevel(filter, f, fEnd, topic, t, tEnd)) return false
    if (fEnd === fl) return tEnd === tl
    // The topic has no more levels: only a final '#' still matches ('foo/#' matches 'foo').
    if (tEnd === tl) return fEnd + 2 === fl && filter.charCodeAt(fEnd + 1) === HASH
    f = fEnd + 1
    t = tEnd + 1
  }
}

/** Bytes `s` takes in UTF-8; a lone surrogate counts 3, as TextEncoder writes it as U+FFFD. */
export function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c <= 0xdbff && c >= 0xd800 && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 2 // two code units, four bytes
      i++
    } else n += 2
  }
  return n
}

function validate(value: unknown, code: TopicErrorCode, what: string, isFilter: boolean): void {
  if (typeof value !== 'string') {
    throw new HubError(code, `${what} must be a string, got ${value === null ? 'null' : typeof value}`)
  }
  // [MQTT-4.7.3-1]
  if (value.length === 0) throw new HubError(code, `${what} must not be empty [MQTT-4.7.3-1]`)
  // [MQTT-4.7.3-3] every code unit is at least one byte: reject before scanning a huge string.
  if (value.length > MAX_BYTES) {
    throw new HubError(code, `${what} must encode to at most ${MAX_BYTES} bytes of UTF-8, it has ` +
      `${value.length} UTF-16 code units [MQTT-4.7.3-3]: ${quote(value)}`)
  }
  const fail = (i: number, problem: string, rule: string): never => {
    throw new HubError(code, `${what} ${problem} (at index ${i}) [${rule}]: ${quote(value)}`)
  }
  const last = value.length - 1
  for (let i = 0; i <= last; i++) {
    const c = value.charCodeAt(i)
    // [MQTT-4.7.3-2]
    if (c === 0) fail(i, 'must not contain U+0000', 'MQTT-4.7.3-2')
    // [MQTT-1.5.3-1] a pair of surrogates is one code point; a lone one cannot be encoded.
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && isLowSurrogate(value.charCodeAt(i + 1))) i++
      else fail(i, `must be well-formed UTF-16, has a lone surrogate U+${c.toString(16).toUpperCase()}`, 'MQTT-1.5.3-1')
    } else if (c === PLUS || c === HASH) {
      const w = c === PLUS ? '+' : '#'
      // [MQTT-3.3.2-2]
      if (!isFilter) fail(i, `must not contain the wildcard '${w}'`, 'MQTT-3.3.2-2')
      const wholeLevel = i === 0 || value.charCodeAt(i - 1) === SLASH
      if (c === HASH) {
        // [MQTT-4.7.1-2]
        if (!wholeLevel) fail(i, `must have '#' alone or right after '/'`, 'MQTT-4.7.1-2')
        if (i !== last) fail(i, `must have '#' as its last character`, 'MQTT-4.7.1-2')
      } else if (!wholeLevel || (i !== last && value.charCodeAt(i + 1) !== SLASH)) {
        // [MQTT-4.7.1-3]
        fail(i, `must use '+' only as a whole level, as in 'a/+/b'`, 'MQTT-4.7.1-3')
      }
    }
  }
  // [MQTT-4.7.3-3] only a string of more than MAX_BYTES / 3 code units can be too long.
  if (value.length * 3 > MAX_BYTES) {
    const bytes = utf8Length(value)
    if (bytes > MAX_BYTES) {
      throw new HubError(code, `${what} must encode to at most ${MAX_BYTES} bytes of UTF-8, it has ` +
        `${bytes} [MQTT-4.7.3-3]: ${quote(value)}`)
    }
  }
}

function levelEnd(s: string, start: number): number {
  const end = s.indexOf('/', start)
  return end === -1 ? s.length : end
}

function sameLevel(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false
  for (let i = 0; i < aEnd - aStart; i++) {
    if (a.charCodeAt(aStart + i) !== b.charCodeAt(bStart + i)) return false
  }
  return true
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff
}

/** The value as a JSON string of at most QUOTE_MAX characters, so huge input gives a short message. */
function quote(s: string): string {
  if (s.length <= QUOTE_MAX) return JSON.stringify(s)
  let end = QUOTE_MAX - 1
  if (isLowSurrogate(s.charCodeAt(end))) end-- // do not split a surrogate pair
  return `${JSON.stringify(s.slice(0, end) + '…')} (${s.length} code units)`
}
