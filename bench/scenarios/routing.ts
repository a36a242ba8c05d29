// Routing cost in the worker's own code, in Node: one message routed against 10,000 distinct
// filters (exact, `+` and `#`, as a fleet-tracking app would hold them), through the topic tree
// alone and through the SubscriptionRegistry the worker uses (tree walk plus per-tab fan-out).
import type { QoS } from '../../src/public-types.ts'
import { SubscriptionRegistry, type BrokerSubscriber } from '../../worker/routing/subscription-registry.ts'
import { TopicTree } from '../../worker/routing/topic-tree.ts'
import type { MessageSubscriber } from '../../worker/routing/subscriber.ts'

export interface Routing {
  filters: number
  /** Topics routed per second (each against every filter). */
  treeMatchesPerS: number
  registryRoutesPerS: number
  /** Filters a topic matched, on average. */
  filtersPerTopic: number
}

const FLEETS = 20
const TRUCKS = 100
const METRICS = ['speed', 'fuel', 'position', 'door']
const TABS = 4
const RUN_MS = 1_000

/** 10,000 distinct filters: 6,000 exact, 2,000 `…/truck/T/+`, 80 `…/truck/+/M`, 1,920 `…/truck/T/#`. */
export function fleetFilters(): string[] {
  const filters = new Set<string>()
  for (let i = 0; filters.size < 6_000; i++) {
    filters.add(`fleet/${i % FLEETS}/truck/${Math.floor(i / FLEETS) % TRUCKS}/${METRICS[Math.floor(i / (FLEETS * TRUCKS)) % METRICS.length]}`)
  }
  for (let f = 0; f < FLEETS; f++) for (let t = 0; t < TRUCKS; t++) filters.add(`fleet/${f}/truck/${t}/+`)
  for (let f = 0; f < FLEETS; f++) for (const m of METRICS) filters.add(`fleet/${f}/truck/+/${m}`)
  for (let f = 0; filters.size < 10_000; f++) filters.add(`fleet/${f % FLEETS}/truck/${Math.floor(f / FLEETS)}/#`)
  return [...filters]
}

function fleetTopics(count: number): string[] {
  let seed = 42
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed % n
  }
  return Array.from({ length: count }, () => `fleet/${random(FLEETS)}/truck/${random(TRUCKS)}/${METRICS[random(METRICS.length)]}`)
}

export function measureRouting(): Routing {
  const filters = fleetFilters()
  const topics = fleetTopics(10_000)

  const tree = new TopicTree<number>()
  filters.forEach((filter, i) => {
    tree.add(filter, i % TABS)
  })
  let visits = 0
  const treeMatchesPerS = rate(topics, (topic) => tree.match(topic, () => visits++))

  const offline: BrokerSubscriber = { isConnected: false, subscribe() {}, unsubscribe: async () => {} }
  const registry = new SubscriptionRegistry(offline)
  const tabs: MessageSubscriber[] = Array.from({ length: TABS }, () => ({ receive: () => {} }))
  filters.forEach((filter, i) => void registry.add({ subscriber: tabs[i % TABS]!, id: i, filter, qos: 0 as QoS }))
  const registryRoutesPerS = rate(topics, (topic) => registry.route(topic, false, undefined, () => visits++))

  let matched = 0
  for (const topic of topics) tree.match(topic, () => matched++)
  return { filters: filters.length, treeMatchesPerS, registryRoutesPerS, filtersPerTopic: matched / topics.length }
}

/** Runs `route` over the topics, round after round, for RUN_MS after a warm-up; returns topics/s. */
function rate(topics: string[], route: (topic: string) => void): number {
  for (const topic of topics) route(topic)
  let done = 0
  const started = performance.now()
  let elapsed = 0
  while (elapsed < RUN_MS) {
    for (const topic of topics) route(topic)
    done += topics.length
    elapsed = performance.now() - started
  }
  return done / (elapsed / 1000)
}
