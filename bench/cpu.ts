// Where the CPU goes during a run: CPU time of every process this bench started (the runner with
// its in-process aedes, the MQTT peers, mosquitto, Chromium's processes and their threads), read
// from /proc, grouped by role. Linux only; elsewhere it measures nothing (null).
import { existsSync, readdirSync, readFileSync } from 'node:fs'

export type CpuRole =
  | 'runner (aedes, Playwright)' | 'mqtt peers (node)' | 'mosquitto'
  | 'browser process' | 'network service'
  | 'hub worker thread' | 'renderer main threads' | 'renderer IO threads' | 'renderer other'
  | 'chromium other'

interface Snapshot {
  /** Clock ticks per role. */
  ticks: Map<CpuRole, number>
  /** Busy and total ticks of the whole machine, every process included. */
  machineBusy: number
  machineTotal: number
}

export interface CpuUsage {
  /** CPU ms per role over the run. */
  ms: Map<CpuRole, number>
  /** Share of the machine's cores busy during the run (every process, ours or not). */
  machineBusy: number
  /** Share of the machine's cores used by this bench's processes. */
  ours: number
}

const HZ = 100 // USER_HZ on Linux
const supported = existsSync('/proc/self/task')

export class CpuMeter {
  private constructor(private readonly start: Snapshot, private readonly startedAt: number) {}

  static begin(): CpuMeter | null {
    return supported ? new CpuMeter(snapshot(), performance.now()) : null
  }

  end(): CpuUsage {
    const end = snapshot()
    const wallMs = performance.now() - this.startedAt
    const ms = new Map<CpuRole, number>()
    let ours = 0
    for (const [role, ticks] of end.ticks) {
      const spent = ((ticks - (this.start.ticks.get(role) ?? 0)) * 1000) / HZ
      ms.set(role, spent)
      ours += spent
    }
    const total = end.machineTotal - this.start.machineTotal
    const cores = total > 0 ? (total * 1000) / HZ / wallMs : 1
    return {
      ms,
      machineBusy: total > 0 ? (end.machineBusy - this.start.machineBusy) / total : Number.NaN,
      ours: ours / wallMs / cores,
    }
  }
}

function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields from 3 (state) on
}

function snapshot(): Snapshot {
  const parent = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      parent.set(Number(entry), Number(statFields(`/proc/${entry}/stat`)[1]))
    } catch { /* gone meanwhile */ }
  }
  const ticks = new Map<CpuRole, number>()
  const add = (role: CpuRole, n: number): void => void ticks.set(role, (ticks.get(role) ?? 0) + n)
  for (const pid of descendants(process.pid, parent)) {
    try {
      // Chromium's child processes rewrite their argv into one space-separated string.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const f = statFields(`/proc/${pid}/task/${task}/stat`)
        const comm = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim()
        add(roleOf(pid, cmdline, comm), Number(f[11]) + Number(f[12]))
      }
    } catch { /* gone meanwhile */ }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const idle = cpu[3]! + cpu[4]!
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0)
  return { ticks, machineBusy: total - idle, machineTotal: total }
}

function descendants(root: number, parent: Map<number, number>): number[] {
  const out = [root]
  for (let i = 0; i < out.length; i++) {
    for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid)
  }
  return out
}

function roleOf(pid: number, cmdline: string, thread: string): CpuRole {
  if (pid === process.pid) return 'runner (aedes, Playwright)'
  if (/^\S*mosquitto /.test(cmdline)) return 'mosquitto'
  if (cmdline.includes('mqtt-peer.mjs')) return 'mqtt peers (node)'
  const type = /--type=(\S+)/.exec(cmdline)?.[1]
  if (type === undefined) return 'browser process'
  if (type === 'utility' && cmdline.includes('NetworkService')) return 'network service'
  if (type !== 'renderer') return 'chromium other'
  if (thread.startsWith('SharedWorker')) return 'hub worker thread'
  if (thread === 'Chrome_ChildIOT') return 'renderer IO threads'
  if (thread === 'chromium') return 'renderer main threads'
  return 'renderer other'
}
