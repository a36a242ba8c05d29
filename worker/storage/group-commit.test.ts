// GroupCommit's contract, with a store whose transactions end when the test says: one commit at
// a time, what arrives meanwhile goes into the next, and flush() waits for all of it.
import { describe, expect, it } from 'vitest'
import { GroupCommit } from './group-commit.ts'

/** A store of numbers; each commit takes all pending ones and stays open until finish(). */
class Store {
  pending: number[] = []
  readonly commits: number[][] = []
  /** Calls of commit, also those that found nothing pending. */
  calls = 0
  readonly open: Array<() => void> = []
  /** Deferred starts, run by runDeferred(). */
  readonly deferred: Array<() => void> = []
  readonly group = new GroupCommit(
    () => {
      this.calls++
      if (this.pending.length === 0) return null
      this.commits.push(this.pending)
      this.pending = []
      return new Promise<void>((resolve) => this.open.push(resolve))
    },
    () => this.pending.length > 0,
    (start) => this.deferred.push(start),
  )

  add(n: number): void {
    this.pending.push(n)
    this.group.schedule()
  }

  runDeferred(): void {
    for (const start of this.deferred.splice(0)) start()
  }

  /** Ends the oldest open commit, and lets its settlement run. */
  async finish(): Promise<void> {
    this.open.shift()!()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

describe('GroupCommit', () => {
  it('starts one commit for what was added in one task, however many adds', () => {
    const store = new Store()
    for (const n of [1, 2, 3]) store.add(n)
    expect(store.deferred).toHaveLength(1)
    store.runDeferred()
    expect(store.commits).toEqual([[1, 2, 3]])
  })

  it('puts what arrives while a commit runs into the next one, which starts when the first ends', async () => {
    const store = new Store()
    store.add(1)
    store.runDeferred()
    store.add(2)
    store.add(3)
    expect(store.deferred).toHaveLength(0) // no second transaction beside the running one
    await store.finish()
    store.runDeferred()
    expect(store.commits).toEqual([[1], [2, 3]])
    await store.finish()
    expect(store.open).toHaveLength(0)
  })

  it('flush() resolves once everything added before it, and while it waited, is committed', async () => {
    const store = new Store()
    store.add(1)
    let flushed = false
    const flushing = store.group.flush().then(() => (flushed = true))
    await Promise.resolve()
    expect(store.commits).toEqual([[1]]) // flush() did not wait for the deferred start
    store.add(2) // while the first commit runs
    await store.finish()
    expect(flushed).toBe(false)
    expect(store.commits).toEqual([[1], [2]])
    await store.finish()
    await flushing
    expect(flushed).toBe(true)
  })

  it('a deferred start after flush() committed everything does not call the store', async () => {
    const store = new Store()
    store.add(1)
    const flushing = store.group.flush()
    await Promise.resolve()
    await store.finish()
    await flushing
    store.runDeferred()
    expect(store.calls).toBe(1)
    expect(store.commits).toEqual([[1]])
  })

  it('flush() with nothing pending resolves at once', async () => {
    const store = new Store()
    await store.group.flush()
    expect(store.commits).toEqual([])
  })
})
