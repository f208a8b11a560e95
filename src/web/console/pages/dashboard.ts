import { loadOperatorDashboard } from '../../../app/operator-dashboard.js';
import type { StateCount } from '../../../app/operator-dashboard.js';
import { listProjects } from '../../../app/projects.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRouter } from '../router.js';
import { dataTable, formatTime, numberHref, optionsWithAny, orderHref, selectField, stateBadge, withQuery } from '../ui.js';

function countCard(title: string, counts: readonly StateCount[], link: (state: string) => string | undefined): SafeHtml {
  const total = counts.reduce((sum, entry) => sum + entry.count, 0);
  return html`<section class="card"><h2>${title}</h2>${dataTable(
    counts,
    [
      {
        label: 'State',
        cell: (entry) => {
          const href = link(entry.state);
          return href === undefined ? stateBadge(entry.state) : html`<a href="${href}">${stateBadge(entry.state)}</a>`;
        },
      },
      { label: 'Count', cell: (entry) => entry.count, numeric: true },
    ],
    'None yet.',
  )}<p class="muted">Total ${total}</p></section>`;
}

/** The dashboard: orders and numbers by state, failing callback deliveries, tasks waiting for an operator. */
export function registerDashboard(router: ConsoleRouter): void {
  router.page('/console', async ({ ctx, query }) => {
    const projects = await listProjects(ctx);
    const projectId = projects.some((project) => project.id === query.projectId) ? query.projectId : undefined;
    const dashboard = await loadOperatorDashboard(ctx, projectId);
    const scope = { projectId };
    const body = html`<h1>Dashboard</h1>
<form class="filters" method="get" action="/console">
${selectField('projectId', 'Project', optionsWithAny(projects.map((project) => project.id), 'All projects'), projectId)}
<button type="submit">Show</button>
</form>
<div class="cards">
${countCard('Hosting orders', dashboard.ordersByState, (state) => withQuery('/console/orders', { ...scope, state }))}
${countCard('Qualified numbers', dashboard.qualifiedNumbersByState, (state) => withQuery('/console/qualified-numbers', { ...scope, state }))}
${countCard('SMS platform steps', dashboard.smsStepsByState, () => undefined)}
${countCard('Campaign steps', dashboard.campaignStepsByState, () => undefined)}
</div>
<h2 id="tasks">Tasks waiting: ${dashboard.waitingTaskCount}</h2>
${dataTable(
  dashboard.oldestWaitingTasks,
  [
    { label: 'Waiting since', cell: (task) => formatTime(task.createdMs) },
    { label: 'Kind', cell: (task) => task.kind },
    { label: 'Number', cell: (task) => html`<a href="${numberHref(task.projectId, task.phoneNumber)}">${task.phoneNumber}</a>` },
    { label: 'Order', cell: (task) => (task.hostingOrderId === null ? '—' : html`<a href="${orderHref(task.projectId, task.hostingOrderId)}">${task.hostingOrderId}</a>`) },
    { label: 'Project', cell: (task) => task.projectId },
  ],
  'No task is waiting.',
)}
<p><a href="${withQuery('/console/tasks', scope)}">All tasks</a></p>
<h2 id="failing-deliveries">Failing callback deliveries: ${dashboard.failingDeliveryCount}</h2>
${dataTable(
  dashboard.failingDeliveries,
  [
    { label: 'Event', cell: (row) => html`<a href="${withQuery('/console/deliveries', { projectId: row.projectId, eventId: row.eventId })}">${row.eventId}</a>` },
    { label: 'Type', cell: (row) => row.eventType },
    { label: 'Resource', cell: (row) => row.resourceId },
    { label: 'Delivery', cell: (row) => stateBadge(row.deliveryState) },
    { label: 'Attempts', cell: (row) => row.attempts, numeric: true },
    { label: 'Last attempt', cell: (row) => formatTime(row.lastAttemptMs) },
  ],
  'Every callback so far was delivered or is on its first try.',
)}`;
    return { title: 'Dashboard', section: 'dashboard', body, refreshSeconds: 15 };
  });
}
