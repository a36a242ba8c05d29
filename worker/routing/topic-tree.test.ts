import { describe, it, expect } from 'vitest'
import { topicMatches, validateTopicFilter, validateTopicName } from '../../src/topic.ts'
import { TopicTree } from './topic-tree.ts'
import { mulberry32 } from '../../src/seeded-random.ts'

function visits<T>(tree: TopicTree<T>, topic: string): [string, T][] {
  const out: [string, T][] = []
  tree.match(topic, (value, filter) => out.push([filter, value]))
  return out
}

describe('TopicTree add, valuesOf, hasFilter, size', () => {
  it('holds many values per filter and ignores a value added twice', () => {
    const tree = new TopicTree<string>()
    tree.add('a/+', 'tab1')
    tree.add('a/+', 'tab2')
    tree.add('a/+', 'tab1')
    expect(tree.size).toBe(1)
    expect([...tree.valuesOf('a/+')!]).toEqual(['tab1', 'tab2'])
    expect(visits(tree, 'a/b')).toEqual([['a/+', 'tab1'], ['a/+', 'tab2']])
  })

  it('counts filters, not prefixes', () => {
    const tree = new TopicTree<number>()
    tree.add('a/b/c', 1)
    expect(tree.size).toBe(1)
    expect(tree.hasFilter('a/b/c')).toBe(true)
    expect(tree.hasFilter('a/b')).toBe(false)
    expect(tree.hasFilter('a')).toBe(false)
    expect(tree.valuesOf('a/b')).toBeUndefined()
    expect(tree.valuesOf('x')).toBeUndefined()
    tree.add('a/b', 2)
    tree.add('a', 3)
    expect(tree.size).toBe(3)
  })
})

describe('TopicTree remove', () => {
  it('returns false for a filter or value it does not hold', () => {
    const tree = new TopicTree<number>()
    expect(tree.remove('a', 1)).toBe(false)
    tree.add('a/b', 1)
    expect(tree.remove('a', 1)).toBe(false)
    expect(tree.remove('a/b', 2)).toBe(false)
    expect(tree.remove('a/b/c', 1)).toBe(false)
    expect(tree.size).toBe(1)
  })

  it('keeps a filter until its last value is removed', () => {
    const tree = new TopicTree<number>()
    tree.add('a/#', 1)
    tree.add('a/#', 2)
    expect(tree.remove('a/#', 1)).toBe(true)
    expect(tree.size).toBe(1)
    expect(visits(tree, 'a')).toEqual([['a/#', 2]])
    expect(tree.remove('a/#', 2)).toBe(true)
    expect(tree.remove('a/#', 2)).toBe(false)
    expect(tree.size).toBe(0)
    expect(tree.hasFilter('a/#')).toBe(false)
    expect(visits(tree, 'a')).toEqual([])
  })

  it('prunes empty nodes but keeps prefixes that are filters or lead to filters', () => {
    const tree = new TopicTree<number>()
    tree.add('a', 1)
    tree.add('a/b/c', 2)
    tree.add('a/x/y', 3)
    tree.remove('a/b/c', 2)
    expect(tree.hasFilter('a')).toBe(true)
    expect(tree.hasFilter('a/x/y')).toBe(true)
    expect(tree.matchFilters('a/x/y')).toEqual(['a/x/y'])
    tree.remove('a', 1)
    expect(tree.matchFilters('a/x/y')).toEqual(['a/x/y'])
    tree.remove('a/x/y', 3)
    expect(tree.size).toBe(0)
    // After pruning, re-adding works from an empty trie.
    tree.add('a/b/c', 4)
    expect(visits(tree, 'a/b/c')).toEqual([['a/b/c', 4]])
  })

  it('returns to size 0 after removing thousands of filters in random order', () => {
    const rand = mulberry32(3)
    const tree = new TopicTree<number>()
    const pairs = randomFilters(rand, 3000).map((f, i) => [f, i % 7] as const)
    for (const [f, v] of pairs) tree.add(f, v)
    const shuffled = [...pairs].sort(() => rand() - 0.5)
    for (const [f, v] of shuffled) tree.remove(f, v)
    expect(tree.size).toBe(0)
    for (const topic of randomTopics(rand, 200)) expect(tree.matchFilters(topic)).toEqual([])
  })
})

describe('TopicTree match follows topicMatches rules', () => {
  const filters = [
    '#', '+', '+/+', '/+', '+/#', 'sport/#', 'sport/+', 'sport/tennis/player1/#', 'sport/tennis/+',
    'foo/+', 'foo/#', 'foo', '$SYS/#', '$SYS/monitor/+', '+/monitor/Clients', 'a/+/c', 'a/b/+', 'a/#',
  ]
  const tree = new TopicTree<string>()
  for (const f of filters) tree.add(f, f)

  it.each([
    'sport', 'sport/', 'sport/tennis/player1', 'sport/tennis/player1/ranking', '/finance', '/x', '/',
    'foo', 'foo/', 'foo/bar', '$SYS', '$SYS/monitor/Clients', '$SYS/x', 'a/b/c', 'a', 'x/$SYS',
  ])('%j matches the same filters as topicMatches ([MQTT-4.7.2-1], + empty level, foo/# matches foo)', (topic) => {
    const expected = filters.filter((f) => topicMatches(f, topic)).sort()
    expect(tree.matchFilters(topic).sort()).toEqual(expected)
  })

  it('[MQTT-4.7.2-1] leading wildcards skip $ topics', () => {
    expect(tree.matchFilters('$SYS/monitor/Clients').sort()).toEqual(['$SYS/#', '$SYS/monitor/+'])
  })

  it('visits each (filter, value) once when several filters overlap', () => {
    const t = new TopicTree<number>()
    for (const f of ['a/+/c', 'a/b/+', 'a/#', '#', 'a/b/c']) {
      t.add(f, 1)
      t.add(f, 2)
    }
    const seen = visits(t, 'a/b/c').map(([f, v]) => `${f}:${v}`)
    expect(seen.sort()).toEqual(['#:1', '#:2', 'a/#:1', 'a/#:2', 'a/+/c:1', 'a/+/c:2',
      'a/b/+:1', 'a/b/+:2', 'a/b/c:1', 'a/b/c:2'])
  })
})

describe('TopicTree property: equals brute-force topicMatches', () => {
  it('on 2000 random filters and 2000 random topics', () => {
    const rand = mulberry32(2024)
    const filters = randomFilters(rand, 2000)
    const topics = randomTopics(rand, 2000)
    const tree = new TopicTree<number>()
    const valuesByFilter = new Map<string, Set<number>>()
    filters.forEach((f, i) => {
      const v = i % 3 // duplicates of one (filter, value) must still be visited once
      tree.add(f, v)
      valuesByFilter.set(f, (valuesByFilter.get(f) ?? new Set()).add(v))
    })
    expect(tree.size).toBe(valuesByFilter.size)
    const unique = [...valuesByFilter.keys()]
    let matched = 0
    for (const topic of topics) {
      const expected: string[] = []
      for (const f of unique) {
        if (!topicMatches(f, topic)) continue
        for (const v of valuesByFilter.get(f)!) expected.push(`${f}\u0000${v}`)
      }
      const actual = visits(tree, topic).map(([f, v]) => `${f}\u0000${v}`)
      expect(actual.sort(), topic).toEqual(expected.sort())
      matched += actual.length
    }
    expect(matched).toBeGreaterThan(1000) // the alphabet is small enough for real overlap
  })
})

const LEVELS = ['a', 'b', 'c', '', '$x', '$SYS']

function randomTopics(rand: () => number, n: number): string[] {
  const out: string[] = []
  while (out.length < n) {
    const topic = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(rand, LEVELS)).join('/')
    if (topic === '') continue
    validateTopicName(topic)
    out.push(topic)
  }
  return out
}

function randomFilters(rand: () => number, n: number): string[] {
  const out: string[] = []
  while (out.length < n) {
    const levels = Array.from({ length: Math.floor(rand() * 5) }, () => pick(rand, [...LEVELS, '+', '+']))
    if (rand() < 0.25) levels.push('#')
    const filter = levels.join('/')
    if (filter === '') continue
    validateTopicFilter(filter)
    out.push(filter)
  }
  return out
}

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!
}
