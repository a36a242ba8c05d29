// The registry's counting and routing, against an in-memory broker side that records packets and
// acknowledges them when the test says so.
import { describe, expect, it } from 'vitest'
import type { QoS } from '../../src/public-types.ts'
import type { InboundMessage, MessageSubscriber } from './subscriber.ts'
import { SubscriptionRegistry, type BrokerSubscriber, type RoutedSubscription } from './subscription-registry.ts'

class MemoryBroker implements BrokerSubscriber {
  isConnected = true
  readonly packets: string[] = []
  readonly unsubscribed: Array<() => void> = []

  subscribe(filter: string, qos: QoS): void {
    this.packets.push(`SUBSCRIBE ${filter} ${qos}`)
  }

  unsubscribe(filter: string): Promise<void> {
    this.packets.push(`UNSUBSCRIBE ${filter}`)
    return new Promise((resolve) => this.unsubscribed.push(resolve))
  }
}

/** A subscriber that records which of its subscriptions each message matched. */
function recorder(): MessageSubscriber & { got: Array<{ topic: string; subs: number[] }> } {
  const got: Array<{ topic: string; subs: number[] }> = []
  return { got, receive: (message: InboundMessage, subs: number[]) => void got.push({ topic: message.topic, subs }) }
}

function setup() {
  const broker = new MemoryBroker()
  const registry = new SubscriptionRegistry(broker)
  const route = (topic: string, retain = false) => {
    const matched = new Map<MessageSubscriber, number[]>()
    registry.route(topic, retain, undefined, (sub) => matched.set(sub.subscriber, [...(matched.get(sub.subscriber) ?? []), sub.id]))
    for (const [subscriber, subs] of matched) void subscriber.receive({ topic, payload: new Uint8Array(), qos: 0, retain, connection: 1, justConnected: false }, subs)
  }
  return { broker, registry, route }
}

describe('SubscriptionRegistry', () => {
  it('sends one SUBSCRIBE for the first claim on a filter and none for the next at the same QoS', async () => {
    const { broker, registry } = setup()
    const a = recorder()
    const b = recorder()
    const first = registry.add({ subscriber: a, id: 1, filter: 's/+', qos: 1 })
    registry.subscribeAcked('s/+', 1)
    await first
    await registry.add({ subscriber: b, id: 1, filter: 's/+', qos: 1 })
    expect(broker.packets).toEqual(['SUBSCRIBE s/+ 1'])
    expect(registry.brokerFilters()).toEqual([{ filter: 's/+', qos: 1 }])
  })

  it('raises the broker QoS to the highest claim, and lowers it when that claim goes', async () => {
    const { broker, registry } = setup()
    const tab = recorder()
    const low: RoutedSubscription = { subscriber: tab, id: 1, filter: 'q', qos: 0 }
    const high: RoutedSubscription = { subscriber: tab, id: 2, filter: 'q', qos: 2 }
    const one = registry.add(low)
    registry.subscribeAcked('q', 0)
    await one
    const two = registry.add(high)
    registry.subscribeAcked('q', 2)
    await two
    registry.remove(high)
    registry.subscribeAcked('q', 0)
    expect(broker.packets).toEqual(['SUBSCRIBE q 0', 'SUBSCRIBE q 2', 'SUBSCRIBE q 0'])
  })

  it('sends one UNSUBSCRIBE after the last claim on a filter is removed', async () => {
    const { broker, registry } = setup()
    const subs = [recorder(), recorder(), recorder()].map((subscriber, i): RoutedSubscription => ({ subscriber, id: i, filter: 'u/#', qos: 0 }))
    const added = subs.map((sub) => registry.add(sub))
    registry.subscribeAcked('u/#', 0)
    await Promise.all(added)
    registry.remove(subs[0]!)
    registry.remove(subs[1]!)
    expect(broker.packets).toEqual(['SUBSCRIBE u/# 0'])
    registry.remove(subs[2]!)
    expect(broker.packets).toEqual(['SUBSCRIBE u/# 0', 'UNSUBSCRIBE u/#'])
    broker.unsubscribed[0]!()
    await Promise.resolve()
    expect(registry.filterCount).toBe(0)
  })

  it('gives each subscriber a message once, with every one of its matching subscriptions, for overlapping filters', async () => {
    const { registry, route } = setup()
    const a = recorder()
    const b = recorder()
    const claims: RoutedSubscription[] = [
      { subscriber: a, id: 1, filter: 'a/+/c', qos: 0 },
      { subscriber: a, id: 2, filter: 'a/#', qos: 0 },
      { subscriber: b, id: 7, filter: 'a/b/+', qos: 0 },
      { subscriber: b, id: 8, filter: 'x/#', qos: 0 },
    ]
    const added = claims.map((claim) => registry.add(claim))
    for (const filter of ['a/+/c', 'a/#', 'a/b/+', 'x/#']) registry.subscribeAcked(filter, 0)
    await Promise.all(added)
    route('a/b/c')
    expect(a.got).toHaveLength(1)
    expect([...a.got[0]!.subs].sort()).toEqual([1, 2])
    expect(b.got).toEqual([{ topic: 'a/b/c', subs: [7] }])
  })

  it('routes retained copies after a newcomer\'s re-SUBSCRIBE to the newcomer alone [MQTT-3.8.4-3] [MQTT-3.3.1-9]', async () => {
    const { broker, registry, route } = setup()
    const holder = recorder()
    const newcomer = recorder()
    const first = registry.add({ subscriber: holder, id: 1, filter: 'r/#', qos: 0 })
    registry.subscribeAcked('r/#', 0)
    await first
    route('r/1') // the filter saw a message: the broker's retained set may have changed
    const second = registry.add({ subscriber: newcomer, id: 1, filter: 'r/#', qos: 0 })
    registry.subscribeAcked('r/#', 0)
    await second
    route('r/1', true)
    expect(broker.packets).toEqual(['SUBSCRIBE r/# 0', 'SUBSCRIBE r/# 0'])
    expect(holder.got.map((m) => m.topic)).toEqual(['r/1'])
    expect(newcomer.got).toEqual([{ topic: 'r/1', subs: [1] }])
  })

  it('does not route a wildcard filter\'s messages from $ topics [MQTT-4.7.2-1]', async () => {
    const { registry, route } = setup()
    const all = recorder()
    const added = registry.add({ subscriber: all, id: 1, filter: '#', qos: 0 })
    registry.subscribeAcked('#', 0)
    await added
    route('$SYS/broker/uptime')
    route('plain')
    expect(all.got.map((m) => m.topic)).toEqual(['plain'])
  })
})
