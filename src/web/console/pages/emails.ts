import { listEmails } from '../../../app/operator-records.js';
import { listProjects } from '../../../app/projects.js';
import { describeValue } from '../../../domain/errors.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { chosenProject } from './list-controls.js';
import { dataTable, formatTime, orderHref, selectField, stateBadge, withQuery } from '../ui.js';

const EMAILS_PATH = '/console/emails';
const MAILS_PER_PAGE = 50;
/** listEmails returns at most this many mails, the newest. */
const MAX_LISTED_MAILS = 1000;
const ORDER_ID_PATTERN = /^[A-Za-z0-9]{1,64}$/;

type Email = Awaited<ReturnType<typeof listEmails>>[number];

/** Renders a mail's link as a clickable link when it is http(s) and whole, as text otherwise. */
function linkItem(link: string): SafeHtml {
  return /^https?:\/\//i.test(link) && !link.includes('/loa/[hidden]') ? html`<li><a class="mono" href="${link}" rel="noreferrer">${link}</a></li>` : html`<li class="mono">${link}</li>`;
}

function mailColumns(projectId: string) {
  return [
    { label: 'Created', cell: (mail: Email) => formatTime(Date.parse(mail.createdTime)) },
    { label: 'To', cell: (mail: Email) => mail.to },
    {
      label: 'Subject',
      cell: (mail: Email) =>
        html`${mail.subject}${mail.hostingOrderId === null ? '' : html`<br><a class="muted" href="${orderHref(projectId, mail.hostingOrderId)}">Order ${mail.hostingOrderId}</a>`}`,
    },
    { label: 'State', cell: (mail: Email) => stateBadge(mail.state) },
    { label: 'Attempts', cell: (mail: Email) => mail.attempts, numeric: true },
    { label: 'Last error', cell: (mail: Email) => mail.lastError ?? '—' },
    { label: 'Sent', cell: (mail: Email) => formatTime(mail.sentTime === null ? null : Date.parse(mail.sentTime)) },
    { label: 'Links', cell: (mail: Email) => (mail.links.length === 0 ? '—' : html`<ul class="links">${mail.links.map(linkItem)}</ul>`) },
    { label: 'Text', cell: (mail: Email) => html`<details><summary>Read</summary><pre class="mail">${mail.text}</pre></details>` },
  ];
}

async function emailsPage({ ctx, query }: ConsoleRequest) {
  const projects = await listProjects(ctx);
  const problems: string[] = [];
  const project = chosenProject(query, projects, problems);
  let hostingOrderId = query.hostingOrderId?.trim() || undefined;
  if (hostingOrderId !== undefined && !ORDER_ID_PATTERN.test(hostingOrderId)) {
    problems.push(`Order id ${describeValue(hostingOrderId)} is not valid (letters and digits only), so that filter is ignored.`);
    hostingOrderId = undefined;
  }
  const requestedOffset = query.offset ?? '';
  const isOffsetValid = /^\d{1,6}$/.test(requestedOffset);
  if (requestedOffset !== '' && !isOffsetValid) {
    problems.push(`Page position ${describeValue(requestedOffset)} is not valid, so the first page is shown.`);
  }
  const offset = isOffsetValid ? Number(requestedOffset) : 0;

  const mails = project === undefined ? [] : await listEmails(ctx, project.id, hostingOrderId);
  const pageMails = mails.slice(offset, offset + MAILS_PER_PAGE);
  const scope = { projectId: project?.id, hostingOrderId };
  const body = html`<h1>Outbox</h1>
<p class="muted">Every mail of a project, newest first, whether it was sent through SMTP or kept in the outbox.${
    ctx.config.mode === 'sandbox' ? ' In the sandbox the signing links can be opened from here for testing.' : ' Signing links are shown with their token hidden: only the signer may hold one.'
  }</p>
${problems.map((problem) => html`<p class="flash error" role="alert">${problem}</p>`)}
<form class="filters" method="get" action="${EMAILS_PATH}">
${selectField(
  'projectId',
  'Project',
  projects.map((candidate) => ({ value: candidate.id, label: candidate.id })),
  project?.id,
)}
<label>Order id<input name="hostingOrderId" value="${hostingOrderId ?? ''}" maxlength="64" class="mono"></label>
<button type="submit">Show</button>
</form>
${project === undefined ? html`<p class="muted">There is no project yet.</p>` : dataTable(pageMails, mailColumns(project.id), 'No mail matches these filters.')}
${mails.length >= MAX_LISTED_MAILS ? html`<p class="muted">Only the newest ${MAX_LISTED_MAILS} mails are listed; filter by order to find older ones.</p>` : ''}
<p class="pager">${offset === 0 ? '' : html`<a href="${withQuery(EMAILS_PATH, { ...scope, offset: String(Math.max(0, offset - MAILS_PER_PAGE)) })}">Previous page</a>`}${
    offset + MAILS_PER_PAGE < mails.length ? html`<a href="${withQuery(EMAILS_PATH, { ...scope, offset: String(offset + MAILS_PER_PAGE) })}">Next page</a>` : ''
  }</p>`;
  return { title: 'Outbox', section: 'emails' as const, body };
}

/** Registers the outbox page: every mail with its state, links and text. */
export function registerEmailPages(router: ConsoleRouter): void {
  router.page(EMAILS_PATH, emailsPage);
}
