import type { Transaction } from 'kysely';
import type { StepOutcome } from '../domain/ports.js';
import type { Database, HostingOrderNumberRow, HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { finishHostingOrderIfDone } from './finish-hosting-order.js';
import type { JobPayloads } from './job-payloads.js';
import { enqueueJob, numberStepPayload } from './job-payloads.js';
import { newImportedNumberRow } from './new-imported-number.js';
import { adjustImportedNumberCount } from './number-counter.js';
import { recordEvent } from './record-event.js';
import type { StepJobResult } from './run-number-step.js';
import { TransientStepError } from './run-number-step.js';
import { failOrderNumbers } from './settle-order-numbers.js';

type OsrPayload = JobPayloads['osr_step'];

async function load(ctx: AppContext, payload: OsrPayload): Promise<{ order: HostingOrderRow; row: HostingOrderNumberRow } | undefined> {
  const order = await ctx.storage.db.selectFrom('hosting_orders').selectAll().where('id', '=', payload.hostingOrderId).executeTakeFirst();
  const row = await ctx.storage.db
    .selectFrom('hosting_order_numbers')
    .selectAll()
    .where('hosting_order_id', '=', payload.hostingOrderId)
    .where('phone_number', '=', payload.phoneNumber)
    .executeTakeFirst();
  return order === undefined || row === undefined ? undefined : { order, row };
}

/**
 * Runs the OSR update of one number of a text-enable order (a job): submits it to the
 * carrier registry, or checks on a submitted one. When it is done, the number becomes
 * an imported number of the project and its SMS platform step is queued; when it
 * fails, the number's hosting fails. Every write is a compare-and-set on the state
 * read, so a rerun after a crash changes nothing twice.
 */
export async function runOsrStep(ctx: AppContext, payload: OsrPayload, attempt: number): Promise<StepJobResult> {
  const loaded = await load(ctx, payload);
  if (loaded === undefined) {
    return { kind: 'done' };
  }
  const { order, row } = loaded;
  if (order.state !== 'IN_PROGRESS' || (row.osr_state !== 'WAITING' && row.osr_state !== 'IN_PROGRESS')) {
    return { kind: 'done' };
  }
  const outcome = await ctx.ports.carrierRegistry.runOsrUpdate(
    { projectId: order.project_id, phoneNumber: row.phone_number, nnid: row.osr_nnid, isTollFree: order.is_toll_free === 1, hostingOrderId: order.id, attempt },
    row.osr_state === 'WAITING' ? 'submit' : 'check',
  );
  if (outcome.kind === 'transient') {
    throw new TransientStepError(outcome.errorMessage);
  }
  if (outcome.kind === 'pending') {
    if (row.osr_state === 'WAITING') {
      await ctx.storage.db
        .updateTable('hosting_order_numbers')
        .set({ osr_state: 'IN_PROGRESS', updated_ms: ctx.clock.now() })
        .where('hosting_order_id', '=', order.id)
        .where('phone_number', '=', row.phone_number)
        .where('osr_state', '=', 'WAITING')
        .execute();
    }
    return { kind: 'reschedule', runAtMs: ctx.clock.now() + outcome.checkAfterMs };
  }
  await ctx.storage.db.transaction().execute((trx) => finishOsrUpdate(trx, ctx, order, row, outcome));
  ctx.logger.info(
    {
      projectId: order.project_id,
      hostingOrderId: order.id,
      phoneNumber: row.phone_number,
      step: 'osr',
      state: outcome.kind === 'done' ? 'DONE' : 'FAILED',
      ...(outcome.kind === 'failed' ? { errorCode: outcome.failureCode ?? outcome.errorCode } : {}),
    },
    'number step finished',
  );
  ctx.wakeWorker();
  return { kind: 'done' };
}

async function finishOsrUpdate(
  trx: Transaction<Database>,
  ctx: AppContext,
  order: HostingOrderRow,
  row: HostingOrderNumberRow,
  outcome: Extract<StepOutcome, { kind: 'done' | 'failed' }>,
): Promise<void> {
  await ctx.storage.dialect.lockHostingOrder(trx, order.id);
  const current = await trx.selectFrom('hosting_orders').select('state').where('id', '=', order.id).executeTakeFirst();
  if (current?.state !== 'IN_PROGRESS') {
    return;
  }
  const nowMs = ctx.clock.now();
  const isDone = outcome.kind === 'done';
  const moved = await trx
    .updateTable('hosting_order_numbers')
    .set({ osr_state: isDone ? 'DONE' : 'FAILED', updated_ms: nowMs })
    .where('hosting_order_id', '=', order.id)
    .where('phone_number', '=', row.phone_number)
    .where('osr_state', '=', row.osr_state)
    .executeTakeFirst();
  if (moved.numUpdatedRows === 0n) {
    return;
  }
  const failureCode = outcome.kind === 'failed' ? outcome.failureCode : undefined;
  await recordEvent(trx, ctx, {
    projectId: order.project_id,
    resourceType: 'HOSTING_ORDER_NUMBER',
    resourceId: row.phone_number,
    eventType: 'OSR_UPDATE',
    status: isDone ? 'SUCCEEDED' : 'FAILED',
    failureCode,
    callbackUrl: order.callback_url,
    hostingOrderId: order.id,
  });
  if (outcome.kind === 'failed') {
    await failOrderNumbers(trx, ctx, order, [row.phone_number], `OSR update failed: ${outcome.errorMessage}`, failureCode);
    await finishHostingOrderIfDone(trx, ctx, order.id);
    return;
  }
  const alreadyImported = await trx.selectFrom('imported_numbers').select('project_id').where('phone_number', '=', row.phone_number).executeTakeFirst();
  if (alreadyImported !== undefined) {
    const where = alreadyImported.project_id === order.project_id ? 'by another request' : 'in another project';
    await failOrderNumbers(trx, ctx, order, [row.phone_number], `The number was imported ${where} while its OSR update ran.`, undefined);
    await finishHostingOrderIfDone(trx, ctx, order.id);
    return;
  }
  // The carrier registry now routes the number's messages here: it is an imported
  // number, and its SMS platform and campaign steps run as in an import order.
  await trx
    .insertInto('imported_numbers')
    .values(
      newImportedNumberRow({
        projectId: order.project_id,
        phoneNumber: row.phone_number,
        regionCode: order.region_code,
        displayName: order.display_name,
        callbackUrl: order.callback_url,
        servicePlanId: order.service_plan_id,
        campaignId: order.campaign_id,
        migrateToSinchTmo: false,
        isTollFree: order.is_toll_free === 1,
        hostingOrderId: order.id,
        nowMs,
      }),
    )
    .execute();
  await adjustImportedNumberCount(trx, order.project_id, 1);
  await enqueueJob(trx, 'sms_step', numberStepPayload(order.project_id, row.phone_number, order.id), { runAtMs: nowMs });
}
