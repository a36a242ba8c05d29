import type { HubMessage } from './message.ts'
import type { Subscription } from './types.ts'

/** `hub.messages()`: the messages of one subscription, for `for await`. */
export interface HubMessageStream extends AsyncIterableIterator<HubMessage> {
  /** Messages dropped because the consumer fell more than `bufferSize` behind (the oldest go first). */
  readonly dropped: number
  /** Ends the stream and unsubscribes, as `break` in a `for await` does. */
  return(): Promise<IteratorResult<HubMessage, undefined>>
}

const DONE: IteratorResult<HubMessage, undefined> = { value: undefined, done: true }

/**
 * Buffers what the subscription receives until the consumer asks for it. A slow consumer loses
 * the oldest messages past `bufferSize` (counted in `dropped`), never blocks the other tabs or
 * handlers; the stream ends when the hub closes (after the buffered messages) or on `return()`.
 */
export function messageStream(
  subscribe: (handler: (message: HubMessage) => void) => Promise<Subscription>,
  onHubClosed: (listener: () => void) => () => void,
  bufferSize: number,
): HubMessageStream {
  const buffer: HubMessage[] = []
  let waiting: { resolve(result: IteratorResult<HubMessage, undefined>): void; reject(error: unknown): void } | null = null
  let ended = false
  let failure: unknown
  let dropped = 0

  const end = (error?: unknown): void => {
    if (ended) return
    ended = true
    failure = error
    stopWatching()
    const waiter = waiting
    waiting = null
    if (!waiter) return
    failure = undefined // told to the waiting reader; later reads are simply done
    if (error !== undefined) waiter.reject(error)
    else waiter.resolve(DONE)
  }
  const subscription = subscribe((message) => {
    if (ended) return
    if (waiting) {
      const waiter = waiting
      waiting = null
      return waiter.resolve({ value: message, done: false })
    }
    buffer.push(message)
    if (buffer.length > bufferSize) {
      buffer.shift()
      dropped++
    }
  })
  subscription.catch((error: unknown) => end(error))
  const stopWatching = onHubClosed(() => end())

  return {
    get dropped() {
      return dropped
    },
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false })
      if (ended) {
        const error = failure
        failure = undefined // reported once, then the stream is simply done
        return error === undefined ? Promise.resolve(DONE) : Promise.reject(error)
      }
      return new Promise((resolve, reject) => (waiting = { resolve, reject }))
    },
    async return() {
      end()
      buffer.length = 0
      await subscription.then((s) => s.unsubscribe()).catch(() => {})
      return DONE
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}
