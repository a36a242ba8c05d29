import { describe, it, expect } from 'vitest'
import { HubError } from './errors.ts'
import { topicMatches, utf8Length, validateTopicFilter, validateTopicName } from './topic.ts'
import { mulberry32 } from './seeded-random.ts'

function errorOf(fn: () => void): HubError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(HubError)
    return err as HubError
  }
  throw new Error('expected a HubError, nothing was thrown')
}

function expectName(topic: string, rule: string): void {
  const err = errorOf(() => validateTopicName(topic))
  expect(err.code).toBe('INVALID_TOPIC_NAME')
  expect(err.message).toContain(`[${rule}]`)
}

function expectFilter(filter: string, rule: string): void {
  const err = errorOf(() => validateTopicFilter(filter))
  expect(err.code).toBe('INVALID_TOPIC_FILTER')
  expect(err.message).toContain(`[${rule}]`)
}

function expectValid(s: string): void {
  expect(() => validateTopicName(s)).not.toThrow()
  expect(() => validateTopicFilter(s)).not.toThrow()
}

describe('non-string input', () => {
  it.each([undefined, null, 42, {}, ['a']])('rejects %j with the code of the call', (value) => {
    const name = errorOf(() => validateTopicName(value as unknown as string))
    expect(name.code).toBe('INVALID_TOPIC_NAME')
    expect(name.message).toMatch(/must be a string/)
    const filter = errorOf(() => validateTopicFilter(value as unknown as string))
    expect(filter.code).toBe('INVALID_TOPIC_FILTER')
  })
})

describe('[MQTT-4.7.3-1] at least one character', () => {
  it('rejects an empty topic name and filter [MQTT-4.7.3-1]', () => {
    expectName('', 'MQTT-4.7.3-1')
    expectFilter('', 'MQTT-4.7.3-1')
    expect(errorOf(() => validateTopicFilter('')).message).toBe('Topic filter must not be empty [MQTT-4.7.3-1]')
  })

  it('accepts one-character and empty-level topics [MQTT-4.7.3-1]', () => {
    for (const s of ['a', '/', '//', 'a/', '/a', ' ']) expectValid(s)
  })
})

describe('[MQTT-4.7.3-2] no U+0000', () => {
  it('rejects U+0000 anywhere [MQTT-4.7.3-2]', () => {
    for (const s of ['\u0000', 'a\u0000', '\u0000a', 'a/\u0000/b']) {
      expectName(s, 'MQTT-4.7.3-2')
      expectFilter(s, 'MQTT-4.7.3-2')
    }
  })

  it('names the index of the U+0000 [MQTT-4.7.3-2]', () => {
    expect(errorOf(() => validateTopicName('ab\u0000')).message).toContain('(at index 2)')
  })

  it('accepts other control characters [MQTT-4.7.3-2]', () => {
    expectValid('a\u0001b\u007f')
  })
})

describe('[MQTT-1.5.3-1] well-formed UTF-16, no lone surrogates', () => {
  it('rejects lone surrogates [MQTT-1.5.3-1]', () => {
    for (const s of ['\uD800', '\uDFFF', 'a\uDC00b', 'x/\uDBFF', '\uDC00\uD800', '\uD83D\uD83D\uDE00x']) {
      expectName(s, 'MQTT-1.5.3-1')
      expectFilter(s, 'MQTT-1.5.3-1')
    }
  })

  it('names the surrogate and its index [MQTT-1.5.3-1]', () => {
    expect(errorOf(() => validateTopicName('ab\uDC00')).message).toContain('U+DC00 (at index 2)')
  })

  it('accepts paired surrogates [MQTT-1.5.3-1]', () => {
    expectValid('\uD83D\uDE00')
    expectValid('sensors/\uD83C\uDF21\uFE0F/\uD83D\uDE00\uD83D\uDE00')
    expectValid('\uFFFF\uE000\uD7FF')
  })
})

describe('[MQTT-4.7.3-3] at most 65535 bytes of UTF-8', () => {
  it('accepts a 65535-byte topic and rejects 65536 bytes [MQTT-4.7.3-3]', () => {
    expectValid('a'.repeat(65535))
    expectName('a'.repeat(65536), 'MQTT-4.7.3-3')
    expectFilter('a'.repeat(65536), 'MQTT-4.7.3-3')
  })

  it('counts multi-byte characters as bytes, not code units [MQTT-4.7.3-3]', () => {
    expectValid('é'.repeat(32767) + 'a') // 2 bytes each: 65535
    expectName('é'.repeat(32768), 'MQTT-4.7.3-3') // 65536
    expectValid('€'.repeat(21845)) // 3 bytes each: 65535
    expectFilter('€'.repeat(21845) + 'a', 'MQTT-4.7.3-3')
    expectValid('\uD83D\uDE00'.repeat(16383) + 'abc') // 4 bytes each: 65532 + 3
    expectName('\uD83D\uDE00'.repeat(16383) + 'abcd', 'MQTT-4.7.3-3')
  })

  it('reports the byte count [MQTT-4.7.3-3]', () => {
    expect(errorOf(() => validateTopicName('é'.repeat(32768))).message).toContain('it has 65536 [MQTT-4.7.3-3]')
  })

  it('rejects a huge string with a short message [MQTT-4.7.3-3]', () => {
    const err = errorOf(() => validateTopicName('x'.repeat(10_000_000)))
    expect(err.message).toContain('10000000 UTF-16 code units')
    expect(err.message.length).toBeLessThan(250)
  })
})

describe('utf8Length', () => {
  it('equals the length TextEncoder produces', () => {
    const samples = ['', 'abc', 'é', '€', '\uD83D\uDE00', '\u007f\u0080\u07ff\u0800\uffff', 'a\uD800b', '\uDC00', '\uD83D']
    for (const s of samples) expect(utf8Length(s), JSON.stringify(s)).toBe(new TextEncoder().encode(s).length)
  })

  it('equals TextEncoder on random strings', () => {
    const rand = mulberry32(7)
    const units = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xffff]
    for (let n = 0; n < 500; n++) {
      let s = ''
      for (let i = 0; i < 20; i++) s += String.fromCharCode(units[Math.floor(rand() * units.length)]!)
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length)
    }
  })
})

describe('[MQTT-3.3.2-2] no wildcards in a topic name', () => {
  it('rejects + and # in a topic name [MQTT-3.3.2-2]', () => {
    for (const s of ['+', '#', 'a/+', 'a/#', 'a+', 'sport/tennis/#', '+/x']) expectName(s, 'MQTT-3.3.2-2')
  })

  it('accepts $ topics as names [MQTT-3.3.2-2]', () => {
    for (const s of ['$SYS/x', '$SYS', '$share/g/a', 'a/$b']) expect(() => validateTopicName(s)).not.toThrow()
  })
})

describe('[MQTT-4.7.1-2] # stands alone or after / and is last', () => {
  it('accepts # as a whole last level [MQTT-4.7.1-2]', () => {
    for (const f of ['#', 'sport/tennis/#', 'sport/#', '/#', '+/tennis/#', '$SYS/#', 'a//#']) {
      expect(() => validateTopicFilter(f), f).not.toThrow()
    }
  })

  it('rejects # that does not stand alone or is not last [MQTT-4.7.1-2]', () => {
    for (const f of ['a#', 'a/b#', '#a', 'sport/#/ranking', 'sport/tennis#', '#/', '##', 'a/#/']) {
      expectFilter(f, 'MQTT-4.7.1-2')
    }
  })

  it('says which part of the rule is broken [MQTT-4.7.1-2]', () => {
    expect(errorOf(() => validateTopicFilter('a/b#')).message).toContain("'#' alone or right after '/' (at index 3)")
    expect(errorOf(() => validateTopicFilter('sport/#/ranking')).message).toContain("'#' as its last character (at index 6)")
  })
})

describe('[MQTT-4.7.1-3] + fills a whole level', () => {
  it('accepts + as whole levels [MQTT-4.7.1-3]', () => {
    for (const f of ['+', '+/+', '/+', '+/', 'sport/+/player1', '+/tennis/#', 'a/+/+/b', '$SYS/+']) {
      expect(() => validateTopicFilter(f), f).not.toThrow()
    }
  })

  it('rejects + that shares a level [MQTT-4.7.1-3]', () => {
    for (const f of ['sport+', '+a', 'a/+b', 'a/b+', '++', 'a/++/c', '+#']) expectFilter(f, 'MQTT-4.7.1-3')
    expect(errorOf(() => validateTopicFilter('sport+')).message).toBe(
      `Topic filter must use '+' only as a whole level, as in 'a/+/b' (at index 5) [MQTT-4.7.1-3]: "sport+"`)
  })
})

describe('error messages', () => {
  it('quote the offending value truncated to 80 characters', () => {
    const err = errorOf(() => validateTopicFilter('a'.repeat(60000) + '#'))
    expect(err.message).toContain('"' + 'a'.repeat(79) + '…" (60001 code units)')
    expect(err.message).not.toContain('a'.repeat(80))
    expect(err.message.length).toBeLessThan(250)
  })

  it('quote short values whole, escaping control characters', () => {
    expect(errorOf(() => validateTopicName('a/\u0000')).message).toBe(
      'Topic name must not contain U+0000 (at index 2) [MQTT-4.7.3-2]: "a/\\u0000"')
  })

  it('do not cut a surrogate pair when truncating', () => {
    const err = errorOf(() => validateTopicName('a'.repeat(78) + '\uD83D\uDE00'.repeat(10) + '#'))
    expect(err.message).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
  })
})

describe('[MQTT-4.7.2-1] wildcard filters do not match $ topics', () => {
  it.each([
    ['#', '$SYS/x', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['+', '$SYS', false],
    ['+/#', '$SYS/a', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['$SYS/#', '$SYS', true],
    ['a/+', 'a/$x', true],
    ['a/#', 'a/$x/y', true],
    ['#', 'x/$SYS', true],
  ])('%s vs %s → %s [MQTT-4.7.2-1]', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected)
  })
})

describe('topicMatches (MQTT 3.1.1 section 4.7 examples and edge cases)', () => {
  it.each([
    // 4.7.1.2 multi-level wildcard
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['#', 'sport/tennis', true],
    // 4.7.1.3 single-level wildcard
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player2', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['+/tennis/#', 'sport/tennis/player1', true],
    ['+/tennis/#', 'sport/tennis', true],
    ['+/tennis/#', 'sport/football', false],
    // 4.7.3 case-sensitive, empty levels are levels
    ['ACCOUNTS', 'Accounts', false],
    ['Accounts payable', 'Accounts payable', true],
    ['/finance', '/finance', true],
    ['/finance', 'finance', false],
    ['finance', '/finance', false],
    // exact and edge cases
    ['a/b/c', 'a/b/c', true],
    ['a/b/c', 'a/b', false],
    ['a/b', 'a/b/c', false],
    ['a/b', 'a/bc', false],
    ['a/bc', 'a/b', false],
    ['foo/+', 'foo/', true],
    ['foo/+', 'foo', false],
    ['foo/#', 'foo', true],
    ['foo/#', 'foo/', true],
    ['foo/#', 'foobar', false],
    ['foo/#', 'fo', false],
    ['+/+', '/x', true],
    ['+/+', '/', true],
    ['/', '/', true],
    ['//', '/', false],
    ['+/+/+', 'a//', true],
    ['a/+/c', 'a//c', true],
    ['a/+/#', 'a/b', true],
    ['a/+/#', 'a', false],
    ['#', '/', true],
    ['é/+', 'é/\uD83D\uDE00', true],
  ])('%j vs %j → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected)
  })

  it('agrees with a level-by-level reference on random input', () => {
    const rand = mulberry32(42)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
    const levels = ['a', 'b', 'ab', '', '$x', '$SYS']
    for (let n = 0; n < 20000; n++) {
      const topic = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(levels)).join('/')
      const fl = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick([...levels, '+', '+']))
      if (rand() < 0.3) fl[fl.length - 1] = '#'
      const filter = fl.join('/')
      if (topic === '' || filter === '') continue
      expect(topicMatches(filter, topic), `${filter} vs ${topic}`).toBe(referenceMatches(filter, topic))
    }
  })
})

function referenceMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}

describe('topicMatches is false for an invalid filter or topic name (as mosquitto_topic_matches_sub)', () => {
  const long = 'a'.repeat(65536)
  it.each([
    ['a/#/b', 'a/x/b', 'MQTT-4.7.1-2'],
    ['#/a', 'x/a', 'MQTT-4.7.1-2'],
    ['foo#', 'foo#', 'MQTT-4.7.1-2'],
    ['foo/#abc', 'foo/#abc', 'MQTT-4.7.1-2'],
    ['#abc', 'abc', 'MQTT-4.7.1-2'],
    ['a/+b', 'a/+b', 'MQTT-4.7.1-3'],
    ['+a', 'xa', 'MQTT-4.7.1-3'],
    ['a+/b', 'a+/b', 'MQTT-4.7.1-3'],
    ['', '', 'MQTT-4.7.3-1'],
    ['a\u0000', 'a\u0000', 'MQTT-4.7.3-2'],
    ['a/\uD800', 'a/\uD800', 'MQTT-1.5.3-1'],
    [long, long, 'MQTT-4.7.3-3'],
    ['\u00e9'.repeat(40000), '\u00e9'.repeat(40000), 'MQTT-4.7.3-3'],
  ])('invalid filter %#: no match [%s]', (filter, topic, rule) => {
    expect(() => validateTopicFilter(filter)).toThrow(`[${rule}]`)
    expect(topicMatches(filter, topic)).toBe(false)
  })

  it.each([
    ['#', 'a/+', 'MQTT-3.3.2-2'],
    ['a/+', 'a/+', 'MQTT-3.3.2-2'],
    ['a/#', 'a/#', 'MQTT-3.3.2-2'],
    ['+', '+', 'MQTT-3.3.2-2'],
    ['#', '', 'MQTT-4.7.3-1'],
    ['+', '', 'MQTT-4.7.3-1'],
    ['#', 'a\u0000b', 'MQTT-4.7.3-2'],
    ['#', '\uDC00', 'MQTT-1.5.3-1'],
    ['#', 'a'.repeat(65536), 'MQTT-4.7.3-3'],
  ])('%j vs invalid topic name %#: no match [%s]', (filter, topic, rule) => {
    expect(() => validateTopicName(topic)).toThrow(`[${rule}]`)
    expect(topicMatches(filter, topic)).toBe(false)
  })

  it('answers false, never throws, for input that is not a string', () => {
    expect(topicMatches(undefined as unknown as string, 'a')).toBe(false)
    expect(topicMatches('#', null as unknown as string)).toBe(false)
  })

  it('still matches at the limits: 65535 bytes, a surrogate pair [MQTT-4.7.3-3, MQTT-1.5.3-1]', () => {
    const longest = 'a'.repeat(65535)
    expect(topicMatches(longest, longest)).toBe(true)
    expect(topicMatches('#', longest)).toBe(true)
    expect(topicMatches('+/\uD83D\uDE00', 'x/\uD83D\uDE00')).toBe(true)
  })
})
