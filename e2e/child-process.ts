// Broker processes the tests start themselves: the last lines they printed (for a failure's
// message), and a stop by PID, never by name.
import { spawn, type ChildProcess } from 'node:child_process'

export interface Running {
  child: ChildProcess
  /** Resolves once the process has exited and its output is closed. */
  closed: Promise<void>
  /** The last lines it printed, stdout and stderr together. */
  output(): string
}

export function spawnLogged(command: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const tail: string[] = []
  const keep = (chunk: Buffer): void => {
    tail.push(chunk.toString())
    if (tail.length > 40) tail.shift()
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  return { child, closed, output: () => tail.join('') }
}

/** SIGKILL by PID, if it still runs. */
export function killProcess(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
}
