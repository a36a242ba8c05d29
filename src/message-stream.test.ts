// hub.messages(): the stream's own contract (buffering, overflow, end, unsubscribe), driven by
// hand; the same stream against a real broker and worker is in e2e/sessions.spec.ts.
import { describe, expect, it } from 'vitest'
import { HubError } from './errors.ts'
import { Message, type HubMessage } from './message.ts'
import { messageStream } from './message-stream.ts'

function source() {
  let handler: (m: HubMessage) => void = () => {}
  let closeHub: () => void = () => {}
  let unsubscribed = 0
  const send = (text: string) => handler(new Message('t', new TextEncoder().encode(text), 0, false))
  const open = (bufferSize: number, fail?: HubError) => messageStream(
    async (h) => {
      handler = h
      if (fail) throw fail
      return { unsubscribe: async () => void unsubscribed++ }
    },
    (listener) => {
      closeHub = listener
      return () => (closeHub = () => {})
    },
    bufferSize,
  )
  return { send, open, close: () => closeHub(), unsubscribed: () => unsubscribed }
}

async function take(stream: AsyncIterator<HubMessage>, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const r = await stream.next()
    out.push(r.done ? 'done' : r.value.text())
  }
  return out
}

describe('hub.messages() stream', () => {
  it('keeps the newest bufferSize messages for a slow consumer and counts the dropped ones', async () => {
    const s = source()
    const stream = s.open(3)
    for (const t of ['1', '2', '3', '4', '5']) s.send(t)
    expect(stream.dropped).toBe(2)
    expect(await take(stream, 3)).toEqual(['3', '4', '5'])
  })

  it('hands a message straight to a waiting consumer', async () => {
    const s = source()
    const stream = s.open(1)
    const next = stream.next()
    s.send('now')
    expect((await next).value?.text()).toBe('now')
    expect(stream.dropped).toBe(0)
  })

  it('ends after the buffered messages when the hub closes', async () => {
    const s = source()
    const stream = s.open(10)
    s.send('a')
    s.close()
    s.send('after close')
    expect(await take(stream, 3)).toEqual(['a', 'done', 'done'])
  })

  it('break (return) unsubscribes once and ends the stream', async () => {
    const s = source()
    const stream = s.open(10)
    s.send('a')
    for await (const m of stream) {
      expect(m.text()).toBe('a')
      break
    }
    await new Promise((r) => setTimeout(r, 0))
    expect(s.unsubscribed()).toBe(1)
    expect(await stream.next()).toEqual({ value: undefined, done: true })
  })

  it('rejects the next read with the subscription\'s error, once', async () => {
    const s = source()
    const stream = s.open(10, new HubError('SUBSCRIBE_REJECTED', 'refused', 0x87))
    await expect(stream.next()).rejects.toMatchObject({ code: 'SUBSCRIBE_REJECTED', reasonCode: 0x87 })
    expect(await stream.next()).toEqual({ value: undefined, done: true })
  })
})
