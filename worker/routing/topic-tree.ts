// Matches a published topic against many filters by walking one trie level per topic level,
// so the cost grows with the topic's depth and the wildcards on its path, not with the number
// of filters. Callers validate filters (validateTopicFilter) before adding them.

interface TrieNode<T> {
  readonly children: Map<string, TrieNode<T>>
  /** Set while a filter ending at this node holds values; `filter` is that filter. */
  values: Set<T> | undefined
  filter: string | undefined
}

const DOLLAR = 0x24

function newNode<T>(): TrieNode<T> {
  return { children: new Map(), values: undefined, filter: undefined }
}

export class TopicTree<T> {
  readonly #root: TrieNode<T> = newNode()
  #filters = 0

  /** Number of filters that hold at least one value. */
  get size(): number {
    return this.#filters
  }

  /** Adds `value` to `filter`; adding a value the filter already holds does nothing. */
  add(filter: string, value: T): void {
    let node = this.#root
    for (const level of filter.split('/')) {
      let child = node.children.get(level)
      if (child === undefined) {
        child = newNode()
        node.children.set(level, child)
      }
      node = child
    }
    if (node.values === undefined) {
      node.values = new Set()
      node.filter = filter
      this.#filters++
    }
    node.values.add(value)
  }

  /** Removes `value` from `filter` and prunes nodes left empty; false if it was not there. */
  remove(filter: string, value: T): boolean {
    const levels = filter.split('/')
    const path: TrieNode<T>[] = [this.#root]
    for (const level of levels) {
      const child = path[path.length - 1].children.get(level)
      if (child === undefined) return false
      path.push(child)
    }
    const node = path[path.length - 1]
    if (node.values === undefined || !node.values.delete(value)) return false
    if (node.values.size > 0) return true
    node.values = undefined
    node.filter = undefined
    this.#filters--
    for (let i = levels.length; i > 0; i--) {
      const n = path[i]
      if (n.values !== undefined || n.children.size > 0) break
      path[i - 1].children.delete(levels[i - 1])
    }
    return true
  }

  hasFilter(filter: string): boolean {
    return this.#find(filter)?.values !== undefined
  }

  valuesOf(filter: string): ReadonlySet<T> | undefined {
    return this.#find(filter)?.values
  }

  /**
   * Calls `visit` once for each value of each filter that matches `topic`, with the same rules
   * as topicMatches. `visit` must not add or remove values while the walk runs.
   */
  match(topic: string, visit: (value: T, filter: string) => void): void {
    this.#walk(this.#root, topic.split('/'), 0, (node) => {
      for (const value of node.values!) visit(value, node.filter!)
    })
  }

  /** The filters that match `topic`, each once. */
  matchFilters(topic: string): string[] {
    const out: string[] = []
    this.#walk(this.#root, topic.split('/'), 0, (node) => {
      out.push(node.filter!)
    })
    return out
  }

  #find(filter: string): TrieNode<T> | undefined {
    let node: TrieNode<T> | undefined = this.#root
    for (const level of filter.split('/')) {
      node = node.children.get(level)
      if (node === undefined) return undefined
    }
    return node
  }

  // Each node is reached at most once per walk (its depth fixes the topic level), so each
  // filter is emitted at most once.
  #walk(node: TrieNode<T>, levels: string[], i: number, emit: (node: TrieNode<T>) => void): void {
    if (i === levels.length) {
      if (node.values !== undefined) emit(node)
      const hash = node.children.get('#') // 'foo/#' matches 'foo'
      if (hash?.values !== undefined) emit(hash)
      return
    }
    // [MQTT-4.7.2-1] a wildcard first level does not match a topic that starts with '$'.
    const wildcards = i > 0 || levels[0].charCodeAt(0) !== DOLLAR
    if (wildcards) {
      const hash = node.children.get('#')
      if (hash?.values !== undefined) emit(hash)
    }
    const level = levels[i]
    // A '+' or '#' level in an (invalid) topic must not reach the wildcard nodes twice.
    if (level !== '+' && level !== '#') {
      const exact = node.children.get(level)
      if (exact !== undefined) this.#walk(exact, levels, i + 1, emit)
    }
    if (wildcards) {
      const plus = node.children.get('+') // matches any level, the empty one too
      if (plus !== undefined) this.#walk(plus, levels, i + 1, emit)
    }
  }
}
