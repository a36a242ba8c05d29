// The approach mqtt-hub replaces, as the Vue composable `useMQTT` does it (the seed this project
// started from): each tab has its own MQTT.js connection, the tabs elect a leader over a
// BroadcastChannel with 3 s timers, and only the leader runs non-idempotent handlers. Kept
// faithful, minus Vue and logging: the same messages, timers, id sort and reactions, bugs and all
// (one tab alone never becomes leader; a leader that leaves without `unmount()` is never replaced).

type ElectionMessage =
  | { type: 'vote' | 'disagree' | 'killed'; id: string }
  | { type: 'confirm' | 'agree'; id: string; leaderId: string }

const ROUND_MS = 3_000

export class LeaderElection {
  readonly id = crypto.randomUUID()
  private recognizedLeader: string | undefined
  private ids: string[] = [this.id]
  private confirmTimer: ReturnType<typeof setTimeout> | undefined
  private agreeTimer: ReturnType<typeof setTimeout> | undefined
  private redoTimer: ReturnType<typeof setTimeout> | undefined
  private readonly channel: BroadcastChannel

  /** `name` is the topic: the composable opens one channel per `useMQTT(topic)`. */
  constructor(name: string) {
    this.channel = new BroadcastChannel(name)
    this.channel.onmessage = (event: MessageEvent<ElectionMessage>) => this.receive(event.data)
    setTimeout(() => this.post({ type: 'vote', id: this.id }), ROUND_MS)
  }

  get isLeader(): boolean {
    return this.recognizedLeader === this.id
  }

  /** The composable's onUnmounted: a leader tells the others it is gone. */
  unmount(): void {
    if (this.isLeader) this.post({ type: 'killed', id: this.id })
  }

  private receive(data: ElectionMessage): void {
    if (data.id === this.id) return
    switch (data.type) {
      case 'vote':
        // Every vote restarts the wait; the smallest id seen is proposed 3 s after the last one.
        clearTimeout(this.confirmTimer)
        this.ids.push(data.id)
        this.confirmTimer = setTimeout(() => {
          this.post({ type: 'confirm', leaderId: this.ids.sort()[0]!, id: this.id })
        }, ROUND_MS)
        break
      case 'confirm':
        if (data.leaderId === this.ids.sort()[0]) this.post({ type: 'agree', leaderId: data.leaderId, id: this.id })
        else this.post({ type: 'disagree', id: this.id })
        break
      case 'agree': {
        const leaderId = data.leaderId
        clearTimeout(this.agreeTimer)
        this.agreeTimer = setTimeout(() => (this.recognizedLeader = leaderId), ROUND_MS)
        break
      }
      case 'disagree':
      case 'killed':
        this.ids = [this.id]
        clearTimeout(this.agreeTimer)
        clearTimeout(this.redoTimer)
        this.redoTimer = setTimeout(() => this.post({ type: 'vote', id: this.id }), ROUND_MS)
        break
    }
  }

  private post(message: ElectionMessage): void {
    this.channel.postMessage(message)
  }
}
