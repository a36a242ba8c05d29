// The part of Node's EventEmitter that MQTT.js users call (on, once, off, removeListener, ...),
// typed per event. Ten lines of behaviour: not worth a dependency in the tab bundle.

type Listener = (...args: never[]) => void

export class TypedEmitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Array<{ listener: Listener; once: boolean }>>()

  on<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.add(event, listener, false)
  }

  addListener<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.add(event, listener, false)
  }

  once<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.add(event, listener, true)
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): this {
    const list = this.listeners.get(event)
    const index = list?.findIndex((entry) => entry.listener === listener) ?? -1
    if (index >= 0) list!.splice(index, 1)
    return this
  }

  removeListener<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.off(event, listener)
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.listeners.clear()
    else this.listeners.delete(event)
    return this
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0
  }

  /** Calls the listeners in the order they were added; true if there were any. */
  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): boolean {
    const list = this.listeners.get(event)
    if (!list?.length) return false
    for (const entry of [...list]) {
      if (entry.once) this.off(event, entry.listener as Events[K])
      ;(entry.listener as (...a: Parameters<Events[K]>) => void)(...args)
    }
    return true
  }

  private add<K extends keyof Events>(event: K, listener: Events[K], once: boolean): this {
    const list = this.listeners.get(event) ?? []
    list.push({ listener, once })
    this.listeners.set(event, list)
    return this
  }
}
