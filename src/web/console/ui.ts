/**
 * Building blocks of the console's pages: the page shell with its navigation, tables,
 * state badges, and the forms every action posts (each with the session's CSRF token).
 * Every value goes through `html`, which escapes it.
 */
import type { ConsoleFlash } from '../../app/console-sessions.js';
import { isFailureCode } from '../../domain/events.js';
import type { HtmlValue, SafeHtml } from '../html.js';
import { html } from '../html.js';

export const CONSOLE_SECTIONS = [
  ['dashboard', 'Dashboard', '/console'],
  ['orders', 'Hosting orders', '/console/orders'],
  ['tasks', 'Tasks', '/console/tasks'],
  ['qualified', 'Qualified numbers', '/console/qualified-numbers'],
  ['numbers', 'Imported numbers', '/console/numbers'],
  ['deliveries', 'Callbacks', '/console/deliveries'],
  ['emails', 'Outbox', '/console/emails'],
  ['calls', 'Voice calls', '/console/voice-calls'],
  ['faults', 'Faults', '/console/faults'],
  ['clock', 'Clock', '/console/clock'],
  ['projects', 'Projects', '/console/projects'],
] as const;

export type ConsoleSection = (typeof CONSOLE_SECTIONS)[number][0];

/** Sections that exist only in sandbox mode. */
export const SANDBOX_SECTIONS: readonly ConsoleSection[] = ['calls', 'faults', 'clock'];

export interface ShellOptions {
  title: string;
  section: ConsoleSection | undefined;
  body: SafeHtml;
  mode: 'sandbox' | 'production';
  /** The session's CSRF token, for the logout form; undefined on the login page. */
  csrfToken: string | undefined;
  flash?: ConsoleFlash | undefined;
  /** Reload the page every this many seconds (the console script does it). */
  refreshSeconds?: number | undefined;
}

/** Renders a complete console page: navigation, flash message, body. */
export function renderConsoleShell(options: ShellOptions): string {
  const sections = CONSOLE_SECTIONS.filter(([key]) => options.mode === 'sandbox' || !SANDBOX_SECTIONS.includes(key));
  const nav =
    options.csrfToken === undefined
      ? ''
      : html`<header class="top">
  <span class="brand">numberhost console</span>
  <nav aria-label="Console">${sections.map(
    ([key, label, href]) => html`<a href="${href}"${key === options.section ? html` aria-current="page"` : ''}>${label}</a>`,
  )}</nav>
  <span class="mode" title="NUMBERHOST_MODE">${options.mode}</span>
  <form class="inline" method="post" action="/console/logout">${csrfField(options.csrfToken)}<button type="submit">Log out</button></form>
</header>`;
  const flash =
    options.flash === undefined
      ? ''
      : html`<p class="flash${options.flash.kind === 'error' ? ' error' : ''}" role="${options.flash.kind === 'error' ? 'alert' : 'status'}">${options.flash.text}</p>`;
  const refresh = options.refreshSeconds === undefined ? '' : html` data-refresh="${options.refreshSeconds}"`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · numberhost console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body${refresh}>
${nav}
<main>
${flash}${options.body}
</main>
</body>
</html>
`.markup;
}

/** Returns the hidden field that carries the session's CSRF token back with a form. */
export function csrfField(csrfToken: string): SafeHtml {
  return html`<input type="hidden" name="csrfToken" value="${csrfToken}">`;
}

export interface ActionButtonOptions {
  /** Button text. */
  label: string;
  /** Path the form posts to. */
  action: string;
  csrfToken: string;
  /** Extra hidden fields. */
  fields?: Readonly<Record<string, string>>;
  /** Question of the confirmation prompt the console script shows before posting. */
  confirm?: string;
  style?: 'primary' | 'danger';
}

/** Returns a one-button form that posts an action, e.g. "Redeliver". */
export function actionButton(options: ActionButtonOptions): SafeHtml {
  const hidden = Object.entries(options.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  const confirm = options.confirm === undefined ? '' : html` data-confirm="${options.confirm}"`;
  const style = options.style === undefined ? '' : html` class="${options.style}"`;
  return html`<form class="inline" method="post" action="${options.action}"${confirm}>${csrfField(options.csrfToken)}${hidden}<button type="submit"${style}>${options.label}</button></form>`;
}

const GOOD_STATES = new Set(['COMPLETED', 'DONE', 'DELIVERED', 'SENT', 'ACTIVE', 'ANSWERED', 'SUCCEEDED', 'GLOBAL_PROCESS_STATE_HOSTING_DONE', 'GLOBAL_PROCESS_STATE_ELIGIBLE']);
const BAD_STATES = new Set(['FAILED', 'REJECTED', 'DROPPED', 'UNANSWERED', 'EXHAUSTED', 'REVOKED']);

function stateTone(state: string): string {
  if (GOOD_STATES.has(state)) {
    return ' good';
  }
  if (BAD_STATES.has(state) || isFailureCode(state) || /FAIL|BLOCK|REJECT|NOT_ELIGIBLE/.test(state)) {
    return ' bad';
  }
  // An unspecified state means the step does not apply (such as no campaign), not that it waits.
  return /(?:^|_)UNSPECIFIED$/.test(state) ? ' muted' : ' busy';
}

/** Returns a state as a small badge, coloured by whether it is a success, a failure, in between, or not applicable. */
export function stateBadge(state: string): SafeHtml {
  const tone = stateTone(state);
  return html`<span class="state${tone}">${state.replace(/^GLOBAL_PROCESS_STATE_/, '')}</span>`;
}

/** ISO time in UTC without milliseconds, or an em dash for none. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) {
    return '—';
  }
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ');
}

export interface Column<Row> {
  label: string;
  cell: (row: Row) => HtmlValue;
  numeric?: boolean;
}

/** Returns a table with a header row, or a muted line when there are no rows. */
export function dataTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], empty = 'Nothing here yet.'): SafeHtml {
  if (rows.length === 0) {
    return html`<p class="muted">${empty}</p>`;
  }
  return html`<table>
<thead><tr>${columns.map((column) => html`<th scope="col"${column.numeric === true ? html` class="num"` : ''}>${column.label}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${columns.map((column) => html`<td${column.numeric === true ? html` class="num"` : ''}>${column.cell(row)}</td>`)}</tr>`)}</tbody>
</table>`;
}

/** Returns a definition list of label/value pairs. */
export function summaryList(entries: readonly (readonly [string, HtmlValue])[]): SafeHtml {
  return html`<dl class="summary">${entries.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}

export interface SelectOption {
  value: string;
  label: string;
}

/**
 * A `<select>` with its label; the option equal to `selected` is preselected. With
 * `isRequired`, the browser refuses to post the form while an empty option is chosen.
 */
export function selectField(name: string, label: string, options: readonly SelectOption[], selected: string | undefined, isRequired = false): SafeHtml {
  return html`<label>${label}<select name="${name}"${isRequired ? html` required` : ''}>${options.map(
    (option) => html`<option value="${option.value}"${option.value === (selected ?? '') ? html` selected` : ''}>${option.label}</option>`,
  )}</select></label>`;
}

/** Returns the options of a select from plain values, with "any" (empty) first. */
export function optionsWithAny(values: readonly string[], anyLabel = 'Any'): SelectOption[] {
  return [{ value: '', label: anyLabel }, ...values.map((value) => ({ value, label: value }))];
}

/** Returns the path segment of a phone number: `+` as %2B, so the router never decodes it to a space. */
export function numberSegment(phoneNumber: string): string {
  return encodeURIComponent(phoneNumber);
}

export function orderHref(projectId: string, hostingOrderId: string): string {
  return `/console/projects/${encodeURIComponent(projectId)}/orders/${encodeURIComponent(hostingOrderId)}`;
}

export function numberHref(projectId: string, phoneNumber: string): string {
  return `/console/projects/${encodeURIComponent(projectId)}/numbers/${numberSegment(phoneNumber)}`;
}

export function projectHref(projectId: string): string {
  return `/console/projects/${encodeURIComponent(projectId)}`;
}

/** Builds a console URL with a query string, leaving out empty values. */
export function withQuery(path: string, query: Readonly<Record<string, string | undefined>>): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      parameters.set(name, value);
    }
  }
  const text = parameters.toString();
  return text === '' ? path : `${path}?${text}`;
}
