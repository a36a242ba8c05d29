// @ts-check
// What the bench's publisher writes and its pages read, shared by Node and the browser (plain JS,
// so that the Node child processes run it without a build).
//
// Payload (PAYLOAD_BYTES, little-endian): float64 wall-clock send time in ms at 0, uint32 sequence
// number at 8, filler after. A 100-byte payload is the figure.

export const PAYLOAD_BYTES = 100

/**
 * @param {number} seq
 * @param {number} sentAt wall-clock ms (see wallClock)
 * @returns {Uint8Array}
 */
export function encodePayload (seq, sentAt) {
  const bytes = new Uint8Array(PAYLOAD_BYTES).fill(0x78) // 'x'
  const view = new DataView(bytes.buffer)
  view.setFloat64(0, sentAt, true)
  view.setUint32(8, seq, true)
  return bytes
}

/** @param {Uint8Array} payload */
export function sentAtOf (payload) {
  return new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0, true)
}

/** @param {Uint8Array} payload */
export function seqOf (payload) {
  return new DataView(payload.buffer, payload.byteOffset + 8, 4).getUint32(0, true)
}

/**
 * A wall clock with performance.now()'s resolution that agrees between processes of one machine.
 * `performance.timeOrigin` can sit milliseconds away from the system clock (Chromium fixes the
 * offset at browser start), so each process measures its own offset against Date.now() — the
 * same system clock everywhere — averaged over a few milliseconds of samples. Date.now()'s
 * flooring biases every process by the same half millisecond, which cancels in a difference.
 * @returns {() => number}
 */
export function wallClock () {
  const origin = performance.timeOrigin
  let sum = 0
  let samples = 0
  const until = performance.now() + 10
  while (performance.now() < until) {
    sum += Date.now() - (origin + performance.now())
    samples++
  }
  const offset = sum / samples
  return () => origin + performance.now() + offset
}
