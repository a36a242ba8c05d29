// What the demo adds to mqtt-hub/inspector: the header's one-line summary and the demo broker's
// own counts (its control API), so that the page's figures can be checked against the broker's.
import type { HubInspection } from '../src/index.ts'
import type { BrokerCounts } from './control.ts'
import { byTestId } from './dom.ts'

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

export function showSummary(inspection: HubInspection | null, broker: BrokerCounts | null): void {
  const tabs = inspection ? plural(inspection.tabs.length, 'tab') : 'this tab'
  const connected = inspection?.connectedAt != null
  const connection = connected ? 'one broker connection' : `no connection (${inspection?.status ?? 'starting'})`
  const counted = broker === null ? 'broker stats unavailable'
    : !broker.listening ? 'the broker is stopped'
      : `the broker counts ${plural(broker.connected, 'client')}${connected && inspection && broker.clients.includes(inspection.clientId) ? ', ours included' : ''}`
  byTestId('summary').textContent = `${tabs} → ${connection} → ${counted}`
}

/** The broker's own count, and Stop/Start enabled only when they would do something. */
export function showBroker(broker: BrokerCounts | null, busy: boolean): void {
  byTestId('broker-connected').textContent = broker ? String(broker.connected) : '–'
  byTestId('broker-state').textContent = broker === null ? 'control API unreachable' : broker.listening ? 'listening' : 'stopped'
  byTestId<HTMLButtonElement>('broker-stop').disabled = busy || broker?.listening !== true
  byTestId<HTMLButtonElement>('broker-start').disabled = busy || broker?.listening !== false
}
