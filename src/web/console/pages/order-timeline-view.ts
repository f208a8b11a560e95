import type { TimelineEntry } from '../../../app/order-timeline.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import { dataTable, formatTime, numberHref, stateBadge, withQuery } from '../ui.js';

interface TimelineRow {
  event: SafeHtml | string;
  detail: SafeHtml | string;
}

function optionalCode(label: string, code: string | null): SafeHtml | '' {
  return code === null || code === '' ? '' : html` · ${label} <code>${code}</code>`;
}

/** Describes one timeline entry: a short name of the event and its details, with links. */
function describeEntry(projectId: string, entry: TimelineEntry): TimelineRow {
  const numberLink = (phoneNumber: string): SafeHtml => html`<a href="${numberHref(projectId, phoneNumber)}">${phoneNumber}</a>`;
  switch (entry.kind) {
    case 'ORDER_CREATED':
      return { event: 'Order created', detail: `${entry.orderType}${entry.isTollFree ? ' (toll-free)' : ''}, ${entry.numberCount} number${entry.numberCount === 1 ? '' : 's'}` };
    case 'CALLBACK':
      return {
        event: html`Callback <code>${entry.eventType}</code>`,
        detail: html`${entry.resourceType === 'IMPORTED_NUMBER' || entry.resourceType === 'HOSTING_ORDER_NUMBER' ? numberLink(entry.resourceId) : entry.resourceId} ${stateBadge(
          entry.status,
        )}${optionalCode('failureCode', entry.failureCode)} · delivery ${stateBadge(entry.deliveryState)} after ${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'} · <a href="${withQuery(
          '/console/deliveries',
          { projectId, eventId: entry.eventId },
        )}">delivery ${entry.eventId}</a>`,
      };
    case 'EMAIL':
      return {
        event: 'Mail',
        detail: html`“${entry.subject}” to ${entry.to} · ${stateBadge(entry.state)}${entry.sentMs === null ? '' : html` at ${formatTime(entry.sentMs)}`}${
          entry.lastError === null ? '' : html` · last error: ${entry.lastError}`
        }`,
      };
    case 'LOA_DOCUMENT':
      return entry.documentKind === 'SIGNED'
        ? { event: 'Signed LOA stored', detail: 'The LOA with its signature certificate page.' }
        : { event: 'LOA written', detail: 'The LOA PDF that the signing mail carries.' };
    case 'LOA_DECISION':
      return {
        event: html`LOA ${stateBadge(entry.outcome)}`,
        detail: `by ${entry.signerName === '' ? 'the signer' : entry.signerName}${entry.reason === '' ? '' : `: ${entry.reason}`}`,
      };
    case 'TASK_CREATED':
      return { event: html`Operator task <code>${entry.taskKind}</code> opened`, detail: html`${numberLink(entry.phoneNumber)} · ${entry.targetId} · task ${entry.taskId}` };
    case 'TASK_RESOLVED':
      return {
        event: html`Operator task <code>${entry.taskKind}</code> ${stateBadge(entry.state)}`,
        detail: html`${numberLink(entry.phoneNumber)}${optionalCode('failure code', entry.failureCode)}${entry.note === '' ? '' : html` · note: ${entry.note}`} · task ${entry.taskId}`,
      };
    case 'REJECTED':
      return { event: html`Order ${stateBadge('REJECTED')}`, detail: entry.reason };
  }
}

/** Renders the timeline of an order as a table, oldest event first. */
export function renderTimeline(projectId: string, entries: readonly TimelineEntry[]): SafeHtml {
  const rows = entries.map((entry) => ({ atMs: entry.atMs, ...describeEntry(projectId, entry) }));
  return html`<div class="timeline">${dataTable(
    rows,
    [
      { label: 'Time (UTC)', cell: (row) => formatTime(row.atMs) },
      { label: 'Event', cell: (row) => row.event },
      { label: 'Details', cell: (row) => row.detail },
    ],
    'No event recorded yet.',
  )}</div>`;
}
