import { CAMPAIGN_STATES, SERVICE_PLAN_STATES, listCatalogEntries, putCatalogEntry } from '../../../app/catalog-admin.js';
import type { CatalogEntryView } from '../../../app/catalog-admin.js';
import type { AppContext } from '../../../app/context.js';
import { readImportedNumberCount } from '../../../app/number-counter.js';
import { createAccessKey, createProject, getProject, listAccessKeys, listProjects, revokeAccessKey, updateProjectSettings } from '../../../app/projects.js';
import { describeValue, invalidArgument } from '../../../domain/errors.js';
import type { ProjectRow } from '../../../storage/schema.js';
import type { SafeHtml } from '../../html.js';
import { html } from '../../html.js';
import { FORM_ID_FIELD, UsedFormIds, isFormIdValid, newFormId } from '../one-time-forms.js';
import type { ConsoleActionResult, ConsolePage, ConsoleRequest, ConsoleRouter } from '../router.js';
import { actionButton, csrfField, dataTable, formatTime, projectHref, selectField, stateBadge, summaryList, withQuery } from '../ui.js';

const PROJECTS_PATH = '/console/projects';

/** The catalogs a project page shows: service plans and campaigns, each with its own form. */
const CATALOGS = [
  {
    table: 'service_plans',
    segment: 'service-plans',
    noun: 'Service plan',
    heading: 'Service plans',
    states: SERVICE_PLAN_STATES,
    productionEmpty:
      'No service plan is registered yet. In production an order or import that names an unknown service plan is refused: register the plan here, or set SERVICE_PLAN_ID to register it for the bootstrap project (SINCH_PROJECT_ID) at startup.',
  },
  {
    table: 'campaigns',
    segment: 'campaigns',
    noun: 'Campaign',
    heading: 'Campaigns',
    states: CAMPAIGN_STATES,
    productionEmpty:
      'No campaign is registered yet. Production mode registers none on first use, and with the simulated carrier adapters a link to an unregistered campaign fails with CAMPAIGN_NOT_AVAILABLE. Register the campaign here, or set CAMPAIGN_ID to register it for the bootstrap project (SINCH_PROJECT_ID) at startup.',
  },
] as const;

type Catalog = (typeof CATALOGS)[number];

function importLimitText(ctx: AppContext, project: ProjectRow): string {
  return project.import_order_limit === null ? `server default (${ctx.config.importOrderLimit})` : String(project.import_order_limit);
}

async function projectsPage({ ctx, session }: ConsoleRequest): Promise<ConsolePage> {
  const projects = await listProjects(ctx);
  const rows = [];
  for (const project of projects) {
    rows.push({ project, importedNumbers: await readImportedNumberCount(ctx.storage.db, project.id) });
  }
  const body = html`<h1>Projects</h1>
${dataTable(rows, [
  { label: 'Project id', cell: (row) => html`<a class="mono" href="${projectHref(row.project.id)}">${row.project.id}</a>` },
  { label: 'Display name', cell: (row) => (row.project.display_name === '' ? '—' : row.project.display_name) },
  { label: 'Created', cell: (row) => formatTime(row.project.created_ms) },
  { label: 'Imported numbers', cell: (row) => row.importedNumbers, numeric: true },
  { label: 'Blanket LOA', cell: (row) => (row.project.is_blanket_loa_approved === 1 ? 'approved' : 'not approved') },
  { label: 'Import order limit', cell: (row) => importLimitText(ctx, row.project) },
])}
<h2>Create a project</h2>
<form class="panel" method="post" action="${PROJECTS_PATH}" aria-label="Create a project">
${csrfField(session.csrfToken)}<input type="hidden" name="returnTo" value="${PROJECTS_PATH}">
<label>Project id (optional)<input name="projectId" maxlength="64" placeholder="generated when empty" class="mono"></label>
<label>Display name (optional)<input name="displayName" maxlength="200"></label>
<button type="submit" class="primary">Create project</button>
</form>`;
  return { title: 'Projects', section: 'projects', body };
}

function settingsSection(ctx: AppContext, project: ProjectRow, csrfToken: string, returnTo: string): SafeHtml {
  const base = projectHref(project.id);
  const isApproved = project.is_blanket_loa_approved === 1;
  return html`<h2>Settings</h2>
<div class="actions">
${actionButton({
  label: isApproved ? 'Withdraw blanket LOA approval' : 'Approve blanket LOAs',
  action: `${base}/blanket-loa`,
  csrfToken,
  fields: { isBlanketLoaApproved: isApproved ? 'false' : 'true', returnTo },
  ...(isApproved ? { style: 'danger' as const } : {}),
})}
</div>
<form class="panel" method="post" action="${base}/import-limit" aria-label="Import order limit">
${csrfField(csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}">
<label>Numbers per import order<input name="importOrderLimit" inputmode="numeric" value="${project.import_order_limit ?? ''}" placeholder="${ctx.config.importOrderLimit}"></label>
<button type="submit">Save limit</button>
<span class="muted">1 to 500; leave empty for the server default of ${ctx.config.importOrderLimit}.</span>
</form>`;
}

async function keysSection(ctx: AppContext, project: ProjectRow, csrfToken: string, returnTo: string): Promise<SafeHtml> {
  const keys = await listAccessKeys(ctx, project.id);
  const base = projectHref(project.id);
  return html`<h2>Access keys</h2>
${dataTable(
  keys,
  [
    { label: 'Key id', cell: (key) => html`<span class="mono">${key.id}</span>` },
    { label: 'Created', cell: (key) => formatTime(key.created_ms) },
    { label: 'State', cell: (key) => (key.revoked_ms === null ? stateBadge('ACTIVE') : html`${stateBadge('REVOKED')} ${formatTime(key.revoked_ms)}`) },
    {
      label: 'Action',
      cell: (key) =>
        key.revoked_ms === null
          ? actionButton({
              label: 'Revoke',
              action: `${base}/access-keys/${encodeURIComponent(key.id)}/revoke`,
              csrfToken,
              fields: { returnTo },
              confirm: `Revoke access key ${key.id}? Clients using it get 401 from now on.`,
              style: 'danger',
            })
          : '—',
    },
  ],
  'This project has no access key.',
)}
<div class="actions">${actionButton({
    label: 'Create access key',
    action: `${base}/access-keys`,
    csrfToken,
    fields: { returnTo, [FORM_ID_FIELD]: newFormId() },
    style: 'primary',
  })}</div>
<p class="muted">The secret of a new key is shown once, on the page that follows; only its hash is stored. Reloading that page creates no second key.</p>`;
}

function emptyCatalogText(ctx: AppContext, catalog: Catalog): string {
  return ctx.config.mode === 'production'
    ? catalog.productionEmpty
    : `No ${catalog.noun.toLowerCase()} is registered yet; the sandbox registers one as ACTIVE on first use.`;
}

function catalogSection(ctx: AppContext, catalog: Catalog, entries: readonly CatalogEntryView[], project: ProjectRow, csrfToken: string, returnTo: string): SafeHtml {
  const action = `${projectHref(project.id)}/${catalog.segment}`;
  const stateOptions = catalog.states.map((state) => ({ value: state, label: state }));
  return html`<h2>${catalog.heading}</h2>
${dataTable(
  entries,
  [
    { label: 'Id', cell: (entry) => html`<span class="mono">${entry.id}</span>` },
    { label: 'State', cell: (entry) => stateBadge(entry.state) },
    { label: 'Updated', cell: (entry) => formatTime(Date.parse(entry.updatedTime)) },
    {
      label: 'Set state',
      cell: (entry) => html`<form class="inline" method="post" action="${action}" aria-label="Set state of ${entry.id}">
${csrfField(csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}"><input type="hidden" name="id" value="${entry.id}">
${selectField('state', `State of ${entry.id}`, stateOptions, entry.state)}<button type="submit">Set</button></form>`,
    },
  ],
  emptyCatalogText(ctx, catalog),
)}
<form class="panel" method="post" action="${action}" aria-label="Register ${catalog.noun.toLowerCase()}">
${csrfField(csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}">
<label>${catalog.noun} id<input name="id" maxlength="128" required class="mono"></label>
${selectField('state', 'State', stateOptions, 'ACTIVE')}
<button type="submit">Register or change</button>
</form>`;
}

async function projectPage({ ctx, params, session }: ConsoleRequest): Promise<ConsolePage> {
  const project = await getProject(ctx, params.projectId ?? '');
  const returnTo = projectHref(project.id);
  const catalogs = [];
  for (const catalog of CATALOGS) {
    catalogs.push(catalogSection(ctx, catalog, await listCatalogEntries(ctx, catalog.table, project.id), project, session.csrfToken, returnTo));
  }
  const body = html`<h1>Project ${project.id}</h1>
${summaryList([
  ['Display name', project.display_name === '' ? '—' : project.display_name],
  ['Created', formatTime(project.created_ms)],
  ['Imported numbers', await readImportedNumberCount(ctx.storage.db, project.id)],
  ['Blanket LOA', project.is_blanket_loa_approved === 1 ? 'approved: text-enable orders may use a blanket LOA' : 'not approved'],
  ['Import order limit', importLimitText(ctx, project)],
  ['Callback signing (HMAC)', project.hmac_secret === null || project.hmac_secret === '' ? 'off' : 'on'],
  ['Standard Webhooks', project.standard_webhooks_secret === null ? 'off' : 'on'],
])}
<p><a href="${withQuery('/console/deliveries', { projectId: project.id })}">Callback deliveries</a> · <a href="${withQuery('/console/emails', { projectId: project.id })}">Outbox</a></p>
${settingsSection(ctx, project, session.csrfToken, returnTo)}
${await keysSection(ctx, project, session.csrfToken, returnTo)}
${catalogs}
<p><a href="${PROJECTS_PATH}">All projects</a></p>`;
  return { title: `Project ${project.id}`, section: 'projects', body };
}

/** The page for a create-key form posted again, e.g. by reloading the page that showed the secret. */
function keyAlreadyCreatedPage(projectId: string): ConsoleActionResult {
  const body = html`<h1>Access key already created</h1>
<p>This form was already sent, and its access key was created then. Its secret was shown once, on the page that answered the form, and cannot be shown again. No other key was created.</p>
<p>If the secret was not copied, revoke that key on the project page and create a new one.</p>
<p><a href="${projectHref(projectId)}">Back to project ${projectId}</a></p>`;
  return { page: { title: 'Access key already created', section: 'projects', body, status: 409 } };
}

/**
 * Creates an access key and renders its secret as the response to the POST itself. The
 * secret travels in no URL, flash message or log, and the console's `Cache-Control:
 * no-store` keeps it out of caches. The form's one-time id makes a reload of that page
 * show keyAlreadyCreatedPage instead of creating a second key.
 */
async function createKey({ ctx, params, form, session }: ConsoleRequest, usedFormIds: UsedFormIds): Promise<ConsoleActionResult> {
  const projectId = params.projectId ?? '';
  const formId = form[FORM_ID_FIELD];
  if (!isFormIdValid(formId)) {
    throw invalidArgument([
      { field: FORM_ID_FIELD, description: `${describeValue(formId)} is not a form id of this console. Open the project page again and press "Create access key" there.` },
    ]);
  }
  if (!usedFormIds.claim(session.idHash, formId)) {
    return keyAlreadyCreatedPage(projectId);
  }
  let created;
  try {
    created = await createAccessKey(ctx, projectId);
  } catch (error) {
    usedFormIds.release(session.idHash, formId);
    throw error;
  }
  ctx.logger.info({ projectId: created.projectId, keyId: created.keyId }, 'console created access key');
  const body = html`<h1>Access key created</h1>
<div class="secret" role="status">
${summaryList([
  ['Project id', html`<code>${created.projectId}</code>`],
  ['Key id', html`<code id="new-key-id">${created.keyId}</code>`],
  ['Key secret', html`<code id="new-key-secret">${created.keySecret}</code>`],
])}
<p><strong>Copy the secret now.</strong> numberhost stores only its hash and cannot show it again. Clients send the key id and secret with HTTP Basic authentication, or exchange them for a token at /oauth2/token.</p>
</div>
<p><a href="${projectHref(created.projectId)}">Back to project ${created.projectId}</a></p>`;
  return { page: { title: 'Access key created', section: 'projects' as const, body } };
}

/** Reads the import limit field: empty clears it and a number sets it. updateProjectSettings checks the range. */
function requestedImportLimit(raw: string | undefined): number | null {
  const value = (raw ?? '').trim();
  if (value === '') {
    return null;
  }
  if (!/^-?\d{1,9}(\.\d+)?$/.test(value)) {
    throw invalidArgument([{ field: 'importOrderLimit', description: `${describeValue(value)} is not a number: use an integer from 1 to 500, or leave the field empty for the server default.` }]);
  }
  return Number(value);
}

/** Registers the project pages: the list, creation, and one project's settings, access keys, service plans and campaigns. */
export function registerProjectPages(router: ConsoleRouter): void {
  router.page(PROJECTS_PATH, projectsPage);
  router.page(`${PROJECTS_PATH}/:projectId`, projectPage);

  router.action(PROJECTS_PATH, async ({ ctx, form }) => {
    const projectId = form.projectId?.trim() ?? '';
    const displayName = form.displayName?.trim() ?? '';
    const project = await createProject(ctx, { ...(projectId === '' ? {} : { projectId }), ...(displayName === '' ? {} : { displayName }) });
    return { redirect: projectHref(project.id), notice: `Project ${project.id} created. Create an access key for its clients below.` };
  });

  const usedFormIds = new UsedFormIds();
  router.action(`${PROJECTS_PATH}/:projectId/access-keys`, (request) => createKey(request, usedFormIds));

  router.action(`${PROJECTS_PATH}/:projectId/access-keys/:keyId/revoke`, async ({ ctx, params, form, authenticator }) => {
    const projectId = params.projectId ?? '';
    const keyId = params.keyId ?? '';
    await revokeAccessKey(ctx, projectId, keyId);
    authenticator.forget(keyId);
    ctx.logger.info({ projectId, keyId }, 'console revoked access key');
    return { redirect: form.returnTo ?? projectHref(projectId), notice: `Access key ${keyId} revoked; requests with it now get 401.` };
  });

  router.action(`${PROJECTS_PATH}/:projectId/blanket-loa`, async ({ ctx, params, form }) => {
    const value = form.isBlanketLoaApproved;
    if (value !== 'true' && value !== 'false') {
      throw invalidArgument([{ field: 'isBlanketLoaApproved', description: `must be true or false, got ${describeValue(value)}.` }]);
    }
    const project = await updateProjectSettings(ctx, params.projectId ?? '', { isBlanketLoaApproved: value === 'true' });
    const notice =
      project.is_blanket_loa_approved === 1
        ? `Project ${project.id} may now use blanket LOAs in text-enable orders.`
        : `Blanket LOA approval withdrawn for project ${project.id}; new text-enable orders need a direct or reseller LOA.`;
    return { redirect: form.returnTo ?? projectHref(project.id), notice };
  });

  router.action(`${PROJECTS_PATH}/:projectId/import-limit`, async ({ ctx, params, form }) => {
    const project = await updateProjectSettings(ctx, params.projectId ?? '', { importOrderLimit: requestedImportLimit(form.importOrderLimit) });
    const notice =
      project.import_order_limit === null
        ? `Project ${project.id} uses the server default of ${ctx.config.importOrderLimit} numbers per import order.`
        : `Project ${project.id} may import up to ${project.import_order_limit} numbers per import order.`;
    return { redirect: form.returnTo ?? projectHref(project.id), notice };
  });

  for (const catalog of CATALOGS) {
    router.action(`${PROJECTS_PATH}/:projectId/${catalog.segment}`, async ({ ctx, params, form }) => {
      const entry = await putCatalogEntry(ctx, catalog.table, params.projectId ?? '', (form.id ?? '').trim(), { state: form.state });
      return { redirect: form.returnTo ?? projectHref(entry.projectId), notice: `${catalog.noun} ${entry.id} of project ${entry.projectId} is now ${entry.state}.` };
    });
  }
}
