/**
 * Group commit for a store: one transaction at a time, and what arrives while it commits goes
 * into the next, so that under load the batches grow by themselves instead of queueing many
 * small transactions. The store keeps its pending work; `commit` takes all of it and writes it
 * (null: nothing pending).
 */
export class GroupCommit {
  private scheduled = false
  private running: Promise<void> | null = null

  constructor(
    private readonly commit: () => Promise<void> | null,
    private readonly pending: () => boolean,
    /** When a scheduled commit starts: after a timer, or at the end of the current task (wrap a browser global such as queueMicrotask: called as this object's method it throws Illegal invocation). */
    private readonly defer: (start: () => void) => void,
  ) {}

  /** Something was added: commit it soon, or with the next transaction if one is running. */
  schedule(): void {
    if (this.scheduled || this.running) return
    this.scheduled = true
    // flush() may have committed meanwhile: then there is nothing left to start.
    this.defer(() => void (this.scheduled && this.start()))
  }

  /** Resolves once everything added so far is committed, also what came while it waited. */
  async flush(): Promise<void> {
    while (this.running || this.pending()) await (this.running ?? this.start())
  }

  private start(): Promise<void> {
    this.scheduled = false
    const written = this.commit()
    if (!written) return Promise.resolve()
    this.running = written.finally(() => {
      this.running = null
      if (this.pending()) this.schedule()
    })
    return this.running
  }
}
