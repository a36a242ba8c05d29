// N tabs, each with its own MQTT.js connection, running the non-idempotent handler only in the
// tab elected leader. Records every message that handler ran for, to time the election and its
// failover and to count messages handled by no tab or by two.
import { callRecord, closedTabCalls, exposeBenchPage } from './bench-page.ts'
import { directTransport } from './direct-client.ts'
import { LeaderElection } from './leader-election.ts'

export interface ExclusiveCall {
  seq: number
  /** Wall-clock ms. */
  at: number
  /** ms since this page's navigation started. */
  sinceLoad: number
  /** mqtt-hub only: another tab may have started this message before (it died). */
  redelivered?: boolean
}

const election = new LeaderElection('bench/election')
const calls: ExclusiveCall[] = []
const record = callRecord(calls)
/** The first message this tab received: the election loses every message before a leader exists. */
let firstSeq: number | null = null
let now: () => number = () => 0

// Generous to the baseline: Vue runs onUnmounted when a component goes, not when its tab closes;
// without this hook a closed leader is never replaced.
addEventListener('pagehide', () => election.unmount())

exposeBenchPage(
  directTransport(),
  {
    isLeader: () => election.isLeader,
    exclusiveCalls: () => calls,
    closedTabCalls,
    firstSeq: () => firstSeq,
  },
  (_payload, seq) => {
    firstSeq ??= seq
    if (election.isLeader) record({ seq, at: now(), sinceLoad: performance.now() })
  },
)
now = window.bench.now
