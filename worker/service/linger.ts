/**
 * Sessions whose last tab left, kept open for `lingerMs` so that a reload or the app's next page
 * takes the connection over with no new CONNECT. The session closes when its timer fires, unless
 * a tab opened it again.
 */
export class Linger<Session> {
  private readonly timers = new Map<Session, ReturnType<typeof setTimeout>>()

  constructor(
    /** Closes the session if it is still unused and still the service's session of that name. */
    private readonly expire: (session: Session) => Promise<void>,
  ) {}

  /** The last tab left. With 0 the session closes at once, and the leaving tab's close() waits for it. */
  async start(session: Session, lingerMs: number): Promise<void> {
    this.cancel(session)
    if (lingerMs === 0) return this.expire(session)
    this.timers.set(session, setTimeout(() => {
      this.timers.delete(session)
      void this.expire(session)
    }, lingerMs))
  }

  /** A tab opened the session again, or it is being closed anyway. */
  cancel(session: Session): void {
    clearTimeout(this.timers.get(session))
    this.timers.delete(session)
  }
}
