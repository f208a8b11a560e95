import type { Transaction } from 'kysely';
import type { EventType, FailureCode } from '../domain/events.js';
import type { NumberStep } from '../domain/number-steps.js';
import { SKIPPED_CAMPAIGN_ERROR_CODE, hostingResult, nextNumberStep } from '../domain/number-steps.js';
import type { Carrier, CarrierResult, StepOutcome, StepRequest } from '../domain/ports.js';
import { CARRIERS } from '../domain/ports.js';
import type { StepState } from '../domain/states.js';
import type { Database, ImportedNumberRow, ImportedNumberUpdate } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { finishHostingOrderIfDone } from './finish-hosting-order.js';
import type { NumberStepPayload } from './job-payloads.js';
import { enqueueJob } from './job-payloads.js';
import { recordEvent } from './record-event.js';
import { settleQualifiedNumber } from './settle-order-numbers.js';
import type { CarrierStates } from './views.js';
import { parseCarrierStates } from './views.js';

export type StepJobResult = { kind: 'done' } | { kind: 'reschedule'; runAtMs: number };

/** A temporary fault of a port; the worker retries the job with backoff. */
export class TransientStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientStepError';
  }
}

interface StepColumns {
  state: 'sms_state' | 'campaign_state';
  type: 'sms_type' | 'campaign_type';
  serviceId: 'sms_service_id' | 'campaign_service_id';
  errorCode: 'sms_error_code' | 'campaign_error_code';
  errorMessage: 'sms_error_message' | 'campaign_error_message';
  updateMs: 'sms_update_ms' | 'campaign_update_ms';
}

const COLUMNS: Record<NumberStep, StepColumns> = {
  sms: {
    state: 'sms_state',
    type: 'sms_type',
    serviceId: 'sms_service_id',
    errorCode: 'sms_error_code',
    errorMessage: 'sms_error_message',
    updateMs: 'sms_update_ms',
  },
  campaign: {
    state: 'campaign_state',
    type: 'campaign_type',
    serviceId: 'campaign_service_id',
    errorCode: 'campaign_error_code',
    errorMessage: 'campaign_error_message',
    updateMs: 'campaign_update_ms',
  },
};

function eventTypeFor(step: NumberStep, operation: string): EventType {
  if (step === 'sms') {
    return operation === 'DEPROVISIONING' ? 'DEPROVISIONING_TO_SMS_PLATFORM' : 'PROVISIONING_TO_SMS_PLATFORM';
  }
  return operation === 'DEPROVISIONING' ? 'UNLINK_TO_10DLC_CAMPAIGN' : 'LINK_TO_10DLC_CAMPAIGN';
}

/** Carrier states after a campaign step: the port's per-carrier results, the outcome's state for the rest. */
export function carrierStatesAfter(
  previous: CarrierStates,
  state: StepState,
  operation: string,
  nowIso: string,
  results: Partial<Record<Carrier, CarrierResult>> | undefined,
  fallbackError: { errorCode: string; errorMessage: string },
): CarrierStates {
  const next: CarrierStates = { ...previous };
  for (const carrier of CARRIERS) {
    const result = results?.[carrier];
    next[carrier] = {
      state: result?.state ?? state,
      errorCode: result?.errorCode ?? (state === 'FAILED' ? fallbackError.errorCode : ''),
      errorMessage: result?.errorMessage ?? (state === 'FAILED' ? fallbackError.errorMessage : ''),
      updateTime: nowIso,
      operation,
    };
  }
  return next;
}

async function loadNumber(ctx: AppContext, payload: NumberStepPayload): Promise<ImportedNumberRow | undefined> {
  return ctx.storage.db
    .selectFrom('imported_numbers')
    .selectAll()
    .where('project_id', '=', payload.projectId)
    .where('phone_number', '=', payload.phoneNumber)
    .executeTakeFirst();
}

/**
 * Runs one due step of one number: submits it to its port, or checks on a submitted
 * one, and records the result with its callback. Safe to run again after a crash,
 * because every write is a compare-and-set on the step state it read.
 */
export async function runNumberStep(
  ctx: AppContext,
  step: NumberStep,
  payload: NumberStepPayload,
  attempt: number,
): Promise<StepJobResult> {
  const row = await loadNumber(ctx, payload);
  if (row === undefined) {
    return { kind: 'done' };
  }
  const columns = COLUMNS[step];
  const observedState = row[columns.state] as StepState;
  if (observedState !== 'WAITING' && observedState !== 'IN_PROGRESS') {
    return { kind: 'done' };
  }
  const request: StepRequest = {
    projectId: row.project_id,
    phoneNumber: row.phone_number,
    serviceId: row[columns.serviceId],
    operation: row[columns.type] === 'DEPROVISIONING' ? 'DEPROVISIONING' : 'PROVISIONING',
    isTollFree: row.is_toll_free === 1,
    migrateToSinchTmo: row.migrate_to_sinch_tmo === 1,
    hostingOrderId: payload.hostingOrderId,
    attempt,
  };
  const port = step === 'sms' ? ctx.ports.smsPlatform : ctx.ports.campaignRegistry;
  const outcome = await port.runStep(request, observedState === 'WAITING' ? 'submit' : 'check');

  if (outcome.kind === 'transient') {
    throw new TransientStepError(outcome.errorMessage);
  }
  if (outcome.kind === 'pending') {
    if (observedState === 'WAITING') {
      await ctx.storage.db.transaction().execute((trx) => markInProgress(trx, ctx, step, row, payload));
    }
    return { kind: 'reschedule', runAtMs: ctx.clock.now() + outcome.checkAfterMs };
  }
  await ctx.storage.db.transaction().execute((trx) => finishStep(trx, ctx, step, row, payload, outcome));
  ctx.logger.info(
    {
      projectId: row.project_id,
      phoneNumber: row.phone_number,
      hostingOrderId: payload.hostingOrderId,
      step,
      operation: request.operation,
      state: outcome.kind === 'done' ? 'DONE' : 'FAILED',
      ...(outcome.kind === 'failed' ? { errorCode: outcome.failureCode ?? outcome.errorCode } : {}),
    },
    'number step finished',
  );
  ctx.wakeWorker();
  return { kind: 'done' };
}

async function markInProgress(
  trx: Transaction<Database>,
  ctx: AppContext,
  step: NumberStep,
  row: ImportedNumberRow,
  payload: NumberStepPayload,
): Promise<void> {
  const columns = COLUMNS[step];
  const nowMs = ctx.clock.now();
  const update: ImportedNumberUpdate = { [columns.state]: 'IN_PROGRESS', [columns.updateMs]: nowMs, updated_ms: nowMs };
  const nowIso = new Date(nowMs).toISOString();
  if (step === 'campaign') {
    const noError = { errorCode: '', errorMessage: '' };
    update.mno_configuration = JSON.stringify(
      carrierStatesAfter(parseCarrierStates(row.mno_configuration), 'IN_PROGRESS', row.campaign_type, nowIso, undefined, noError),
    );
  }
  const result = await trx
    .updateTable('imported_numbers')
    .set(update)
    .where('project_id', '=', row.project_id)
    .where('phone_number', '=', row.phone_number)
    .where(columns.state, '=', 'WAITING')
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n || payload.hostingOrderId === null) {
    return;
  }
  await trx
    .updateTable('hosting_order_numbers')
    .set(step === 'sms' ? { platform_state: 'IN_PROGRESS', updated_ms: nowMs } : { campaign_state: 'IN_PROGRESS', updated_ms: nowMs })
    .where('hosting_order_id', '=', payload.hostingOrderId)
    .where('phone_number', '=', row.phone_number)
    .execute();
}

async function finishStep(
  trx: Transaction<Database>,
  ctx: AppContext,
  step: NumberStep,
  row: ImportedNumberRow,
  payload: NumberStepPayload,
  outcome: Extract<StepOutcome, { kind: 'done' | 'failed' }>,
): Promise<void> {
  if (payload.hostingOrderId !== null) {
    await ctx.storage.dialect.lockHostingOrder(trx, payload.hostingOrderId);
  }
  const columns = COLUMNS[step];
  const nowMs = ctx.clock.now();
  const nowIso = new Date(nowMs).toISOString();
  const newState: StepState = outcome.kind === 'done' ? 'DONE' : 'FAILED';
  const errorCode = outcome.kind === 'failed' ? outcome.failureCode ?? outcome.errorCode : '';
  const errorMessage = outcome.kind === 'failed' ? outcome.errorMessage : '';
  const operation = row[columns.type];

  const update: ImportedNumberUpdate = {
    [columns.state]: newState,
    [columns.errorCode]: errorCode,
    [columns.errorMessage]: errorMessage,
    [columns.updateMs]: nowMs,
    updated_ms: nowMs,
  };
  let campaignState = row.campaign_state as StepState;
  let carriers = parseCarrierStates(row.mno_configuration);
  if (step === 'campaign') {
    campaignState = newState;
    carriers = carrierStatesAfter(carriers, newState, operation, nowIso, outcome.carriers, { errorCode, errorMessage });
  }
  const isSmsLinkFailure = step === 'sms' && newState === 'FAILED' && operation === 'PROVISIONING';
  if (isSmsLinkFailure && row.campaign_state === 'WAITING') {
    // The campaign link needs a provisioned number, so it fails with the platform step.
    campaignState = 'FAILED';
    const skipped = { errorCode: SKIPPED_CAMPAIGN_ERROR_CODE, errorMessage: 'Not attempted: SMS platform provisioning failed.' };
    Object.assign(update, {
      campaign_state: 'FAILED',
      campaign_error_code: skipped.errorCode,
      campaign_error_message: skipped.errorMessage,
      campaign_update_ms: nowMs,
    });
    carriers = carrierStatesAfter(carriers, 'FAILED', row.campaign_type, nowIso, undefined, skipped);
  }
  update.mno_configuration = JSON.stringify(carriers);

  const result = await trx
    .updateTable('imported_numbers')
    .set(update)
    .where('project_id', '=', row.project_id)
    .where('phone_number', '=', row.phone_number)
    .where(columns.state, '=', row[columns.state])
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    return;
  }

  const order =
    payload.hostingOrderId === null
      ? undefined
      : await trx.selectFrom('hosting_orders').selectAll().where('id', '=', payload.hostingOrderId).executeTakeFirst();
  const resourceType = order === undefined ? 'IMPORTED_NUMBER' : 'HOSTING_ORDER_NUMBER';
  const callbackUrl = order === undefined ? row.callback_url : order.callback_url;
  const failureCode = step === 'campaign' && outcome.kind === 'failed' ? outcome.failureCode : undefined;
  await recordEvent(trx, ctx, {
    projectId: row.project_id,
    resourceType,
    resourceId: row.phone_number,
    eventType: eventTypeFor(step, operation),
    status: outcome.kind === 'done' ? 'SUCCEEDED' : 'FAILED',
    failureCode,
    callbackUrl,
    hostingOrderId: order?.id ?? null,
  });

  const smsState = (step === 'sms' ? newState : row.sms_state) as StepState;
  const next = nextNumberStep({ smsType: row.sms_type, smsState, campaignType: row.campaign_type, campaignState });
  if (next !== undefined) {
    const jobType = next === 'sms' ? 'sms_step' : 'campaign_step';
    await enqueueJob(trx, jobType, payload, { runAtMs: nowMs });
  }

  if (order !== undefined) {
    await finishOrderNumber(trx, ctx, order.id, row, {
      smsState,
      campaignState,
      carriers,
      // An SMS failure's own code (from a sandbox fault rule, say) wins over the default.
      failureCode: failureCode ?? (isSmsLinkFailure ? (outcome.kind === 'failed' ? outcome.failureCode : undefined) ?? 'NUMBER_PROVISIONING_FAILED' : undefined),
      callbackUrl,
      nowMs,
    });
  }
}

interface OrderNumberProgress {
  smsState: StepState;
  campaignState: StepState;
  carriers: CarrierStates;
  failureCode: FailureCode | undefined;
  callbackUrl: string | null;
  nowMs: number;
}

/** Mirrors a step result onto the order number; sends HOSTING_PROCESS once its last step ends. */
async function finishOrderNumber(
  trx: Transaction<Database>,
  ctx: AppContext,
  hostingOrderId: string,
  row: ImportedNumberRow,
  progress: OrderNumberProgress,
): Promise<void> {
  const orderNumber = await trx
    .selectFrom('hosting_order_numbers')
    .selectAll()
    .where('hosting_order_id', '=', hostingOrderId)
    .where('phone_number', '=', row.phone_number)
    .executeTakeFirst();
  if (orderNumber === undefined) {
    return;
  }
  const failureCode = orderNumber.failure_code !== '' ? orderNumber.failure_code : progress.failureCode ?? '';
  const carriersWithoutOperation: CarrierStates = {};
  for (const [carrier, state] of Object.entries(progress.carriers)) {
    const { operation: _operation, ...rest } = state;
    carriersWithoutOperation[carrier as Carrier] = rest;
  }
  await trx
    .updateTable('hosting_order_numbers')
    .set({
      platform_state: progress.smsState,
      campaign_state: progress.campaignState,
      carriers: JSON.stringify(carriersWithoutOperation),
      failure_code: failureCode,
      updated_ms: progress.nowMs,
    })
    .where('hosting_order_id', '=', hostingOrderId)
    .where('phone_number', '=', row.phone_number)
    .execute();

  const result = hostingResult(progress.smsState, progress.campaignState, failureCode);
  if (result === undefined) {
    return;
  }
  await recordEvent(trx, ctx, {
    projectId: row.project_id,
    resourceType: 'HOSTING_ORDER_NUMBER',
    resourceId: row.phone_number,
    eventType: 'HOSTING_PROCESS',
    status: result.status,
    failureCode: result.status === 'FAILED' ? result.failureCode : undefined,
    callbackUrl: progress.callbackUrl,
    hostingOrderId,
  });
  // A text-enable order's number also ends its qualified number; import orders have none.
  const failure = result.status === 'FAILED' ? `Hosting failed: ${result.failureCode}.` : undefined;
  await settleQualifiedNumber(trx, ctx, { id: hostingOrderId, project_id: row.project_id }, row.phone_number, failure);
  await finishHostingOrderIfDone(trx, ctx, hostingOrderId);
}
