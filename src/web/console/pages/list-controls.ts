/**
 * Pieces shared by the console's list pages: reading filters from the query string
 * without ever failing on a bad value, the message that names the ignored ones, the
 * pager, and phone numbers in paths.
 */
import type { ProjectRow } from '../../../storage/schema.js';
import { invalidArgument } from '../../../domain/errors.js';
import { isFieldViolation, parseNanpNumber } from '../../../domain/phone-number.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import type { ConsoleRequest } from '../router.js';
import { withQuery } from '../ui.js';

/** Query values longer than this are ignored as filters, so a huge value cannot reach a query. */
const MAX_FILTER_CHARS = 200;

/** Reads a filter from the query string: trimmed, undefined when empty or too long (noted in `problems`). */
export function queryValue(query: Readonly<Record<string, string>>, name: string, problems: string[]): string | undefined {
  const raw = query[name];
  // An unencoded "+" in a query string decodes to a space, so " 1206" was typed as "+1206".
  const value = raw !== undefined && /^ \d/.test(raw) ? `+${raw.slice(1).trim()}` : raw?.trim();
  if (value === undefined || value === '') {
    return undefined;
  }
  if (value.length > MAX_FILTER_CHARS) {
    problems.push(`The ${name} filter has ${value.length} characters; at most ${MAX_FILTER_CHARS} are read, so it was ignored.`);
    return undefined;
  }
  return value;
}

/** Reads the project filter. An unknown project id is ignored and noted in `problems`. */
export function projectFilter(query: Readonly<Record<string, string>>, projects: readonly ProjectRow[], problems: string[]): string | undefined {
  const projectId = queryValue(query, 'projectId', problems);
  if (projectId !== undefined && !projects.some((project) => project.id === projectId)) {
    problems.push(`No project has the id "${projectId}", so every project is shown. Pick one from the list.`);
    return undefined;
  }
  return projectId;
}

/**
 * The project a one-project page shows: the one the query names, else the first. An
 * unknown id is noted in `problems`. Undefined only when there is no project at all.
 */
export function chosenProject(query: Readonly<Record<string, string>>, projects: readonly ProjectRow[], problems: string[]): ProjectRow | undefined {
  const requested = queryValue(query, 'projectId', problems);
  const found = requested === undefined ? undefined : projects.find((project) => project.id === requested);
  if (requested !== undefined && found === undefined) {
    problems.push(`No project has the id "${requested}", so the first project is shown. Pick one from the list.`);
  }
  return found ?? projects[0];
}

/** Reads a filter that must be one of `allowed`. Any other value is ignored and noted in `problems`. */
export function choiceFilter(query: Readonly<Record<string, string>>, name: string, label: string, allowed: readonly string[], problems: string[]): string | undefined {
  const value = queryValue(query, name, problems);
  if (value !== undefined && !allowed.includes(value)) {
    problems.push(`"${value}" is not a valid ${label}, so that filter was ignored. Use one of: ${allowed.join(', ')}.`);
    return undefined;
  }
  return value;
}

/** Renders the message that lists the filters a page ignored, or nothing when it ignored none. */
export function filterProblems(problems: readonly string[]): SafeHtml | '' {
  if (problems.length === 0) {
    return '';
  }
  return html`<div class="flash error" role="alert"><p>Some filters were not applied:</p><ul>${problems.map((problem) => html`<li>${problem}</li>`)}</ul></div>`;
}

/** Renders links to the first page and, when there is one, the next page of a list with the same filters. */
export function pager(path: string, filters: Readonly<Record<string, string | undefined>>, isFirstPage: boolean, nextCursor: string | undefined): SafeHtml | '' {
  if (isFirstPage && nextCursor === undefined) {
    return '';
  }
  return html`<nav class="pager" aria-label="Pages">${isFirstPage ? '' : html`<a href="${withQuery(path, filters)}">First page</a>`}${
    nextCursor === undefined ? '' : html`<a rel="next" href="${withQuery(path, { ...filters, after: nextCursor })}">Next page</a>`
  }</nav>`;
}

/** Returns the path and query of the page being shown, for the `returnTo` field of its forms. */
export function currentPath(request: ConsoleRequest): string {
  return request.request.url;
}

/**
 * Reads a phone number from a console path, already percent-decoded. A leading space is
 * a "+" that a link or a person left unencoded, so it is read as "+". Anything but an
 * E.164 NANP number is INVALID_ARGUMENT, which the console shows as a 400 page.
 */
export function phoneNumberFromConsolePath(raw: string): string {
  const candidate = /^ \d/.test(raw) ? `+${raw.slice(1)}` : raw;
  const parsed = parseNanpNumber(candidate, 'phoneNumber', undefined, false);
  if (isFieldViolation(parsed)) {
    throw invalidArgument([parsed]);
  }
  return parsed.e164;
}
