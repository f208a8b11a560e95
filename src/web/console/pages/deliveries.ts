import { redeliverCallback } from '../../../app/callback-deliveries.js';
import type { DeliveryCursor, DeliveryFilter, DeliveryView } from '../../../app/operator-delivery-queries.js';
import { listDeliveriesForConsole, listStoredDeliveryValues, urlWithoutCredentials } from '../../../app/operator-delivery-queries.js';
import { listProjects } from '../../../app/projects.js';
import { describeValue, invalidArgument } from '../../../domain/errors.js';
import { EVENT_TYPES } from '../../../domain/events.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { actionButton, dataTable, formatTime, numberHref, optionsWithAny, orderHref, projectHref, selectField, stateBadge, summaryList, withQuery } from '../ui.js';

const DELIVERIES_PATH = '/console/deliveries';
/** The delivery states the worker writes. Fault rules or older versions may have stored others. */
const KNOWN_DELIVERY_STATES = ['PENDING', 'DELIVERED', 'FAILED', 'NO_URL'];
const STATE_OR_TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const EVENT_ID_PATTERN = /^[A-Za-z0-9]{1,64}$/;
const MAX_RESOURCE_ID_CHARS = 128;
/** The `after` query value: the creation time and id of the last event on the previous page. */
const CURSOR_PATTERN = /^(\d{1,15})-([A-Za-z0-9]{1,64})$/;

interface ParsedFilters {
  filter: DeliveryFilter;
  /** The filters kept, as query values for links and the form. */
  values: Record<string, string | undefined>;
  problems: string[];
}

function formatCursor(cursor: DeliveryCursor): string {
  return `${cursor.createdMs}-${cursor.eventId}`;
}

/** Reads the filters from the query string. A bad value is dropped with a message instead of failing the page. */
function parseFilters(query: Readonly<Record<string, string>>, projectIds: readonly string[]): ParsedFilters {
  const filter: DeliveryFilter = {};
  const values: Record<string, string | undefined> = {};
  const problems: string[] = [];
  const nonEmpty = (name: string): string | undefined => {
    const value = query[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const projectId = nonEmpty('projectId');
  if (projectId !== undefined) {
    if (projectIds.includes(projectId)) {
      filter.projectId = values.projectId = projectId;
    } else {
      problems.push(`Project ${describeValue(projectId)} was not found, so events of every project are shown.`);
    }
  }
  for (const [name, label] of [
    ['deliveryState', 'Delivery state'],
    ['eventType', 'Event type'],
  ] as const) {
    const value = nonEmpty(name);
    if (value === undefined) continue;
    if (STATE_OR_TYPE_PATTERN.test(value)) {
      filter[name] = values[name] = value;
    } else {
      problems.push(`${label} ${describeValue(value)} is not a valid value (capital letters, digits and "_"), so that filter is ignored.`);
    }
  }
  // An unencoded "+" in a hand-written query string arrives as a space.
  const resourceId = nonEmpty('resourceId') ?? (/^ \d{1,15}$/.test(query.resourceId ?? '') ? `+${query.resourceId?.slice(1)}` : undefined);
  if (resourceId !== undefined) {
    if (resourceId.length <= MAX_RESOURCE_ID_CHARS) {
      filter.resourceId = values.resourceId = resourceId;
    } else {
      problems.push(`The resource id is longer than ${MAX_RESOURCE_ID_CHARS} characters, so that filter is ignored.`);
    }
  }
  const eventId = nonEmpty('eventId');
  if (eventId !== undefined) {
    if (EVENT_ID_PATTERN.test(eventId)) {
      filter.eventId = values.eventId = eventId.toLowerCase();
    } else {
      problems.push(`Event id ${describeValue(eventId)} is not valid (letters and digits only), so that filter is ignored.`);
    }
  }
  const after = nonEmpty('after');
  if (after !== undefined) {
    const match = CURSOR_PATTERN.exec(after);
    if (match === null) {
      problems.push(`Page position ${describeValue(after)} is not valid, so the first page is shown.`);
    } else {
      filter.after = { createdMs: Number(match[1]), eventId: match[2] as string };
    }
  }
  return { filter, values, problems };
}

function resourceCell(delivery: DeliveryView): SafeHtml {
  const resource =
    delivery.resourceType === 'IMPORTED_NUMBER' && delivery.resourceId.startsWith('+')
      ? html`<a href="${numberHref(delivery.projectId, delivery.resourceId)}">${delivery.resourceId}</a>`
      : html`<span class="mono">${delivery.resourceId}</span>`;
  return html`${resource} <span class="muted">${delivery.resourceType}</span>`;
}

function attemptsTable(delivery: DeliveryView): SafeHtml {
  return dataTable(
    delivery.attempts,
    [
      { label: 'Attempt', cell: (attempt) => attempt.attempt, numeric: true },
      { label: 'Started', cell: (attempt) => formatTime(attempt.startedMs) },
      { label: 'Status code', cell: (attempt) => (attempt.statusCode === null ? '—' : attempt.statusCode), numeric: true },
      { label: 'Latency (ms)', cell: (attempt) => attempt.durationMs, numeric: true },
      { label: 'Error', cell: (attempt) => (attempt.error === '' ? '—' : attempt.error) },
      { label: 'Response excerpt', cell: (attempt) => (attempt.responseExcerpt === '' ? '—' : html`<pre class="excerpt">${attempt.responseExcerpt}</pre>`) },
    ],
    delivery.url === null ? 'No attempt: the event has no callback URL.' : 'No attempt yet.',
  );
}

function deliveryArticle(delivery: DeliveryView, csrfToken: string, returnTo: string): SafeHtml {
  const redeliver =
    delivery.url === null
      ? html`<p class="muted">Nothing to redeliver: no callback URL was set when the event was raised.</p>`
      : html`<div class="actions">${actionButton({
          label: 'Redeliver',
          action: `${DELIVERIES_PATH}/redeliver`,
          csrfToken,
          fields: { projectId: delivery.projectId, eventId: delivery.eventId, returnTo },
        })}</div>`;
  return html`<article class="delivery" id="event-${delivery.eventId}" aria-label="Event ${delivery.eventId}">
<h2>${delivery.eventType} ${stateBadge(delivery.deliveryState)}</h2>
${summaryList([
  ['Event id', html`<span class="mono">${delivery.eventId}</span>`],
  ['Project', html`<a href="${projectHref(delivery.projectId)}">${delivery.projectId}</a>`],
  ['Resource', resourceCell(delivery)],
  ['Hosting order', delivery.hostingOrderId === null ? '—' : html`<a href="${orderHref(delivery.projectId, delivery.hostingOrderId)}">${delivery.hostingOrderId}</a>`],
  ['Status', stateBadge(delivery.status)],
  ['Failure code', delivery.failureCode === '' ? '—' : delivery.failureCode],
  ['URL', delivery.url === null ? '—' : html`<span class="mono">${delivery.url}</span>`],
  ['Delivery state', stateBadge(delivery.deliveryState)],
  ['Attempts', delivery.attemptCount],
  ['Created', formatTime(delivery.createdMs)],
  ['Delivered', formatTime(delivery.deliveredMs)],
])}
<details><summary>Body</summary><pre class="excerpt">${delivery.body}</pre></details>
${attemptsTable(delivery)}
${redeliver}
</article>`;
}

async function deliveriesPage({ ctx, query, session }: ConsoleRequest) {
  const projects = await listProjects(ctx);
  const { filter, values, problems } = parseFilters(
    query,
    projects.map((project) => project.id),
  );
  const page = await listDeliveriesForConsole(ctx, filter);
  const stored = await listStoredDeliveryValues(ctx);
  const stateOptions = [...new Set([...KNOWN_DELIVERY_STATES, ...stored.deliveryStates, ...(values.deliveryState === undefined ? [] : [values.deliveryState])])];
  const typeOptions = [...new Set([...EVENT_TYPES, ...stored.eventTypes, ...(values.eventType === undefined ? [] : [values.eventType])])];
  const returnTo = withQuery(DELIVERIES_PATH, { ...values, after: filter.after === undefined ? undefined : formatCursor(filter.after) });
  const body = html`<h1>Callback deliveries</h1>
<p class="muted">Every callback event, newest first, with each delivery attempt. Redeliver sends the same event id and body again.</p>
${problems.map((problem) => html`<p class="flash error" role="alert">${problem}</p>`)}
<form class="filters" method="get" action="${DELIVERIES_PATH}">
${selectField('projectId', 'Project', optionsWithAny(projects.map((project) => project.id), 'All projects'), values.projectId)}
${selectField('deliveryState', 'Delivery state', optionsWithAny(stateOptions), values.deliveryState)}
${selectField('eventType', 'Event type', optionsWithAny(typeOptions), values.eventType)}
<label>Resource (phone number)<input name="resourceId" value="${values.resourceId ?? ''}" maxlength="${MAX_RESOURCE_ID_CHARS}" placeholder="+12025550100"></label>
<label>Event id<input name="eventId" value="${values.eventId ?? ''}" maxlength="64" class="mono"></label>
<button type="submit">Show</button>
</form>
${page.deliveries.length === 0 ? html`<p class="muted">No callback event matches these filters.</p>` : page.deliveries.map((delivery) => deliveryArticle(delivery, session.csrfToken, returnTo))}
<p class="pager">${filter.after === undefined ? '' : html`<a href="${withQuery(DELIVERIES_PATH, values)}">First page</a>`}${
    page.next === undefined ? '' : html`<a href="${withQuery(DELIVERIES_PATH, { ...values, after: formatCursor(page.next) })}">Next page</a>`
  }</p>`;
  return { title: 'Callback deliveries', section: 'deliveries' as const, body };
}

/** Registers the callback page (every event with every delivery attempt) and its redelivery action. */
export function registerDeliveryPages(router: ConsoleRouter): void {
  router.page(DELIVERIES_PATH, deliveriesPage);

  router.action(`${DELIVERIES_PATH}/redeliver`, async ({ ctx, form }) => {
    const projectId = form.projectId ?? '';
    const eventId = form.eventId ?? '';
    if (projectId === '' || eventId === '') {
      throw invalidArgument([{ field: projectId === '' ? 'projectId' : 'eventId', description: 'is missing: use the Redeliver button of an event.' }]);
    }
    const delivery = await redeliverCallback(ctx, projectId, eventId);
    const url = delivery === undefined || delivery.url === '' ? '' : ` to ${urlWithoutCredentials(delivery.url)}`;
    return { redirect: form.returnTo ?? DELIVERIES_PATH, notice: `Event ${eventId} was queued for redelivery${url}.` };
  });
}
