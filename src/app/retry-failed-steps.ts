import type { Transaction } from 'kysely';
import { failedPrecondition } from '../domain/errors.js';
import type { HostingOrderState, StepState } from '../domain/states.js';
import { nextHostingOrderState } from '../domain/states.js';
import type { Database, HostingOrderNumberRow, HostingOrderRow, ImportedNumberRow, ImportedNumberUpdate } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { getHostingOrder } from './get-hosting-order.js';
import type { JobType } from './job-payloads.js';
import { enqueueJob, numberStepPayload } from './job-payloads.js';
import { carrierStatesAfter } from './run-number-step.js';
import { hostedByOtherProjects } from './text-enable-numbers.js';
import type { CarrierStates } from './views.js';
import { parseCarrierStates } from './views.js';

/**
 * An operator retries the failed carrier steps of a hosting order (admin
 * `:retryFailedSteps`). For each number, the first step that FAILED goes back to WAITING
 * and its job is queued, so it is submitted again. The later steps it blocked go back
 * with it: after a failed OSR update the SMS and campaign steps (failed with it) wait
 * again, and after a failed SMS provisioning the campaign link (failed as not attempted)
 * waits again.
 *
 * A step still WAITING or IN_PROGRESS although its job is gone (the job ran out of
 * attempts) only gets a new job and keeps its state. An IN_PROGRESS step was submitted
 * already, so its new job checks on that submission instead of submitting a second
 * time: a manual step keeps its operator task, even one resolved meanwhile.
 *
 * The state machines stay consistent this way:
 * - the order number's failure code is cleared, so the number's next HOSTING_PROCESS
 *   callback reports the new result, and it is sent again when the retried steps end;
 * - a text-enable number's qualified number returns from HOSTING_FAILED to
 *   HOSTING_IN_PROGRESS (hostedNumber.status 0), as when the order started;
 * - a COMPLETED order is reopened to IN_PROGRESS (transition `reopen`) and completes
 *   again when its last step ends; an IN_PROGRESS order just keeps going.
 *
 * Numbers that changed hands since are left alone: an imported number deleted or
 * relinked to another service plan or campaign, a qualified number deleted or moved to
 * another order, and, before an OSR update, a number another project now hosts.
 * Everything happens in one transaction under the order's row lock.
 */

export type RetriedStep = 'OSR_UPDATE' | 'SMS_PROVISIONING' | 'CAMPAIGN_LINK';

export interface RetriedNumber {
  phoneNumber: string;
  step: RetriedStep;
  /** FAILED, or WAITING / IN_PROGRESS for a step whose job was gone. */
  previousState: string;
}

export interface RetryResult {
  order: HostingOrderRow;
  retried: RetriedNumber[];
}

const OPEN_STATES: readonly string[] = ['WAITING', 'IN_PROGRESS'];

/** The rows around the order's numbers that decide a retry: imported rows, qualified rows and queued step jobs. */
interface OrderFacts {
  /** The project's imported numbers among the order's numbers, whichever order imported them. */
  imported: Map<string, ImportedNumberRow>;
  /** Numbers whose qualified number still belongs to this order and ended or runs in it. */
  qualifiedInOrder: Set<string>;
  hostedElsewhere: Set<string>;
  /** `${jobType} ${payload}` of every queued step job of these numbers. */
  queuedJobs: Set<string>;
}

type Plan = { step: RetriedStep; previousState: string };

export async function retryFailedSteps(ctx: AppContext, projectId: string, hostingOrderId: string): Promise<RetryResult> {
  await getHostingOrder(ctx, projectId, hostingOrderId);
  const retried = await ctx.storage.db.transaction().execute(async (trx) => {
    await ctx.storage.dialect.lockHostingOrder(trx, hostingOrderId);
    const order = await trx.selectFrom('hosting_orders').selectAll().where('id', '=', hostingOrderId).executeTakeFirstOrThrow();
    assertOrderRetryable(order);
    const rows = await trx.selectFrom('hosting_order_numbers').selectAll().where('hosting_order_id', '=', hostingOrderId).orderBy('position').execute();
    const facts = await loadFacts(trx, order, rows);
    const nowMs = ctx.clock.now();
    const done: RetriedNumber[] = [];
    for (const row of rows) {
      const plan = planRetry(order, row, facts);
      if (plan === undefined) {
        continue;
      }
      await applyRetry(trx, order, row, facts, plan, nowMs);
      done.push({ phoneNumber: row.phone_number, ...plan });
    }
    if (done.length === 0) {
      throw failedPrecondition(
        'hostingOrderId',
        `Order ${hostingOrderId} has no step to retry: no number has a FAILED step, or a stalled one whose job is gone, that still belongs to this order. Check the numbers' states with GET .../hostingOrders/${hostingOrderId}/numbers.`,
      );
    }
    await reopenOrder(trx, order, nowMs);
    return done;
  });
  ctx.logger.info({ projectId, hostingOrderId, retriedCount: retried.length }, 'failed steps retried');
  ctx.wakeWorker();
  return { order: await getHostingOrder(ctx, projectId, hostingOrderId), retried };
}

function assertOrderRetryable(order: HostingOrderRow): void {
  if (order.state === 'REJECTED') {
    throw failedPrecondition('hostingOrderId', `Order ${order.id} is REJECTED (${order.rejection_reason || 'no reason given'}); a rejected order cannot be retried. Create a new order for its numbers.`);
  }
  if (order.state !== 'IN_PROGRESS' && order.state !== 'COMPLETED') {
    throw failedPrecondition('hostingOrderId', `Order ${order.id} is ${order.state}; its carrier steps have not started, so there is nothing to retry yet.`);
  }
}

async function loadFacts(trx: Transaction<Database>, order: HostingOrderRow, rows: HostingOrderNumberRow[]): Promise<OrderFacts> {
  const phoneNumbers = rows.map((row) => row.phone_number);
  const facts: OrderFacts = { imported: new Map(), qualifiedInOrder: new Set(), hostedElsewhere: new Set(), queuedJobs: new Set() };
  if (phoneNumbers.length === 0) {
    return facts;
  }
  const imported = await trx
    .selectFrom('imported_numbers')
    .selectAll()
    .where('project_id', '=', order.project_id)
    .where('phone_number', 'in', phoneNumbers)
    .execute();
  for (const row of imported) {
    facts.imported.set(row.phone_number, row);
  }
  if (order.type === 'TYPE_TEXT_ENABLE') {
    const qualified = await trx
      .selectFrom('qualified_numbers')
      .select('phone_number')
      .where('project_id', '=', order.project_id)
      .where('phone_number', 'in', phoneNumbers)
      .where('hosting_order_id', '=', order.id)
      .where('state', 'in', ['GLOBAL_PROCESS_STATE_HOSTING_FAILED', 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS'])
      .execute();
    facts.qualifiedInOrder = new Set(qualified.map((row) => row.phone_number));
    facts.hostedElsewhere = new Set(await hostedByOtherProjects(trx, order.project_id, phoneNumbers));
  }
  const payloads = phoneNumbers.flatMap((phoneNumber) => [
    JSON.stringify(numberStepPayload(order.project_id, phoneNumber, order.id)),
    JSON.stringify(numberStepPayload(order.project_id, phoneNumber, null)),
  ]);
  const jobs = await trx.selectFrom('jobs').select(['type', 'payload']).where('type', 'in', ['osr_step', 'sms_step', 'campaign_step']).where('payload', 'in', payloads).execute();
  facts.queuedJobs = new Set(jobs.map((job) => `${job.type} ${job.payload}`));
  return facts;
}

function hasQueuedJob(facts: OrderFacts, type: JobType, order: HostingOrderRow, phoneNumber: string): boolean {
  const withOrder = JSON.stringify(numberStepPayload(order.project_id, phoneNumber, order.id));
  const withoutOrder = JSON.stringify(numberStepPayload(order.project_id, phoneNumber, null));
  return facts.queuedJobs.has(`${type} ${withOrder}`) || (type !== 'osr_step' && facts.queuedJobs.has(`${type} ${withoutOrder}`));
}

/** True for a step that FAILED, or that waits or runs with no job left to move it. */
function needsRetry(state: string, facts: OrderFacts, type: JobType, order: HostingOrderRow, phoneNumber: string): boolean {
  return state === 'FAILED' || (OPEN_STATES.includes(state) && !hasQueuedJob(facts, type, order, phoneNumber));
}

/** Decides which step of one number to retry, or undefined when none needs it or the number changed hands. */
function planRetry(order: HostingOrderRow, row: HostingOrderNumberRow, facts: OrderFacts): Plan | undefined {
  const phoneNumber = row.phone_number;
  if (order.type === 'TYPE_TEXT_ENABLE') {
    if (!facts.qualifiedInOrder.has(phoneNumber)) {
      return undefined;
    }
    if (row.osr_state !== 'DONE') {
      const isFree = !facts.hostedElsewhere.has(phoneNumber) && !facts.imported.has(phoneNumber);
      return isFree && needsRetry(row.osr_state, facts, 'osr_step', order, phoneNumber) ? { step: 'OSR_UPDATE', previousState: row.osr_state } : undefined;
    }
  }
  const imported = facts.imported.get(phoneNumber);
  if (imported === undefined || imported.hosting_order_id !== order.id || imported.sms_type !== 'PROVISIONING' || imported.sms_service_id !== row.platform_service_plan_id) {
    return undefined;
  }
  if (imported.sms_state !== 'DONE') {
    return needsRetry(imported.sms_state, facts, 'sms_step', order, phoneNumber) ? { step: 'SMS_PROVISIONING', previousState: imported.sms_state } : undefined;
  }
  const isOrderCampaign = row.campaign_id !== '' && imported.campaign_type === 'PROVISIONING' && imported.campaign_service_id === row.campaign_id;
  if (isOrderCampaign && needsRetry(imported.campaign_state, facts, 'campaign_step', order, phoneNumber)) {
    return { step: 'CAMPAIGN_LINK', previousState: imported.campaign_state };
  }
  return undefined;
}

const JOB_TYPES: Record<RetriedStep, JobType> = { OSR_UPDATE: 'osr_step', SMS_PROVISIONING: 'sms_step', CAMPAIGN_LINK: 'campaign_step' };

async function applyRetry(trx: Transaction<Database>, order: HostingOrderRow, row: HostingOrderNumberRow, facts: OrderFacts, plan: Plan, nowMs: number): Promise<void> {
  // The OSR payload has the same keys in the same order as a number step payload.
  const payload = numberStepPayload(order.project_id, row.phone_number, order.id);
  if (plan.previousState === 'FAILED') {
    await resetFailedStep(trx, order, row, facts, plan.step, nowMs);
  }
  await enqueueJob(trx, JOB_TYPES[plan.step], payload, { runAtMs: nowMs });
}

async function resetFailedStep(trx: Transaction<Database>, order: HostingOrderRow, row: HostingOrderNumberRow, facts: OrderFacts, step: RetriedStep, nowMs: number): Promise<void> {
  if (step === 'OSR_UPDATE') {
    // No imported number exists yet, so the SMS and campaign steps start over with the OSR update.
    await updateOrderNumber(trx, row, {
      osr_state: 'WAITING',
      platform_state: 'WAITING',
      campaign_state: row.campaign_id === '' ? 'STATE_UNSPECIFIED' : 'WAITING',
      carriers: '{}',
      failure_code: '',
      updated_ms: nowMs,
    });
  } else {
    const imported = facts.imported.get(row.phone_number) as ImportedNumberRow;
    const states = await resetImportedNumber(trx, imported, step, nowMs);
    await updateOrderNumber(trx, row, {
      platform_state: states.smsState,
      campaign_state: states.campaignState,
      carriers: JSON.stringify(withoutOperation(states.carriers)),
      failure_code: '',
      updated_ms: nowMs,
    });
  }
  await trx
    .updateTable('qualified_numbers')
    .set({ state: 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS', hosted_status: 0, hosted_error: '', updated_ms: nowMs })
    .where('project_id', '=', order.project_id)
    .where('phone_number', '=', row.phone_number)
    .where('hosting_order_id', '=', order.id)
    .where('state', '=', 'GLOBAL_PROCESS_STATE_HOSTING_FAILED')
    .execute();
}

function updateOrderNumber(trx: Transaction<Database>, row: HostingOrderNumberRow, update: Partial<HostingOrderNumberRow>) {
  return trx.updateTable('hosting_order_numbers').set(update).where('hosting_order_id', '=', row.hosting_order_id).where('phone_number', '=', row.phone_number).execute();
}

interface ResetStates {
  smsState: StepState;
  campaignState: StepState;
  carriers: CarrierStates;
}

/**
 * Puts the imported number's retried step back to WAITING with its error cleared. A
 * retried SMS provisioning also takes back a campaign link that failed with it, because
 * that link was never attempted.
 */
async function resetImportedNumber(trx: Transaction<Database>, imported: ImportedNumberRow, step: RetriedStep, nowMs: number): Promise<ResetStates> {
  const update: ImportedNumberUpdate = { updated_ms: nowMs };
  let smsState = imported.sms_state as StepState;
  let campaignState = imported.campaign_state as StepState;
  let carriers = parseCarrierStates(imported.mno_configuration);
  if (step === 'SMS_PROVISIONING') {
    smsState = 'WAITING';
    Object.assign(update, { sms_state: 'WAITING', sms_error_code: '', sms_error_message: '', sms_update_ms: nowMs });
  }
  const isCampaignReset = step === 'CAMPAIGN_LINK' || (campaignState === 'FAILED' && imported.campaign_type === 'PROVISIONING');
  if (isCampaignReset) {
    campaignState = 'WAITING';
    carriers = carrierStatesAfter(carriers, 'WAITING', 'PROVISIONING', new Date(nowMs).toISOString(), undefined, { errorCode: '', errorMessage: '' });
    Object.assign(update, {
      campaign_state: 'WAITING',
      campaign_error_code: '',
      campaign_error_message: '',
      campaign_update_ms: nowMs,
      mno_configuration: JSON.stringify(carriers),
    });
  }
  await trx.updateTable('imported_numbers').set(update).where('project_id', '=', imported.project_id).where('phone_number', '=', imported.phone_number).execute();
  return { smsState, campaignState, carriers };
}

/** Carrier states as hosting order numbers store them: without the imported number's `operation`. */
function withoutOperation(carriers: CarrierStates): CarrierStates {
  const result: CarrierStates = {};
  for (const [carrier, state] of Object.entries(carriers)) {
    const { operation: _operation, ...rest } = state;
    result[carrier as keyof CarrierStates] = rest;
  }
  return result;
}

async function reopenOrder(trx: Transaction<Database>, order: HostingOrderRow, nowMs: number): Promise<void> {
  const reopened = nextHostingOrderState(order.state as HostingOrderState, 'reopen');
  if (reopened === undefined) {
    return;
  }
  await trx.updateTable('hosting_orders').set({ state: reopened, updated_ms: nowMs }).where('id', '=', order.id).where('state', '=', order.state).execute();
}
