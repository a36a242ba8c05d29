// Exclusive work: every tab joins one round-robin group; each job runs in exactly one live tab,
// and a job whose tab closes before it finishes goes to another tab.
import type { ExclusiveMetrics, Hub } from '../src/index.ts'
import { byTestId, clock, el, onClick } from './dom.ts'

export const JOBS_FILTER = 'demo/jobs/+'
const JOBS_PER_CLICK = 6
const WORK_MS = 600

interface Job { id: string; from: string }

export async function setUpJobs(hub: Hub, tabLabel: () => string): Promise<void> {
  const list = byTestId<HTMLUListElement>('jobs')
  const count = byTestId('jobs-count')
  const empty = byTestId('jobs-empty')
  let handled = 0

  await hub.subscribe(JOBS_FILTER, async (message) => {
    const job = message.json<Job>()
    const item = el('li', '', 'job')
    item.dataset.job = job.id
    item.dataset.state = 'running'
    const state = el('span', 'working…', 'job-state', 'state')
    item.append(el('code', job.id), el('span', `from ${job.from}`, '', 'muted'), state)
    if (message.redelivered) item.append(el('span', 'moved here', 'job-moved', 'badge'))
    list.prepend(item)
    empty.hidden = true
    await new Promise((resolve) => setTimeout(resolve, WORK_MS))
    item.dataset.state = 'done'
    state.textContent = `done ${clock().slice(0, 8)}`
    count.textContent = String(++handled)
  }, { exclusive: true, group: 'jobs', balance: 'round-robin', qos: 1 })

  const post = byTestId<HTMLButtonElement>('jobs-post')
  post.textContent = `Post ${JOBS_PER_CLICK} jobs`
  onClick(post, byTestId('jobs-error'), () => Promise.all(Array.from({ length: JOBS_PER_CLICK }, () => {
    const job: Job = { id: crypto.randomUUID().slice(0, 8), from: tabLabel() }
    return hub.publish(`demo/jobs/${job.id}`, JSON.stringify(job), { qos: 1 })
  })))
}

/** The group's counters over all tabs (from `hub.metrics()`). */
export function showJobsGroup(metrics: ExclusiveMetrics | undefined): void {
  byTestId('jobs-group').textContent = metrics
    ? `${metrics.handled} handled, ${metrics.pending} pending, ${metrics.redelivered} moved`
    : '–'
}
