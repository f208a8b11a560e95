import { completeOperatorTask, failOperatorTask, getOperatorTask, listOperatorTasks } from '../../../app/operator-tasks.js';
import { listProjects } from '../../../app/projects.js';
import { ApiError } from '../../../domain/errors.js';
import { OPERATOR_TASK_KINDS, OPERATOR_TASK_STATES, TASK_FAILURE_CODES, isOperatorTaskKind } from '../../../domain/operator-tasks.js';
import type { OperatorTaskRow } from '../../../storage/schema.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import {
  actionButton,
  csrfField,
  dataTable,
  formatTime,
  numberHref,
  optionsWithAny,
  orderHref,
  selectField,
  stateBadge,
  summaryList,
  withQuery,
} from '../ui.js';

/** Instructions for the operator, per task kind: the work to do by hand before completing the task. */
const TASK_INSTRUCTIONS: Readonly<Record<string, string>> = {
  OSR_UPDATE: 'Update the carrier override registry (OSR) so that the number’s messages route to the NNID shown, then complete the task.',
  SMS_PROVISIONING: 'Provision the number on the SMS platform under the service plan shown, then complete the task.',
  SMS_DEPROVISIONING: 'Remove the number from the service plan shown on the SMS platform, then complete the task.',
  CAMPAIGN_LINK: 'Link the number to the 10DLC campaign shown with the campaign registry, then complete the task.',
  CAMPAIGN_UNLINK: 'Unlink the number from the 10DLC campaign shown with the campaign registry, then complete the task.',
};

function taskHref(taskId: string): string {
  return `/console/tasks/${encodeURIComponent(taskId)}`;
}

function orderLink(task: OperatorTaskRow): SafeHtml | string {
  return task.hosting_order_id === null ? '—' : html`<a href="${orderHref(task.project_id, task.hosting_order_id)}">${task.hosting_order_id}</a>`;
}

function completeForm(task: OperatorTaskRow, csrfToken: string, returnTo: string): SafeHtml {
  return html`<form class="panel" method="post" action="${taskHref(task.id)}/complete" aria-label="Complete task ${task.id}">
${csrfField(csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}">
<label>Note (optional)<input name="note" maxlength="1000" placeholder="Ticket or reference"></label>
<button type="submit" class="primary">Complete</button>
</form>`;
}

function failForm(task: OperatorTaskRow, csrfToken: string, returnTo: string): SafeHtml {
  const codes = isOperatorTaskKind(task.kind) ? TASK_FAILURE_CODES[task.kind] : [];
  return html`<form class="panel" method="post" action="${taskHref(task.id)}/fail" aria-label="Fail task ${task.id}">
${csrfField(csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}">
${selectField('failureCode', 'Failure code', [{ value: '', label: 'Choose a code' }, ...codes.map((code) => ({ value: code, label: code }))], undefined, true)}
<label>Error message<input name="errorMessage" maxlength="1000" placeholder="The carrier's response"></label>
<label>Note (optional)<input name="note" maxlength="1000"></label>
<button type="submit" class="danger">Fail</button>
</form>`;
}

async function tasksPage({ ctx, query, session }: ConsoleRequest) {
  const projects = await listProjects(ctx);
  const state = query.state === undefined ? 'OPEN' : query.state;
  const filter = { state, projectId: query.projectId, kind: query.kind, pageToken: query.pageToken, pageSize: '50' };
  let page;
  let problem: string | undefined;
  try {
    page = await listOperatorTasks(ctx, filter);
  } catch (error) {
    if (!(error instanceof ApiError)) {
      throw error;
    }
    problem = error.message;
    page = await listOperatorTasks(ctx, { state: 'OPEN', pageSize: '50' });
  }
  const returnTo = withQuery('/console/tasks', { state, projectId: query.projectId, kind: query.kind });
  const body = html`<h1>Operator tasks</h1>
<p class="muted">In manual carrier mode each OSR update, SMS platform provisioning and campaign link waits here for an operator. Completing or failing a task lets its order continue at once.${
    ctx.config.carrierAdapters === 'manual' ? '' : html` <strong>This instance uses the simulated carrier adapters, so no new task arrives.</strong>`
  }</p>
${problem === undefined ? '' : html`<p class="flash error" role="alert">Filters ignored: ${problem}</p>`}
<form class="filters" method="get" action="/console/tasks">
${selectField('state', 'State', optionsWithAny(OPERATOR_TASK_STATES), state)}
${selectField('kind', 'Kind', optionsWithAny(OPERATOR_TASK_KINDS), query.kind)}
${selectField('projectId', 'Project', optionsWithAny(projects.map((project) => project.id), 'All projects'), query.projectId)}
<button type="submit">Show</button>
</form>
<p>${page.totalSize} task${page.totalSize === 1 ? '' : 's'}.</p>
${dataTable(page.rows, [
  { label: 'Created', cell: (task) => html`<a href="${taskHref(task.id)}">${formatTime(task.created_ms)}</a>` },
  { label: 'Kind', cell: (task) => task.kind },
  { label: 'Project', cell: (task) => task.project_id },
  { label: 'Number', cell: (task) => html`<span class="mono nowrap">${task.phone_number}</span>` },
  { label: 'Target', cell: (task) => html`<span class="mono">${task.target_id}</span>` },
  { label: 'Order', cell: orderLink },
  { label: 'State', cell: (task) => html`${stateBadge(task.state)} ${task.failure_code}` },
  {
    label: 'Action',
    cell: (task) =>
      task.state === 'OPEN'
        ? html`${actionButton({
            label: 'Complete',
            action: `${taskHref(task.id)}/complete`,
            csrfToken: session.csrfToken,
            fields: { returnTo },
            confirm: `Complete the ${task.kind} task for ${task.phone_number} in project ${task.project_id}? Confirm only if the step was done by hand; the order then continues.`,
            style: 'primary',
          })}
<a href="${taskHref(task.id)}">Fail…</a>`
        : formatTime(task.resolved_ms),
  },
])}
${page.nextPageToken === '' ? '' : html`<p class="pager"><a href="${withQuery('/console/tasks', { state, projectId: query.projectId, kind: query.kind, pageToken: page.nextPageToken })}">Next page</a></p>`}`;
  return { title: 'Tasks', section: 'tasks' as const, body, refreshSeconds: state === 'OPEN' ? 15 : undefined };
}

async function taskPage({ ctx, params, session }: ConsoleRequest) {
  const task = await getOperatorTask(ctx, params.taskId ?? '');
  const returnTo = taskHref(task.id);
  const body = html`<h1>Task ${task.kind} for ${task.phone_number}</h1>
${summaryList([
  ['State', stateBadge(task.state)],
  ['Project', task.project_id],
  ['Number', html`<a href="${numberHref(task.project_id, task.phone_number)}">${task.phone_number}</a>`],
  [task.kind === 'OSR_UPDATE' ? 'NNID' : task.kind.startsWith('SMS') ? 'Service plan' : 'Campaign', html`<span class="mono">${task.target_id}</span>`],
  ['Toll-free', task.is_toll_free === 1 ? 'yes' : 'no'],
  ['Hosting order', orderLink(task)],
  ['Created', formatTime(task.created_ms)],
  ['Resolved', formatTime(task.resolved_ms)],
  ['Failure code', task.failure_code === '' ? '—' : task.failure_code],
  ['Error message', task.error_message === '' ? '—' : task.error_message],
  ['Note', task.note === '' ? '—' : task.note],
])}
${
  task.state === 'OPEN'
    ? html`<p>${TASK_INSTRUCTIONS[task.kind] ?? 'Do the step by hand, then complete the task.'} If it cannot be done, fail it with the code the carrier gave.</p>
<div class="cards">${completeForm(task, session.csrfToken, returnTo)}${failForm(task, session.csrfToken, returnTo)}</div>`
    : ''
}
<p><a href="/console/tasks">All open tasks</a></p>`;
  return { title: `Task ${task.id}`, section: 'tasks' as const, body };
}

/** Registers the task queue of manual carrier mode: the list, one task's page, and the complete and fail actions. */
export function registerTaskPages(router: ConsoleRouter): void {
  router.page('/console/tasks', tasksPage);
  router.page('/console/tasks/:taskId', taskPage);

  router.action('/console/tasks/:taskId/complete', async ({ ctx, params, form }) => {
    const task = await completeOperatorTask(ctx, params.taskId ?? '', form.note === undefined || form.note === '' ? {} : { note: form.note });
    return { redirect: form.returnTo ?? taskHref(task.id), notice: `Task ${task.kind} for ${task.phone_number} completed; the order continues.` };
  });

  router.action('/console/tasks/:taskId/fail', async ({ ctx, params, form }) => {
    const body: Record<string, unknown> = { failureCode: form.failureCode ?? '' };
    if (form.errorMessage !== undefined && form.errorMessage !== '') body.errorMessage = form.errorMessage;
    if (form.note !== undefined && form.note !== '') body.note = form.note;
    const task = await failOperatorTask(ctx, params.taskId ?? '', body);
    return { redirect: form.returnTo ?? taskHref(task.id), notice: `Task ${task.kind} for ${task.phone_number} failed with ${task.failure_code}.` };
  });
}
