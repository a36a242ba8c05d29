import { Duplex } from 'node:stream'

/** One end of an in-memory connection: what it is written, the other end reads. */
class End extends Duplex {
  peer!: End

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.peer.push(chunk)
    done()
  }

  override _final(done: (error?: Error | null) => void): void {
    this.peer.push(null)
    done()
  }

  /** Closing one end (a client's end(true), a broker dropping the connection) ends the other's reading. */
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (!this.peer.readableEnded) this.peer.push(null)
    done(error)
  }
}

/** Two connected in-memory duplex streams, as aedes's own tests connect clients: no network. */
export function streamPair(): [Duplex, Duplex] {
  const a = new End()
  const b = new End()
  a.peer = b
  b.peer = a
  return [a, b]
}
