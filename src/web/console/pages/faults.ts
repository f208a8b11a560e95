import { createFaultRule, deleteFaultRule, listFaultRules } from '../../../app/fault-rules.js';
import { listProjects } from '../../../app/projects.js';
import { FAILURE_CODES } from '../../../domain/events.js';
import { DELIVERY_FAULT_ACTIONS, FAULT_FAILURE_CODES, FAULT_TARGETS, PORT_FAULT_ACTIONS } from '../../../domain/fault-rules.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { chosenProject, filterProblems } from './list-controls.js';
import { actionButton, csrfField, dataTable, optionsWithAny, selectField, withQuery } from '../ui.js';

const NUMERIC_FIELDS = ['times', 'delayMs', 'percent', 'seed'] as const;
const TEXT_FIELDS = ['target', 'action', 'numberPattern', 'failureCode', 'description'] as const;

/**
 * Turns the form into the admin API's body: empty fields are left out so their defaults
 * apply, and numeric fields become numbers when they are written as integers. Anything
 * else goes through as text, so the rule check names the value that is wrong.
 */
export function faultRuleBody(form: Readonly<Record<string, string>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of TEXT_FIELDS) {
    const value = form[field]?.trim();
    if (value !== undefined && value !== '') body[field] = value;
  }
  for (const field of NUMERIC_FIELDS) {
    const value = form[field]?.trim();
    if (value === undefined || value === '') continue;
    body[field] = /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  }
  return body;
}

function faultsHref(projectId: string): string {
  return withQuery('/console/faults', { projectId });
}

/** Fields of the add-rule form that a failed post brings back in the query string (see RouteOptions.returnFields). */
const REFILLED_FIELDS = ['target', 'action', 'failureCode', 'numberPattern'] as const;
const ALL_FAULT_ACTIONS: readonly string[] = [...PORT_FAULT_ACTIONS, ...DELIVERY_FAULT_ACTIONS];
const NUMBER_PREFIX_PATTERN = /^\+?\d{1,15}$/;

/** Returns the refilled choice when it is one of `allowed`, else the default. */
function refilledChoice(value: string | undefined, allowed: readonly string[], fallback: string | undefined): string | undefined {
  return value !== undefined && allowed.includes(value) ? value : fallback;
}

async function faultsPage({ ctx, query, session }: ConsoleRequest) {
  const projects = await listProjects(ctx);
  const problems: string[] = [];
  const project = chosenProject(query, projects, problems);
  if (project === undefined) {
    return { title: 'Faults', section: 'faults' as const, body: html`<h1>Fault injection</h1><p>Create a project first.</p>` };
  }
  const rules = await listFaultRules(ctx, project.id);
  const returnTo = faultsHref(project.id);
  const numberPrefix = NUMBER_PREFIX_PATTERN.test(query.numberPattern ?? '') ? query.numberPattern : '';
  const body = html`<h1>Fault injection</h1>
${filterProblems(problems)}
<p class="muted">Sandbox rules that make the carrier ports fail or the callbacks misbehave for one project. The same rules and seed always pick the same numbers and events, so a failing run can be repeated. See docs/sandbox.md.</p>
<form class="filters" method="get" action="/console/faults">
${selectField('projectId', 'Project', projects.map((candidate) => ({ value: candidate.id, label: candidate.id })), project.id)}
<button type="submit">Show</button>
</form>
<h2>Rules of ${project.id}</h2>
${dataTable(
  rules,
  [
    { label: 'Rule', cell: (rule) => html`<span class="mono">${rule.ruleId}</span>` },
    { label: 'Target', cell: (rule) => rule.target },
    { label: 'Action', cell: (rule) => rule.action },
    { label: 'Numbers', cell: (rule) => (rule.numberPattern === '' ? 'all' : html`<span class="mono nowrap">${rule.numberPattern}…</span>`) },
    { label: 'Times', cell: (rule) => (rule.times === null ? 'every time' : rule.times), numeric: true },
    { label: 'Code', cell: (rule) => rule.failureCode || '—' },
    { label: 'Delay ms', cell: (rule) => rule.delayMs, numeric: true },
    { label: 'Percent', cell: (rule) => rule.percent, numeric: true },
    { label: 'Seed', cell: (rule) => rule.seed, numeric: true },
    { label: 'Hits', cell: (rule) => rule.hits, numeric: true },
    { label: 'Description', cell: (rule) => rule.description },
    {
      label: 'Action',
      cell: (rule) =>
        actionButton({
          label: 'Delete',
          action: `/console/projects/${encodeURIComponent(project.id)}/faults/${encodeURIComponent(rule.ruleId)}/delete`,
          csrfToken: session.csrfToken,
          fields: { returnTo },
          confirm: 'Delete this fault rule?',
          style: 'danger',
        }),
    },
  ],
  'No rules: every port and callback behaves normally.',
)}
<h2>Add a rule</h2>
<form class="panel" method="post" action="/console/projects/${encodeURIComponent(project.id)}/faults" aria-label="Add a fault rule">
${csrfField(session.csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}">
${selectField('target', 'Target', FAULT_TARGETS.map((target) => ({ value: target, label: target })), refilledChoice(query.target, FAULT_TARGETS, 'CAMPAIGN_REGISTRY'))}
${selectField('action', 'Action', ALL_FAULT_ACTIONS.map((action) => ({ value: action, label: action })), refilledChoice(query.action, ALL_FAULT_ACTIONS, 'FAIL_WITH_CODE'))}
${selectField('failureCode', 'Failure code (FAIL_WITH_CODE)', optionsWithAny(FAILURE_CODES, 'None'), refilledChoice(query.failureCode, FAILURE_CODES, undefined))}
<label>Number prefix<input name="numberPattern" value="${numberPrefix}" placeholder="+1206555" pattern="\\+?[0-9]*" maxlength="16"></label>
<label>Times<input name="times" inputmode="numeric" placeholder="every time"></label>
<label>Delay ms (DELAY, REORDER)<input name="delayMs" inputmode="numeric" placeholder="0"></label>
<label>Percent<input name="percent" inputmode="numeric" placeholder="100"></label>
<label>Seed<input name="seed" inputmode="numeric" placeholder="0"></label>
<label>Description<input name="description" maxlength="500"></label>
<button type="submit" class="primary">Add rule</button>
</form>
<p class="muted">Carrier targets take FAIL_TIMES (temporary faults, retried, then success) or FAIL_WITH_CODE; CALLBACK_DELIVERY takes DROP, DELAY, DUPLICATE or REORDER. FAIL_WITH_CODE needs a code that the target can give:</p>
${dataTable(
  Object.entries(FAULT_FAILURE_CODES),
  [
    { label: 'Target', cell: ([target]) => target },
    { label: 'Failure codes', cell: ([, codes]) => codes.join(', ') },
  ],
)}`;
  return { title: 'Faults', section: 'faults' as const, body };
}

/** Sandbox fault injection rules per project: list, add, delete. */
export function registerFaultPages(router: ConsoleRouter): void {
  router.page('/console/faults', faultsPage, { isSandboxOnly: true });

  router.action(
    '/console/projects/:projectId/faults',
    async ({ ctx, params, form }) => {
      const projectId = params.projectId ?? '';
      const rule = await createFaultRule(ctx, projectId, faultRuleBody(form));
      return { redirect: faultsHref(projectId), notice: `Rule ${rule.ruleId} added: ${rule.target} ${rule.action}.` };
    },
    { isSandboxOnly: true, returnFields: REFILLED_FIELDS },
  );

  router.action(
    '/console/projects/:projectId/faults/:ruleId/delete',
    async ({ ctx, params }) => {
      const projectId = params.projectId ?? '';
      await deleteFaultRule(ctx, projectId, params.ruleId ?? '');
      return { redirect: faultsHref(projectId), notice: `Rule ${params.ruleId ?? ''} deleted.` };
    },
    { isSandboxOnly: true },
  );
}
