import { HubError } from '../../src/errors.ts'
import type { OpenRequest, OpenResult, PublishRequest, RequestRequest, SubscriptionSpec, TabApi } from '../../src/protocol.ts'
import type { HubMetrics, SessionMetrics } from '../../src/reports.ts'
import { TabClient } from '../routing/tab-client.ts'
import type { Session } from '../session/session.ts'
import type { HubService } from './hub-service.ts'
import { checkOpen, checkPublish, checkRequest, checkSpec } from './validation.ts'

/**
 * What one connecting port (one Hub of one tab) may do, and nothing else: it never exposes the
 * service or a session. It is attached to one session from `open()` until `close()` or the tab
 * is gone.
 */
export class TabPort implements TabApi {
  private attachment: { tab: TabClient; session: Session; lingerMs: number } | null = null
  private opening = false

  constructor(private readonly service: HubService) {}

  async open(request: OpenRequest): Promise<OpenResult> {
    const checked = checkOpen(request)
    if (this.attachment || this.opening) throw new HubError('INVALID_OPTIONS', 'This hub is already open')
    this.opening = true
    try {
      const tab = new TabClient(request.events, checked.queue)
      const session = await this.service.join(checked.name, checked.config, tab)
      this.attachment = { tab, session, lingerMs: checked.lingerMs }
      this.service.watchTab(request.tabLock, () => void this.close())
      for (const spec of request.subscriptions) void this.restore(spec)
      for (const seq of request.awaiting ?? []) void session.awaitAck(seq, tab.onAck)
      return { workerLock: this.service.workerLock, status: session.status }
    } finally {
      this.opening = false
    }
  }

  async subscribe(spec: SubscriptionSpec): Promise<void> {
    const { tab, session } = this.attached()
    return session.subscribe(tab, checkSpec(spec))
  }

  async unsubscribe(id: number): Promise<void> {
    const { tab, session } = this.attached()
    session.unsubscribe(tab, id)
  }

  async publish(request: PublishRequest): Promise<number | null> {
    const { tab, session } = this.attached()
    return session.publish(checkPublish(request), tab.onAck)
  }

  async request(request: RequestRequest) {
    return this.attached().session.request(checkRequest(request))
  }

  async metrics(): Promise<SessionMetrics> {
    const { tab, session } = this.attached()
    return session.metrics(tab)
  }

  async hubMetrics(): Promise<HubMetrics> {
    this.attached()
    return this.service.metrics()
  }

  async sessions() {
    this.attached()
    return this.service.summaries()
  }

  async inspect() {
    const { tab, session } = this.attached()
    return session.inspect(tab)
  }

  /** The hub closed, or its tab is gone: everything it held is released. */
  async close(): Promise<void> {
    const attachment = this.attachment
    if (!attachment) return
    this.attachment = null
    const { tab, session, lingerMs } = attachment
    tab.close()
    session.forgetAcks(tab.onAck)
    if (session.removeTab(tab)) await this.service.lastTabLeft(session, lingerMs)
  }

  private attached(): { tab: TabClient; session: Session } {
    if (!this.attachment) throw new HubError('CLOSED', 'This hub is not open (closed, or open() was not called)')
    return this.attachment
  }

  /** A subscription of a tab whose worker restarted; a failure reaches that tab as a status error. */
  private async restore(spec: SubscriptionSpec): Promise<void> {
    const attachment = this.attachment
    if (!attachment) return
    try {
      await attachment.session.subscribe(attachment.tab, checkSpec(spec))
    } catch (error) {
      const { code, message } = error as HubError
      attachment.tab.send({ type: 'status', status: attachment.session.status.status, error: { code, message } })
    }
  }
}
