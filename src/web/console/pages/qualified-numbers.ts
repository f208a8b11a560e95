import type { QualifiedNumberCursor } from '../../../app/operator-qualified-number-queries.js';
import { listQualifiedNumbersForConsole } from '../../../app/operator-qualified-number-queries.js';
import { decodeConsoleCursor, encodeConsoleCursor } from '../../../app/operator-order-queries.js';
import { approveOwnership, rejectOwnership, unblockVerification } from '../../../app/ownership-review.js';
import { listProjects } from '../../../app/projects.js';
import { OWNERSHIP_REVIEW_STATES, QUALIFIED_NUMBER_STATES, shortStateName } from '../../../domain/qualification.js';
import type { QualifiedNumberRow } from '../../../storage/schema.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { actionButton, csrfField, dataTable, formatTime, numberHref, numberSegment, optionsWithAny, orderHref, selectField, stateBadge } from '../ui.js';
import { choiceFilter, currentPath, filterProblems, pager, phoneNumberFromConsolePath, projectFilter, queryValue } from './list-controls.js';

const LISTED_STATES = QUALIFIED_NUMBER_STATES.filter((state) => state !== 'GLOBAL_PROCESS_STATE_UNSPECIFIED');
const BLOCKED = 'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED';
/** A blocked number is unblocked, never rejected: rejecting would give it another challenge. */
const REJECTABLE_STATES = OWNERSHIP_REVIEW_STATES.filter((state) => state !== BLOCKED);
/** The hosted status integers of the spec, by name. */
const HOSTED_STATUS_NAMES = ['UNSPECIFIED', 'HOSTED', 'FAILED'];

function qualifiedNumberPath(projectId: string, phoneNumber: string, verb: string): string {
  return `/console/projects/${encodeURIComponent(projectId)}/qualified-numbers/${numberSegment(phoneNumber)}/${verb}`;
}

/** Renders a status with its error underneath, when there is one. */
function statusCell(status: string, error: string): SafeHtml {
  return html`${stateBadge(status)}${error === '' ? '' : html`<br><span class="muted">${error}</span>`}`;
}

function rowActions(request: ConsoleRequest, row: QualifiedNumberRow): SafeHtml {
  const csrfToken = request.session.csrfToken;
  const fields = { returnTo: currentPath(request) };
  const actions: SafeHtml[] = [];
  if ((OWNERSHIP_REVIEW_STATES as readonly string[]).includes(row.state)) {
    actions.push(
      actionButton({ label: 'Approve ownership', action: qualifiedNumberPath(row.project_id, row.phone_number, 'approve-ownership'), csrfToken, fields, style: 'primary' }),
    );
  }
  if ((REJECTABLE_STATES as readonly string[]).includes(row.state)) {
    actions.push(html`<form class="inline" method="post" action="${qualifiedNumberPath(row.project_id, row.phone_number, 'reject-ownership')}">${csrfField(csrfToken)}<input type="hidden" name="returnTo" value="${fields.returnTo}">
<input type="text" name="reason" maxlength="500" placeholder="Reason (the customer sees it)" aria-label="Reason for rejecting the ownership of ${row.phone_number}">
<button type="submit" class="danger">Reject ownership</button></form>`);
  }
  if (row.state === BLOCKED) {
    actions.push(actionButton({ label: 'Unblock', action: qualifiedNumberPath(row.project_id, row.phone_number, 'unblock'), csrfToken, fields }));
  }
  return actions.length === 0 ? html`<span class="muted">—</span>` : html`<div class="actions">${actions}</div>`;
}

async function renderQualifiedNumbers(request: ConsoleRequest) {
  const { ctx, query } = request;
  const projects = await listProjects(ctx);
  const problems: string[] = [];
  const projectId = projectFilter(query, projects, problems);
  const state = choiceFilter(query, 'state', 'qualified number state', LISTED_STATES, problems);
  let prefix = queryValue(query, 'prefix', problems);
  if (prefix !== undefined && !/^\+?\d{1,15}$/.test(prefix)) {
    problems.push(`"${prefix}" is not the start of a phone number, so the prefix filter was ignored. Use digits after an optional "+", such as +1206555.`);
    prefix = undefined;
  }
  const decoded = decodeConsoleCursor(query.after, ['number', 'string', 'string']);
  if (query.after !== undefined && query.after !== '' && decoded === undefined) {
    problems.push('The page link was not made by this console, so the first page is shown.');
  }
  const cursor: QualifiedNumberCursor | undefined =
    decoded === undefined ? undefined : { createdMs: decoded[0] as number, phoneNumber: decoded[1] as string, projectId: decoded[2] as string };
  const numberPrefix = prefix === undefined ? undefined : prefix.startsWith('+') ? prefix : `+${prefix}`;
  const page = await listQualifiedNumbersForConsole(ctx, { projectId, state, numberPrefix }, cursor);
  const shown = { projectId, state, prefix };
  const next = page.next === undefined ? undefined : encodeConsoleCursor([page.next.createdMs, page.next.phoneNumber, page.next.projectId]);

  const body = html`<h1>Qualified numbers</h1>
<p class="muted">Numbers added for text-enablement, with their eligibility, ownership proof and hosting. Approve or reject ownership after reviewing the customer's invoices; unblock a number after too many wrong voice codes.</p>
<form class="filters" method="get" action="/console/qualified-numbers">
${selectField('projectId', 'Project', optionsWithAny(projects.map((project) => project.id), 'All projects'), projectId)}
${selectField('state', 'State', [{ value: '', label: 'Any' }, ...LISTED_STATES.map((value) => ({ value, label: shortStateName(value) }))], state)}
<label>Number prefix<input type="search" name="prefix" value="${prefix ?? ''}" placeholder="+1206555"></label>
<button type="submit">Show</button>
</form>
${filterProblems(problems)}
${dataTable(
  page.rows,
  [
    { label: 'Number', cell: (row) => html`<a class="nowrap" href="${numberHref(row.project_id, row.phone_number)}">${row.phone_number}</a>` },
    ...(projectId === undefined ? [{ label: 'Project', cell: (row: QualifiedNumberRow) => row.project_id }] : []),
    { label: 'State', cell: (row) => stateBadge(row.state) },
    { label: 'Eligibility', cell: (row) => statusCell(row.osr_eligibility_status, row.osr_eligibility_error) },
    { label: 'Ownership', cell: (row) => statusCell(row.ownership_status, row.ownership_error) },
    { label: 'Hosting', cell: (row) => statusCell(HOSTED_STATUS_NAMES[row.hosted_status] ?? String(row.hosted_status), row.hosted_error) },
    { label: 'Order', cell: (row) => (row.hosting_order_id === null ? '—' : html`<a href="${orderHref(row.project_id, row.hosting_order_id)}"><code>${row.hosting_order_id}</code></a>`) },
    { label: 'Updated', cell: (row) => html`<span class="nowrap">${formatTime(row.updated_ms)}</span>` },
    { label: 'Actions', cell: (row) => rowActions(request, row) },
  ],
  'No qualified number matches these filters.',
)}
${pager('/console/qualified-numbers', shown, cursor === undefined, next)}`;
  return { title: 'Qualified numbers', section: 'qualified' as const, body };
}

function numberIds(request: ConsoleRequest): { projectId: string; phoneNumber: string } {
  return { projectId: request.params.projectId ?? '', phoneNumber: phoneNumberFromConsolePath(request.params.phoneNumber ?? '') };
}

/** Registers the qualified number list with the operator's ownership decisions: approve, reject with a reason, unblock. */
export function registerQualifiedNumberPages(router: ConsoleRouter): void {
  const numberPath = '/console/projects/:projectId/qualified-numbers/:phoneNumber';
  router.page('/console/qualified-numbers', renderQualifiedNumbers);

  router.action(`${numberPath}/approve-ownership`, async (request) => {
    const { projectId, phoneNumber } = numberIds(request);
    await approveOwnership(request.ctx, projectId, phoneNumber);
    return { redirect: request.form.returnTo ?? '/console/qualified-numbers', notice: `Ownership of ${phoneNumber} approved: it is VERIFIED.` };
  });

  router.action(`${numberPath}/reject-ownership`, async (request) => {
    const { projectId, phoneNumber } = numberIds(request);
    await rejectOwnership(request.ctx, projectId, phoneNumber, { reason: request.form.reason });
    return { redirect: request.form.returnTo ?? '/console/qualified-numbers', notice: `Ownership of ${phoneNumber} rejected: it is VERIFICATION_FAILED.` };
  });

  router.action(`${numberPath}/unblock`, async (request) => {
    const { projectId, phoneNumber } = numberIds(request);
    await unblockVerification(request.ctx, projectId, phoneNumber);
    return { redirect: request.form.returnTo ?? '/console/qualified-numbers', notice: `${phoneNumber} unblocked: it is ELIGIBLE again and may be sent a new voice challenge.` };
  });
}
