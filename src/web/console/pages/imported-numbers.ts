import type { ImportedNumberCursor, NumberRecords } from '../../../app/operator-imported-number-queries.js';
import { listImportedNumbersForConsole, loadNumberRecords, NUMBER_SEARCH_PATTERN } from '../../../app/operator-imported-number-queries.js';
import { decodeConsoleCursor, encodeConsoleCursor } from '../../../app/operator-order-queries.js';
import { listProjects } from '../../../app/projects.js';
import { importedNumberResponseView, importedNumberView } from '../../../app/views.js';
import { CARRIERS } from '../../../domain/ports.js';
import { notFound } from '../../../domain/errors.js';
import type { ImportedNumberRow } from '../../../storage/schema.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { dataTable, formatTime, numberHref, optionsWithAny, orderHref, selectField, stateBadge, summaryList, withQuery } from '../ui.js';
import { filterProblems, pager, phoneNumberFromConsolePath, projectFilter, queryValue } from './list-controls.js';

function orEmpty(value: string): string {
  return value === '' ? '—' : value;
}

async function renderNumberSearch({ ctx, query }: ConsoleRequest) {
  const projects = await listProjects(ctx);
  const problems: string[] = [];
  const projectId = projectFilter(query, projects, problems);
  let pattern = queryValue(query, 'pattern', problems);
  if (pattern !== undefined && !NUMBER_SEARCH_PATTERN.test(pattern)) {
    problems.push(
      `"${pattern}" cannot be searched for: use up to 15 digits, with a leading "+" to match the start of the number (+1206555) or without one to match digits anywhere in it (5550100). Spaces, dashes and letters are not allowed.`,
    );
    pattern = undefined;
  }
  const decoded = decodeConsoleCursor(query.after, ['string', 'string']);
  if (query.after !== undefined && query.after !== '' && decoded === undefined) {
    problems.push('The page link was not made by this console, so the first page is shown.');
  }
  const cursor: ImportedNumberCursor | undefined = decoded === undefined ? undefined : { phoneNumber: decoded[0] as string, projectId: decoded[1] as string };
  const page = await listImportedNumbersForConsole(ctx, { projectId, pattern }, cursor);
  const shown = { projectId, pattern };
  const next = page.next === undefined ? undefined : encodeConsoleCursor([page.next.phoneNumber, page.next.projectId]);

  const body = html`<h1>Imported numbers</h1>
<form class="filters" method="get" action="/console/numbers">
${selectField('projectId', 'Project', optionsWithAny(projects.map((project) => project.id), 'All projects'), projectId)}
<label>Number pattern<input type="search" name="pattern" value="${pattern ?? ''}" placeholder="+1206555 or 0100"></label>
<button type="submit">Search</button>
</form>
<p class="muted">A pattern with a leading "+" matches the start of the number; digits alone match anywhere in it.</p>
${filterProblems(problems)}
${dataTable(
  page.rows,
  [
    { label: 'Number', cell: (row) => html`<a class="nowrap" href="${numberHref(row.project_id, row.phone_number)}">${row.phone_number}</a>` },
    ...(projectId === undefined ? [{ label: 'Project', cell: (row: ImportedNumberRow) => row.project_id }] : []),
    { label: 'Region', cell: (row) => row.region_code },
    { label: 'SMS platform', cell: (row) => html`${stateBadge(row.sms_state)} <span class="muted">${row.service_plan_id}</span>` },
    { label: 'Campaign', cell: (row) => html`${stateBadge(row.campaign_state)} <span class="muted">${row.campaign_id}</span>` },
    { label: 'Updated', cell: (row) => formatTime(row.updated_ms) },
  ],
  'No imported number matches.',
)}
${pager('/console/numbers', shown, cursor === undefined, next)}`;
  return { title: 'Imported numbers', section: 'numbers' as const, body };
}

/** Renders the SMS platform and campaign blocks and the carrier states, as GET importedNumbers returns them. */
function provisioningBlocks(row: ImportedNumberRow): SafeHtml {
  const view = importedNumberResponseView(row);
  const block = (title: string, targetLabel: string, target: string, provisioning: typeof view.smsProvisioning): SafeHtml => html`<section class="card"><h3>${title}</h3>${summaryList([
    [targetLabel, orEmpty(target)],
    ['Service id', orEmpty(provisioning.serviceId)],
    ['Type', orEmpty(provisioning.type)],
    ['State', stateBadge(provisioning.state)],
    ['Error code', provisioning.errorCode === '' ? '—' : html`<code>${provisioning.errorCode}</code>`],
    ['Error message', orEmpty(provisioning.errorMessage)],
    ['Updated', orEmpty(provisioning.updateTime)],
  ])}</section>`;
  return html`<div class="cards">${block('SMS platform', 'Service plan', view.smsConfiguration.servicePlanId, view.smsProvisioning)}${block(
    'Campaign',
    'Campaign',
    view.smsConfiguration.campaignId,
    view.campaignProvisioning,
  )}</div>
<h2>Carriers (mnoConfiguration)</h2>
${dataTable(
  CARRIERS.flatMap((carrier) => {
    const state = view.mnoConfiguration[carrier];
    return state === undefined ? [] : [{ carrier, ...state }];
  }),
  [
    { label: 'Carrier', cell: (entry) => entry.carrier },
    { label: 'State', cell: (entry) => stateBadge(entry.state) },
    { label: 'Operation', cell: (entry) => entry.operation ?? '—' },
    { label: 'Error code', cell: (entry) => (entry.errorCode === '' ? '—' : html`<code>${entry.errorCode}</code>`) },
    { label: 'Error message', cell: (entry) => orEmpty(entry.errorMessage) },
    { label: 'Updated', cell: (entry) => orEmpty(entry.updateTime) },
  ],
  'No carrier state yet: the campaign link has not run.',
)}`;
}

function numberSummary(projectId: string, records: NumberRecords): SafeHtml {
  const imported = records.importedNumber;
  const qualified = records.qualifiedNumber;
  if (imported === undefined) {
    const orderText =
      records.orders.length === 0 ? 'No hosting order contains it yet.' : 'The hosting orders that contain it are listed below.';
    return html`<p class="flash">This number is not an imported number of project ${projectId}. It is a qualified number in state ${stateBadge(
      qualified?.state ?? 'UNKNOWN',
    )}, and it becomes an imported number when the OSR update of a text-enable order for it succeeds. ${orderText}</p>`;
  }
  const view = importedNumberView(imported);
  const sourceOrderId = imported.hosting_order_id ?? qualified?.hosting_order_id ?? null;
  return summaryList([
    ['Project', view.projectId],
    ['Region', view.regionCode],
    ['Display name', orEmpty(view.displayName)],
    ['Callback URL', orEmpty(view.callbackUrl)],
    ['Toll-free', imported.is_toll_free === 1 ? 'yes' : 'no'],
    ['Hosting order', sourceOrderId === null ? '—' : html`<a href="${orderHref(projectId, sourceOrderId)}"><code>${sourceOrderId}</code></a>`],
    ['Qualification', qualified === undefined ? '—' : stateBadge(qualified.state)],
    ['Imported', formatTime(imported.created_ms)],
    ['Updated', formatTime(imported.updated_ms)],
  ]);
}

function relatedRecords(projectId: string, records: NumberRecords): SafeHtml {
  return html`<h2>Hosting orders with this number</h2>
${dataTable(
  records.orders,
  [
    { label: 'Order', cell: (entry) => html`<a href="${orderHref(projectId, entry.hostingOrderId)}"><code>${entry.hostingOrderId}</code></a>` },
    { label: 'Type', cell: (entry) => `${entry.orderType}${entry.isTollFree ? ' (toll-free)' : ''}` },
    { label: 'Order state', cell: (entry) => stateBadge(entry.orderState) },
    { label: 'OSR', cell: (entry) => stateBadge(entry.osrState) },
    { label: 'SMS platform', cell: (entry) => stateBadge(entry.platformState) },
    { label: 'Campaign', cell: (entry) => stateBadge(entry.campaignState) },
    { label: 'Failure code', cell: (entry) => orEmpty(entry.failureCode) },
    { label: 'Created', cell: (entry) => formatTime(entry.createdMs) },
  ],
  records.importedNumber === undefined ? 'No hosting order contains this number yet.' : 'The number was imported on its own, not in an order.',
)}
<h2>Open operator tasks</h2>
${dataTable(
  records.openTasks,
  [
    { label: 'Task', cell: (task) => html`<a href="${withQuery('/console/tasks', { projectId })}">${task.id}</a>` },
    { label: 'Kind', cell: (task) => task.kind },
    { label: 'Target', cell: (task) => task.target_id },
    { label: 'Order', cell: (task) => (task.hosting_order_id === null ? '—' : html`<a href="${orderHref(projectId, task.hosting_order_id)}"><code>${task.hosting_order_id}</code></a>`) },
    { label: 'Waiting since', cell: (task) => formatTime(task.created_ms) },
  ],
  'No task is waiting for this number.',
)}
<h2>Callback events</h2>
${dataTable(
  records.callbackEvents,
  [
    { label: 'Time (UTC)', cell: (event) => formatTime(event.created_ms) },
    { label: 'Event', cell: (event) => html`<code>${event.event_type}</code>` },
    { label: 'Status', cell: (event) => html`${stateBadge(event.status)}${event.failure_code === null ? '' : html` <code>${event.failure_code}</code>`}` },
    { label: 'Delivery', cell: (event) => stateBadge(event.delivery_state) },
    { label: 'Attempts', cell: (event) => event.attempts, numeric: true },
    { label: 'Event id', cell: (event) => html`<a href="${withQuery('/console/deliveries', { projectId, eventId: event.id })}">${event.id}</a>` },
  ],
  'No callback event was recorded for this number.',
)}`;
}

async function renderNumberPage(request: ConsoleRequest) {
  const projectId = request.params.projectId ?? '';
  const phoneNumber = phoneNumberFromConsolePath(request.params.phoneNumber ?? '');
  const records = await loadNumberRecords(request.ctx, projectId, phoneNumber);
  if (records.importedNumber === undefined && records.qualifiedNumber === undefined) {
    throw notFound(`${phoneNumber} is neither an imported nor a qualified number of project ${projectId}. Search for it on the imported numbers page.`);
  }
  const body = html`<p><a href="${withQuery('/console/numbers', { projectId })}">← Imported numbers of ${projectId}</a></p>
<h1>${phoneNumber}</h1>
${numberSummary(projectId, records)}
${records.importedNumber === undefined ? '' : provisioningBlocks(records.importedNumber)}
${relatedRecords(projectId, records)}`;
  return { title: `${phoneNumber} · ${projectId}`, section: 'numbers' as const, body };
}

/** Registers the imported number search and one number's page with its provisioning blocks. */
export function registerImportedNumberPages(router: ConsoleRouter): void {
  router.page('/console/numbers', renderNumberSearch);
  router.page('/console/projects/:projectId/numbers/:phoneNumber', renderNumberPage);
}
