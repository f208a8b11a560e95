import type { Transaction } from 'kysely';
import { ApiError } from '../domain/errors.js';
import type { Database } from '../storage/schema.js';
import type { AppContext } from './context.js';

/**
 * Checks that a service plan can take numbers. In sandbox mode an unknown plan is
 * registered as ACTIVE on first use, so documentation examples work; in production it
 * must have been registered through the admin API.
 */
export async function requireServicePlan(
  trx: Transaction<Database>,
  ctx: AppContext,
  projectId: string,
  servicePlanId: string,
  field: string,
): Promise<void> {
  const plan = await trx
    .selectFrom('service_plans')
    .select('state')
    .where('project_id', '=', projectId)
    .where('id', '=', servicePlanId)
    .executeTakeFirst();
  if (plan !== undefined) {
    return;
  }
  if (ctx.config.mode === 'production') {
    const description = `Service plan "${servicePlanId}" does not exist in project ${projectId}. Check the id, or ask the operator to register it.`;
    throw new ApiError('INVALID_ARGUMENT', description, { fieldViolations: [{ field, description }] });
  }
  const nowMs = ctx.clock.now();
  await trx
    .insertInto('service_plans')
    .values({ project_id: projectId, id: servicePlanId, state: 'ACTIVE', created_ms: nowMs, updated_ms: nowMs })
    .onConflict((conflict) => conflict.columns(['project_id', 'id']).doNothing())
    .execute();
}

/**
 * Registers an unknown campaign as ACTIVE in sandbox mode. In production an unknown
 * campaign is accepted here and its link fails with CAMPAIGN_NOT_AVAILABLE.
 */
export async function registerSandboxCampaign(
  trx: Transaction<Database>,
  ctx: AppContext,
  projectId: string,
  campaignId: string,
): Promise<void> {
  if (ctx.config.mode === 'production' || campaignId === '') {
    return;
  }
  const nowMs = ctx.clock.now();
  await trx
    .insertInto('campaigns')
    .values({ project_id: projectId, id: campaignId, state: 'ACTIVE', created_ms: nowMs, updated_ms: nowMs })
    .onConflict((conflict) => conflict.columns(['project_id', 'id']).doNothing())
    .execute();
}
