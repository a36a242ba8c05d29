const MAX_ID = 65_535

/**
 * Packet identifiers for one session, shared by MQTT.js (SUBSCRIBE, UNSUBSCRIBE) and the outbox
 * (PUBLISH, PUBREL): an id is non-zero and never used twice while in flight [MQTT-2.3.1-1]
 * [MQTT-2.3.1-2]. The outbox takes the id of a PUBLISH itself (`claim`, or `hold` for a stored
 * id), so that a re-sent message keeps its id [MQTT-2.3.1-3].
 */
export class PacketIds {
  private readonly used = new Set<number>()
  private next = 1
  private last: number | null = null

  /** Takes a free id, or null when all 65535 are in flight. */
  claim(): number | null {
    if (this.used.size >= MAX_ID) return null
    while (this.used.has(this.next)) this.next = this.next === MAX_ID ? 1 : this.next + 1
    const id = this.next
    this.next = id === MAX_ID ? 1 : id + 1
    this.used.add(id)
    return id
  }

  /** Marks an id as in flight (a stored message that keeps its id); false if it already is. */
  hold(id: number): boolean {
    if (this.used.has(id)) return false
    this.used.add(id)
    return true
  }

  get inFlight(): number {
    return this.used.size
  }

  // MQTT.js's IMessageIdProvider

  allocate(): number | null {
    const id = this.claim()
    this.last = id
    return id
  }

  getLastAllocated(): number | null {
    return this.last
  }

  register(id: number): boolean {
    return this.hold(id)
  }

  deallocate(id: number): void {
    this.used.delete(id)
  }

  /** MQTT.js clears at every CONNACK; the outbox holds its ids again as it re-sends. */
  clear(): void {
    this.used.clear()
  }
}
