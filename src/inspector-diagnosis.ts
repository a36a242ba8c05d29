// What looks stuck in a hub, and why: plain rules over what inspect() and metrics() report, kept
// apart from the rendering so that they can be tested without a page.
import type { HubError } from './errors.ts'
import type { HubStatus } from './public-types.ts'
import type { HubInspection, HubMetrics, SessionMetrics } from './reports.ts'

/** What the inspector saw at one poll. */
export interface InspectorSample {
  now: number
  status: HubStatus
  lastError: HubError | undefined
  /** When the connection was last seen leaving 'connected' (or the hub opened), null while connected. */
  downSince: number | null
  inspection: HubInspection
  metrics: SessionMetrics
  /** Every session of the worker (for the other tabs' queues), when it could be read. */
  all?: HubMetrics
  /** Outbox depths of the previous polls, oldest first. */
  outboxHistory: number[]
}

/** One finding: `warn` for something stuck, `info` for what will resolve itself. */
export interface Finding {
  level: 'warn' | 'info'
  text: string
}

const BEHIND = 1_000
const OLD_MS = 10_000

/** The findings for a sample, most urgent first; one 'info' finding when nothing is stuck. */
export function diagnose(sample: InspectorSample): Finding[] {
  const found = [...connection(sample), ...outbox(sample), ...deliveries(sample), ...groups(sample)]
  return found.length > 0 ? found : [{ level: 'info', text: 'Nothing looks stuck.' }]
}

function connection({ status, lastError, downSince, now }: InspectorSample): Finding[] {
  if (status === 'connected' || downSince === null) return []
  const since = `${seconds(now - downSince)} (since ${new Date(downSince).toLocaleTimeString('en-GB', { hour12: false })})`
  const why = lastError ? `: ${lastError.code}, ${lastError.message}` : ''
  const hints: Partial<Record<string, string>> = {
    BROKER_UNREACHABLE: 'Check the URL, that the broker listens for WebSocket there, and its TLS certificate.',
    CONNECTION_REFUSED: 'Check the credentials and the client id.',
    SESSION_BUSY: 'Another worker holds this connection: a tab of an older version of the app is probably still open.',
    CONFIG_MISMATCH: 'Another tab opened this connection name with other options.',
  }
  const hint = lastError ? hints[lastError.code] : undefined
  return [{ level: 'warn', text: `Not connected for ${since}${why}.${hint ? ` ${hint}` : ''}` }]
}

function outbox({ status, metrics, outboxHistory }: InspectorSample): Finding[] {
  const { depth, oldestAgeMs, maxMessages } = metrics.outbox
  if (depth === 0) return []
  const found: Finding[] = []
  const waiting = `${depth} QoS 1/2 message${depth === 1 ? '' : 's'} in the outbox, the oldest for ${seconds(oldestAgeMs ?? 0)}`
  const growing = outboxHistory.length >= 2 && [...outboxHistory, depth].every((value, i, all) => i === 0 || value > all[i - 1]!)
  if (status !== 'connected') found.push({ level: 'info', text: `${waiting}: sent once connected.` })
  else if (growing || (oldestAgeMs ?? 0) > OLD_MS) found.push({ level: 'warn', text: `Outbox ${growing ? 'growing' : 'not draining'}: ${waiting}; the broker is not acknowledging them.` })
  if (depth >= maxMessages * 0.9) found.push({ level: 'warn', text: `The outbox is nearly full (${depth} of ${maxMessages}): publish() will reject with OUTBOX_FULL.` })
  return found
}

function deliveries({ metrics, all }: InspectorSample): Finding[] {
  const found: Finding[] = []
  const mine = metrics.delivery
  if (mine.queued >= BEHIND) found.push({ level: 'warn', text: `This tab is behind: ${mine.queued} messages wait in the worker (its main thread is busy).` })
  const dropped = mine.dropped.qos0 + mine.dropped.qos12
  if (dropped > 0) found.push({ level: 'warn', text: `${dropped} messages were dropped for this tab: it did not read them in time (MESSAGES_DROPPED).` })
  const session = all?.sessions.find((s) => s.name === metrics.name)
  const others = session ? session.delivery.queued - mine.queued : 0
  if (others >= BEHIND) found.push({ level: 'warn', text: `Another tab is stalled: ${others} messages wait in the worker for it (frozen, hidden or busy).` })
  return found
}

function groups({ metrics, inspection }: InspectorSample): Finding[] {
  const found: Finding[] = []
  for (const [group, counts] of Object.entries(metrics.exclusive)) {
    const members = inspection.subscriptions.filter((s) => s.group === group).reduce((sum, s) => sum + s.tabs, 0)
    if (counts.pending > 0 && members === 0) found.push({ level: 'warn', text: `Exclusive group ${group}: ${counts.pending} messages wait and no tab is a member.` })
    if (counts.timeouts > 0) found.push({ level: 'warn', text: `Exclusive group ${group}: a member finished nothing within its timeout ${counts.timeouts} times (a handler hung).` })
  }
  if (metrics.inbox.overflowed > 0) found.push({ level: 'warn', text: `The exclusive inbox overflowed ${metrics.inbox.overflowed} times: those messages were kept in memory only.` })
  return found
}

/** 61234 → "1m 1s". */
export function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`
}
