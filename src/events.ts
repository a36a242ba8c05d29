import type { HubEvent, HubEventType } from './public-types.ts'

/** The event of one type, e.g. `HubEventOf<'reconnecting'>` has `attempt`. */
export type HubEventOf<K extends HubEventType> = Extract<HubEvent, { type: K }>

export type HubEventListener<K extends HubEventType> = (event: HubEventOf<K>) => void

/** Typed listeners of the worker's session events in one tab. */
export class HubEvents {
  private readonly listeners = new Map<HubEventType, Set<(event: HubEvent) => void>>()

  on<K extends HubEventType>(type: K, listener: HubEventListener<K>): () => void {
    let set = this.listeners.get(type)
    if (!set) {
      set = new Set()
      this.listeners.set(type, set)
    }
    const wrapped = listener as (event: HubEvent) => void
    set.add(wrapped)
    return () => void set.delete(wrapped)
  }

  /** A throwing listener must not keep the others from hearing the event. */
  dispatch(event: HubEvent, report: (error: unknown) => void): void {
    for (const listener of this.listeners.get(event.type) ?? []) {
      try {
        listener(event)
      } catch (error) {
        report(error)
      }
    }
  }
}
