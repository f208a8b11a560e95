import { getHostingOrder, getHostingOrderNumbers } from '../../../app/get-hosting-order.js';
import type { OrderCursor, OrderListFilter, OrderTypeFilter } from '../../../app/operator-order-queries.js';
import {
  countFailedNumbers,
  decodeConsoleCursor,
  encodeConsoleCursor,
  listOrdersForConsole,
  loadStepErrorMessages,
  ORDER_SEARCH_PATTERN,
  ORDER_TYPE_FILTERS,
} from '../../../app/operator-order-queries.js';
import { getLoaDocument } from '../../../app/operator-records.js';
import { loadOrderTimeline } from '../../../app/order-timeline.js';
import { resendLoa } from '../../../app/prepare-loa.js';
import { listProjects } from '../../../app/projects.js';
import { rejectHostingOrder } from '../../../app/reject-hosting-order.js';
import { retryFailedSteps } from '../../../app/retry-failed-steps.js';
import { parseTextEnableInfo } from '../../../app/text-enable-numbers.js';
import { hostingOrderReportView, parseCarrierStates } from '../../../app/views.js';
import { CARRIERS } from '../../../domain/ports.js';
import { HOSTING_ORDER_STATES } from '../../../domain/states.js';
import type { HostingOrderNumberRow, HostingOrderRow } from '../../../storage/schema.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { actionButton, csrfField, dataTable, formatTime, numberHref, optionsWithAny, orderHref, projectHref, selectField, stateBadge, summaryList, withQuery } from '../ui.js';
import { choiceFilter, currentPath, filterProblems, pager, projectFilter, queryValue } from './list-controls.js';
import { renderTimeline } from './order-timeline-view.js';

const DAY_MS = 86_400_000;

const TYPE_LABELS: Readonly<Record<OrderTypeFilter, string>> = {
  IMPORT: 'IMPORT',
  TYPE_TEXT_ENABLE: 'TYPE_TEXT_ENABLE (standard numbers)',
  TOLL_FREE: 'TYPE_TEXT_ENABLE (toll-free numbers)',
};

/** Order states in which an operator may still reject a text-enable order. The use case also checks that no OSR update has started. */
const REJECTABLE_STATES: readonly string[] = ['SUBMITTED', 'WAITING_FOR_LOA_SIGNATURE', 'IN_PROGRESS'];

/** Reads a `YYYY-MM-DD` date as midnight UTC, or undefined (noted in `problems`) for anything else. */
function dateFilter(query: Readonly<Record<string, string>>, name: string, label: string, problems: string[]): number | undefined {
  const value = queryValue(query, name, problems);
  if (value === undefined) {
    return undefined;
  }
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    problems.push(`"${value}" is not a date, so the ${label} filter was ignored. Use YYYY-MM-DD, such as 2026-01-31.`);
    return undefined;
  }
  return ms;
}

function readOrderFilter(query: Readonly<Record<string, string>>, projectIds: Parameters<typeof projectFilter>[1], problems: string[]): OrderListFilter {
  const createdFromMs = dateFilter(query, 'createdFrom', 'created from', problems);
  const createdToMs = dateFilter(query, 'createdTo', 'created to', problems);
  let search = queryValue(query, 'search', problems);
  if (search !== undefined && !ORDER_SEARCH_PATTERN.test(search)) {
    problems.push(`"${search}" is neither digits of a phone number (such as +1206555 or 5550100) nor the start of an order id (letters and digits), so the search was ignored.`);
    search = undefined;
  }
  return {
    projectId: projectFilter(query, projectIds, problems),
    state: choiceFilter(query, 'state', 'order state', HOSTING_ORDER_STATES, problems),
    type: choiceFilter(query, 'type', 'order type', ORDER_TYPE_FILTERS, problems) as OrderTypeFilter | undefined,
    search,
    createdFromMs,
    createdBeforeMs: createdToMs === undefined ? undefined : createdToMs + DAY_MS,
  };
}

function orderTypeLabel(order: Pick<HostingOrderRow, 'type' | 'is_toll_free'>): string {
  if (order.type === 'TYPE_TEXT_ENABLE' && order.is_toll_free === 1) {
    return 'TYPE_TEXT_ENABLE (toll-free)';
  }
  return order.type;
}

async function renderOrderList({ ctx, query }: ConsoleRequest) {
  const projects = await listProjects(ctx);
  const problems: string[] = [];
  const filter = readOrderFilter(query, projects, problems);
  const decoded = decodeConsoleCursor(query.after, ['number', 'string']);
  if (query.after !== undefined && query.after !== '' && decoded === undefined) {
    problems.push('The page link was not made by this console, so the first page is shown.');
  }
  const cursor: OrderCursor | undefined = decoded === undefined ? undefined : { createdMs: decoded[0] as number, id: decoded[1] as string };
  const page = await listOrdersForConsole(ctx, filter, cursor);
  const failedCounts = await countFailedNumbers(ctx, page.rows.map((order) => order.id));
  const appliedFilters = {
    projectId: filter.projectId,
    state: filter.state,
    type: filter.type,
    search: filter.search,
    createdFrom: filter.createdFromMs === undefined ? undefined : query.createdFrom?.trim(),
    createdTo: filter.createdBeforeMs === undefined ? undefined : query.createdTo?.trim(),
  };
  const body = html`<h1>Hosting orders</h1>
<form class="filters" method="get" action="/console/orders">
${selectField('projectId', 'Project', optionsWithAny(projects.map((project) => project.id), 'All projects'), appliedFilters.projectId)}
${selectField('state', 'State', optionsWithAny(HOSTING_ORDER_STATES.filter((state) => state !== 'HOSTING_ORDER_STATE_UNSPECIFIED')), appliedFilters.state)}
${selectField('type', 'Type', [{ value: '', label: 'Any' }, ...ORDER_TYPE_FILTERS.map((type) => ({ value: type, label: TYPE_LABELS[type] }))], appliedFilters.type)}
<label>Created from (UTC)<input type="date" name="createdFrom" value="${appliedFilters.createdFrom ?? ''}"></label>
<label>Created to (UTC)<input type="date" name="createdTo" value="${appliedFilters.createdTo ?? ''}"></label>
<label>Order id or phone number<input type="search" name="search" value="${appliedFilters.search ?? ''}" placeholder="01j… or +1206555"></label>
<button type="submit">Show</button>
</form>
${filterProblems(problems)}
${dataTable(
  page.rows,
  [
    { label: 'Order', cell: (order) => html`<a href="${orderHref(order.project_id, order.id)}"><code>${order.id}</code></a>` },
    { label: 'Project', cell: (order) => html`<a href="${projectHref(order.project_id)}">${order.project_id}</a>` },
    { label: 'Type', cell: (order) => orderTypeLabel(order) },
    { label: 'State', cell: (order) => stateBadge(order.state) },
    { label: 'Numbers', cell: (order) => order.number_count, numeric: true },
    { label: 'Failed numbers', cell: (order) => failedNumbersCell(failedCounts.get(order.id) ?? 0), numeric: true },
    { label: 'Created', cell: (order) => formatTime(order.created_ms) },
    { label: 'Updated', cell: (order) => formatTime(order.updated_ms) },
  ],
  'No hosting order matches these filters.',
)}
${pager('/console/orders', appliedFilters, cursor === undefined, page.next === undefined ? undefined : encodeConsoleCursor([page.next.createdMs, page.next.id]))}`;
  return { title: 'Hosting orders', section: 'orders' as const, body };
}

function carrierStates(row: HostingOrderNumberRow): SafeHtml {
  const carriers = parseCarrierStates(row.carriers);
  const entries = CARRIERS.flatMap((carrier) => {
    const state = carriers[carrier];
    return state === undefined ? [] : [html`<li>${carrier} ${stateBadge(state.state)}${state.errorCode === '' ? '' : html` <code>${state.errorCode}</code>`}</li>`];
  });
  return entries.length === 0 ? html`<span class="muted">—</span>` : html`<ul class="plain">${entries}</ul>`;
}

/** Returns the failed-number count, highlighted when above zero, so that a partly failed order is easy to spot. */
function failedNumbersCell(count: number): SafeHtml | number {
  return count === 0 ? 0 : html`<span class="failed-count">${count}</span>`;
}

function stepCell(targetId: string, state: string, errorMessage = ''): SafeHtml {
  return html`${stateBadge(state)}${targetId === '' ? '' : html`<br><span class="muted">${targetId}</span>`}${
    errorMessage === '' ? '' : html`<span class="step-error">${errorMessage}</span>`
  }`;
}

function orderSummary(order: HostingOrderRow): SafeHtml {
  const info = order.type === 'IMPORT' ? undefined : parseTextEnableInfo(order);
  return summaryList([
    ['State', stateBadge(order.state)],
    ['Type', orderTypeLabel(order)],
    ['Project', html`<a href="${projectHref(order.project_id)}">${order.project_id}</a>`],
    ['Region', order.region_code],
    ['Display name', order.display_name === '' ? '—' : order.display_name],
    ['Service plan', order.service_plan_id === '' ? '—' : order.service_plan_id],
    ['Campaign', order.campaign_id === '' ? '—' : order.campaign_id],
    ['LOA type', info === undefined ? '— (import orders have no LOA)' : (info.loaType ?? 'Blanket')],
    ['NNID', order.nnid],
    ['Scheduled OSR update', formatTime(order.scheduled_osr_update_ms)],
    ['Callback URL', order.callback_url ?? '—'],
    ['Created', formatTime(order.created_ms)],
    ['Updated', formatTime(order.updated_ms)],
    ['Rejection reason', order.rejection_reason === '' ? '—' : order.rejection_reason],
  ]);
}

function hasFailedStep(row: HostingOrderNumberRow): boolean {
  return row.failure_code !== '' || [row.osr_state, row.platform_state, row.campaign_state].includes('FAILED');
}

function orderActions(request: ConsoleRequest, order: HostingOrderRow, numbers: readonly HostingOrderNumberRow[]): SafeHtml {
  const base = orderHref(order.project_id, order.id);
  const csrfToken = request.session.csrfToken;
  const returnTo = currentPath(request);
  const canReject = order.type === 'TYPE_TEXT_ENABLE' && REJECTABLE_STATES.includes(order.state) && numbers.every((row) => row.osr_state === 'WAITING');
  const actions = [
    (order.state === 'IN_PROGRESS' || order.state === 'COMPLETED') && numbers.some(hasFailedStep)
      ? actionButton({ label: 'Retry failed steps', action: `${base}/retry-failed-steps`, csrfToken, fields: { returnTo }, style: 'primary' })
      : '',
    order.state === 'WAITING_FOR_LOA_SIGNATURE'
      ? actionButton({ label: 'Resend the LOA', action: `${base}/resend-loa`, csrfToken, fields: { returnTo }, confirm: 'Mail a new signing link? Earlier links stop working.' })
      : '',
    canReject
      ? html`<form class="panel" method="post" action="${base}/reject" data-confirm="Reject this order? This cannot be undone.">${csrfField(csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}">
<label>Reason for rejecting (callbacks and the order show it)<input type="text" name="reason" maxlength="500" size="40"></label>
<button type="submit" class="danger">Reject order</button></form>`
      : '',
  ];
  const applicable = actions.filter((action) => action !== '');
  return applicable.length === 0 ? html`<p class="muted">No action applies to this order in its state.</p>` : html`<div class="actions">${applicable}</div>`;
}

/** Numbers shown per page of the order page's numbers table. */
const NUMBERS_PER_PAGE = 100;
/** Timeline entries shown unless the operator requests all. A 500-number order has about 2000. */
const TIMELINE_SHOWN = 200;

/** Reads the numbers table's offset from the query string: a multiple of the page size below `total`, else 0. */
function numbersOffset(value: string | undefined, total: number): number {
  const offset = value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : 0;
  return offset < total && offset % NUMBERS_PER_PAGE === 0 ? offset : 0;
}

async function renderOrderPage(request: ConsoleRequest) {
  const { ctx, params, query } = request;
  const projectId = params.projectId ?? '';
  const hostingOrderId = params.hostingOrderId ?? '';
  const order = await getHostingOrder(ctx, projectId, hostingOrderId);
  const numbers = await getHostingOrderNumbers(ctx, projectId, hostingOrderId);
  const stepErrors = await loadStepErrorMessages(ctx, projectId, hostingOrderId);
  const timeline = await loadOrderTimeline(ctx, projectId, hostingOrderId);
  const report = hostingOrderReportView(numbers);
  const hasOriginalLoa = timeline.some((entry) => entry.kind === 'LOA_DOCUMENT' && entry.documentKind === 'ORIGINAL');
  const hasSignedLoa = timeline.some((entry) => entry.kind === 'LOA_DOCUMENT' && entry.documentKind === 'SIGNED');
  const base = orderHref(projectId, hostingOrderId);
  const offset = numbersOffset(query.numbersFrom, numbers.length);
  const shownNumbers = numbers.slice(offset, offset + NUMBERS_PER_PAGE);
  const pageLink = (from: number, label: string) => html`<a href="${withQuery(base, { numbersFrom: String(from), timeline: query.timeline })}">${label}</a>`;
  const numbersPager =
    numbers.length <= NUMBERS_PER_PAGE
      ? ''
      : html`<p class="pager">Numbers ${offset + 1}–${offset + shownNumbers.length} of ${numbers.length}. ${offset > 0 ? pageLink(offset - NUMBERS_PER_PAGE, 'Previous numbers') : ''} ${
          offset + NUMBERS_PER_PAGE < numbers.length ? pageLink(offset + NUMBERS_PER_PAGE, 'Next numbers') : ''
        }</p>`;
  const isWholeTimeline = query.timeline === 'all' || timeline.length <= TIMELINE_SHOWN;
  const shownTimeline = isWholeTimeline ? timeline : timeline.slice(-TIMELINE_SHOWN);
  const timelineNote = isWholeTimeline
    ? ''
    : html`<p class="muted">The latest ${TIMELINE_SHOWN} of ${timeline.length} entries. <a href="${withQuery(base, { numbersFrom: offset === 0 ? undefined : String(offset), timeline: 'all' })}">Show all</a></p>`;
  const body = html`<p><a href="${withQuery('/console/orders', { projectId })}">← Hosting orders of ${projectId}</a></p>
<h1>Hosting order <code>${order.id}</code></h1>
${orderActions(request, order, numbers)}
${orderSummary(order)}
<h2>LOA documents</h2>
${
  hasOriginalLoa || hasSignedLoa
    ? html`<ul>${hasOriginalLoa ? html`<li><a href="${base}/loa.pdf">LOA as mailed (PDF)</a></li>` : ''}${hasSignedLoa ? html`<li><a href="${base}/signed-loa.pdf">Signed LOA with its certificate (PDF)</a></li>` : ''}</ul>`
    : html`<p class="muted">None: ${order.type === 'IMPORT' ? 'import orders have no LOA.' : 'a blanket LOA, or the LOA is still being written.'}</p>`
}
<h2>Report</h2>
${summaryList([
  ['Numbers', String(report.total)],
  ['OSR updated', String(report.osrUpdated)],
  ['SMS provisioned', String(report.smsProvisioned)],
  ['Added to campaign', String(report.addedToCampaign)],
  ['Waiting for manual action', String(report.ongoingManualAction)],
])}
<h2>Numbers</h2>
${numbersPager}
${dataTable(
  shownNumbers,
  [
    { label: 'Number', cell: (row) => html`<a href="${numberHref(projectId, row.phone_number)}">${row.phone_number}</a>` },
    { label: 'OSR update', cell: (row) => stepCell(row.osr_nnid, row.osr_state) },
    { label: 'SMS platform', cell: (row) => stepCell(row.platform_service_plan_id, row.platform_state, stepErrors.get(row.phone_number)?.sms) },
    { label: 'Campaign', cell: (row) => stepCell(row.campaign_id, row.campaign_state, stepErrors.get(row.phone_number)?.campaign) },
    { label: 'Failure code', cell: (row) => (row.failure_code === '' ? '—' : html`<code>${row.failure_code}</code>`) },
    { label: 'Manual action', cell: (row) => (row.is_manual_action === 1 ? 'waiting' : '—') },
    { label: 'Carriers', cell: carrierStates },
  ],
  'The order has no numbers.',
)}
<h2>Timeline</h2>
${timelineNote}
${renderTimeline(projectId, shownTimeline)}`;
  const isUnfinished = REJECTABLE_STATES.includes(order.state);
  return { title: `Order ${order.id}`, section: 'orders' as const, body, ...(isUnfinished ? { refreshSeconds: 15 } : {}) };
}

function orderIds(request: ConsoleRequest): { projectId: string; hostingOrderId: string } {
  return { projectId: request.params.projectId ?? '', hostingOrderId: request.params.hostingOrderId ?? '' };
}

/** Registers the hosting order list, the order page with its timeline, the LOA downloads, and the reject, resend and retry actions. */
export function registerOrderPages(router: ConsoleRouter): void {
  const orderPath = '/console/projects/:projectId/orders/:hostingOrderId';
  router.page('/console/orders', renderOrderList);
  router.page(orderPath, renderOrderPage);

  for (const [file, kind] of [
    ['loa.pdf', 'ORIGINAL'],
    ['signed-loa.pdf', 'SIGNED'],
  ] as const) {
    router.download(`${orderPath}/${file}`, async (request) => {
      const { projectId, hostingOrderId } = orderIds(request);
      const pdf = await getLoaDocument(request.ctx, projectId, hostingOrderId, kind);
      return { contentType: 'application/pdf', filename: `${kind === 'SIGNED' ? 'signed-loa' : 'loa'}-${hostingOrderId}.pdf`, body: pdf };
    });
  }

  router.action(`${orderPath}/reject`, async (request) => {
    const { projectId, hostingOrderId } = orderIds(request);
    await rejectHostingOrder(request.ctx, projectId, hostingOrderId, { reason: request.form.reason });
    return { redirect: orderHref(projectId, hostingOrderId), notice: `Order ${hostingOrderId} rejected.` };
  });

  router.action(`${orderPath}/resend-loa`, async (request) => {
    const { projectId, hostingOrderId } = orderIds(request);
    await resendLoa(request.ctx, projectId, hostingOrderId);
    return { redirect: orderHref(projectId, hostingOrderId), notice: `Order ${hostingOrderId}: a new signing link was mailed; earlier links no longer work.` };
  });

  router.action(`${orderPath}/retry-failed-steps`, async (request) => {
    const { projectId, hostingOrderId } = orderIds(request);
    const { retried } = await retryFailedSteps(request.ctx, projectId, hostingOrderId);
    const steps = retried.map((entry) => `${entry.step} of ${entry.phoneNumber}`).join(', ');
    return { redirect: orderHref(projectId, hostingOrderId), notice: `Order ${hostingOrderId}: ${retried.length} step${retried.length === 1 ? '' : 's'} queued again (${steps}).` };
  });
}
