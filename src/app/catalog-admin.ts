import { describeValue, invalidArgument } from '../domain/errors.js';
import { FAILURE_CODES } from '../domain/events.js';
import { checkIdentifier } from '../domain/request-rules.js';
import type { AppContext } from './context.js';
import { getProject } from './projects.js';

export const SERVICE_PLAN_STATES = ['ACTIVE', 'INACTIVE'] as const;
/**
 * ACTIVE, or the failure code every link to the campaign fails with. TFN_NOT_ALLOWED,
 * INVALID_NNID and NUMBER_PROVISIONING_FAILED depend on the number, not the campaign.
 */
export const CAMPAIGN_STATES: readonly string[] = [
  'ACTIVE',
  ...FAILURE_CODES.filter((code) => !['TFN_NOT_ALLOWED', 'INVALID_NNID', 'NUMBER_PROVISIONING_FAILED'].includes(code)),
];

export interface CatalogEntryView {
  id: string;
  projectId: string;
  state: string;
  createdTime: string;
  updatedTime: string;
}

type CatalogTable = 'service_plans' | 'campaigns';

function view(row: { id: string; project_id: string; state: string; created_ms: number; updated_ms: number }): CatalogEntryView {
  return {
    id: row.id,
    projectId: row.project_id,
    state: row.state,
    createdTime: new Date(row.created_ms).toISOString(),
    updatedTime: new Date(row.updated_ms).toISOString(),
  };
}

/** Registers or changes a service plan or campaign and its state. */
export async function putCatalogEntry(
  ctx: AppContext,
  table: CatalogTable,
  projectId: string,
  id: string,
  body: { state?: unknown },
): Promise<CatalogEntryView> {
  await getProject(ctx, projectId);
  const allowed: readonly string[] = table === 'service_plans' ? SERVICE_PLAN_STATES : CAMPAIGN_STATES;
  const idViolations = checkIdentifier(id, table === 'service_plans' ? 'servicePlanId' : 'campaignId', false);
  const state = body.state === undefined ? 'ACTIVE' : body.state;
  if (typeof state !== 'string' || !allowed.includes(state)) {
    idViolations.push({ field: 'state', description: `${describeValue(state)} is not one of ${allowed.join(', ')}.` });
  }
  if (idViolations.length > 0) {
    throw invalidArgument(idViolations);
  }
  const nowMs = ctx.clock.now();
  await ctx.storage.db
    .insertInto(table)
    .values({ project_id: projectId, id, state: state as string, created_ms: nowMs, updated_ms: nowMs })
    .onConflict((conflict) => conflict.columns(['project_id', 'id']).doUpdateSet({ state: state as string, updated_ms: nowMs }))
    .execute();
  const row = await ctx.storage.db.selectFrom(table).selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirstOrThrow();
  return view(row);
}

/** Registers a service plan or campaign as ACTIVE unless it exists; an existing entry keeps its state. */
export async function ensureCatalogEntry(ctx: AppContext, table: CatalogTable, projectId: string, id: string): Promise<void> {
  const nowMs = ctx.clock.now();
  await ctx.storage.db
    .insertInto(table)
    .values({ project_id: projectId, id, state: 'ACTIVE', created_ms: nowMs, updated_ms: nowMs })
    .onConflict((conflict) => conflict.columns(['project_id', 'id']).doNothing())
    .execute();
}

export async function listCatalogEntries(ctx: AppContext, table: CatalogTable, projectId: string): Promise<CatalogEntryView[]> {
  await getProject(ctx, projectId);
  const rows = await ctx.storage.db.selectFrom(table).selectAll().where('project_id', '=', projectId).orderBy('id').execute();
  return rows.map(view);
}
