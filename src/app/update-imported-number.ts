import type { Transaction } from 'kysely';
import type { FieldViolation } from '../domain/errors.js';
import { describeValue, failedPrecondition, invalidArgument } from '../domain/errors.js';
import { SKIPPED_CAMPAIGN_ERROR_CODE, hasStepInFlight, nextNumberStep } from '../domain/number-steps.js';
import { checkCallbackUrl, checkDisplayName, checkIdentifier } from '../domain/request-rules.js';
import type { StepState } from '../domain/states.js';
import type { components } from '../sdk/api-types.js';
import type { Database, ImportedNumberRow, ImportedNumberUpdate } from '../storage/schema.js';
import { UNFINISHED_HOSTING_ORDER_STATES } from '../domain/states.js';
import type { AppContext } from './context.js';
import { getImportedNumber } from './get-imported-number.js';
import { enqueueJob, numberStepPayload } from './job-payloads.js';
import { checkProjectIdField } from './project-scope.js';
import { carrierStatesAfter } from './run-number-step.js';
import { registerSandboxCampaign, requireServicePlan } from './service-catalog.js';
import { parseCarrierStates } from './views.js';

export type UpdateImportedNumberRequest = components['schemas']['ImportedNumber'];

function checkRequest(
  body: UpdateImportedNumberRequest,
  row: ImportedNumberRow,
  isHttpsRequired: boolean,
  refusedHostReason: (hostname: string) => string | undefined,
): FieldViolation[] {
  const violations: FieldViolation[] = [
    ...checkProjectIdField(body.projectId, row.project_id),
    ...checkDisplayName(body.displayName),
    ...checkCallbackUrl(body.callbackUrl, 'callbackUrl', isHttpsRequired, refusedHostReason),
  ];
  if (body.phoneNumber !== undefined && body.phoneNumber !== '' && body.phoneNumber !== row.phone_number) {
    violations.push({
      field: 'phoneNumber',
      description: `${describeValue(body.phoneNumber)} differs from the number in the path (${row.phone_number}); a number cannot be renamed. Omit the field.`,
    });
  }
  if (body.regionCode !== undefined && body.regionCode !== '' && body.regionCode !== row.region_code) {
    violations.push({
      field: 'regionCode',
      description: `${describeValue(body.regionCode)} differs from the number's region ${row.region_code}; the region cannot be changed. Omit the field.`,
    });
  }
  const sms = body.smsConfiguration;
  if (sms?.servicePlanId !== undefined) {
    violations.push(...checkIdentifier(sms.servicePlanId, 'smsConfiguration.servicePlanId', true));
  }
  if (sms?.campaignId !== undefined) {
    violations.push(...checkIdentifier(sms.campaignId, 'smsConfiguration.campaignId', true));
  }
  return violations;
}

function isLinkActive(id: string, type: string, state: string): boolean {
  return id !== '' && !(type === 'PROVISIONING' && state === 'FAILED');
}

/**
 * True when sending the current value again retries a failed operation: the id after a
 * failed link, or "" after a failed unlink. "" after a failed link changes nothing.
 */
function isRetryOf(value: string, type: string, state: string): boolean {
  return state === 'FAILED' && (value === '' ? type === 'DEPROVISIONING' : type === 'PROVISIONING');
}

/** Returns true after a failed unlink, which leaves the number linked to the old service with its id already cleared. */
function isUnlinkFailed(type: string, state: string): boolean {
  return type === 'DEPROVISIONING' && state === 'FAILED';
}

function refuseInFlight(row: ImportedNumberRow, field: string, state: string): void {
  if (state === 'WAITING' || state === 'IN_PROGRESS') {
    throw failedPrecondition(
      field,
      `${row.phone_number} has a ${field === 'smsConfiguration.campaignId' ? 'campaign' : 'service plan'} operation ${state}; wait until it ends (GET the number to follow it), then retry.`,
    );
  }
}

/** Plans the campaign change of a PATCH and returns the columns to write. */
function planCampaignChange(row: ImportedNumberRow, campaignId: string | undefined, finalPlanId: string, nowIso: string): ImportedNumberUpdate {
  const field = 'smsConfiguration.campaignId';
  if (campaignId === undefined) {
    return {};
  }
  const carriers = parseCarrierStates(row.mno_configuration);
  const noError = { errorCode: '', errorMessage: '' };
  const isLinked = isLinkActive(row.campaign_id, row.campaign_type, row.campaign_state);
  if (campaignId === row.campaign_id) {
    if (!isRetryOf(campaignId, row.campaign_type, row.campaign_state)) {
      return {};
    }
    // The same value after a failed link or unlink retries that operation.
    return {
      campaign_state: 'WAITING',
      campaign_error_code: '',
      campaign_error_message: '',
      mno_configuration: JSON.stringify(carrierStatesAfter(carriers, 'WAITING', row.campaign_type, nowIso, undefined, noError)),
    };
  }
  if (isUnlinkFailed(row.campaign_type, row.campaign_state)) {
    throw failedPrecondition(
      field,
      `Unlinking ${row.phone_number} from campaign ${row.campaign_service_id} failed, so it is still linked. Retry the unlink with campaignId "" first.`,
    );
  }
  refuseInFlight(row, field, row.campaign_state);
  if (campaignId === '') {
    if (!isLinked) {
      return { campaign_id: '' };
    }
    return {
      campaign_id: '',
      campaign_type: 'DEPROVISIONING',
      campaign_state: 'WAITING',
      campaign_error_code: '',
      campaign_error_message: '',
      mno_configuration: JSON.stringify(carrierStatesAfter(carriers, 'WAITING', 'DEPROVISIONING', nowIso, undefined, noError)),
    };
  }
  if (isLinked) {
    throw failedPrecondition(
      field,
      `${row.phone_number} is linked to campaign ${row.campaign_id}. Unlink it first by setting campaignId to "", then link ${campaignId} in a separate request.`,
    );
  }
  if (finalPlanId === '') {
    throw failedPrecondition(field, `${row.phone_number} is not linked to a service plan; a campaign link needs one. Set smsConfiguration.servicePlanId too.`);
  }
  return {
    campaign_id: campaignId,
    campaign_service_id: campaignId,
    campaign_type: 'PROVISIONING',
    campaign_state: 'WAITING',
    campaign_error_code: '',
    campaign_error_message: '',
    mno_configuration: JSON.stringify(carrierStatesAfter(carriers, 'WAITING', 'PROVISIONING', nowIso, undefined, noError)),
  };
}

/** Plans the service plan change of a PATCH and returns the columns to write. */
function planServicePlanChange(
  row: ImportedNumberRow,
  servicePlanId: string | undefined,
  campaignStillLinked: string | undefined,
  nowIso: string,
): ImportedNumberUpdate {
  const field = 'smsConfiguration.servicePlanId';
  if (servicePlanId === undefined) {
    return {};
  }
  const isLinked = isLinkActive(row.service_plan_id, row.sms_type, row.sms_state);
  if (servicePlanId === row.service_plan_id) {
    if (!isRetryOf(servicePlanId, row.sms_type, row.sms_state)) {
      return {};
    }
    if (row.sms_type === 'DEPROVISIONING' && campaignStillLinked !== undefined) {
      throw failedPrecondition(field, `${row.phone_number} is still linked to campaign ${campaignStillLinked}. Unlink the campaign first.`);
    }
    // The same value after a failed link or unlink retries it, and with a link also the
    // campaign link that was skipped because of it.
    return { sms_state: 'WAITING', sms_error_code: '', sms_error_message: '', ...resetSkippedCampaign(row, nowIso) };
  }
  if (isUnlinkFailed(row.sms_type, row.sms_state)) {
    throw failedPrecondition(
      field,
      `Unlinking ${row.phone_number} from service plan ${row.sms_service_id} failed, so it is still linked. Retry the unlink with servicePlanId "" first.`,
    );
  }
  refuseInFlight(row, field, row.sms_state);
  if (servicePlanId === '') {
    if (campaignStillLinked !== undefined) {
      throw failedPrecondition(
        field,
        `${row.phone_number} is still linked to campaign ${campaignStillLinked}. Unlink the campaign first, or set campaignId to "" in the same request.`,
      );
    }
    if (!isLinked) {
      return { service_plan_id: '' };
    }
    return { service_plan_id: '', sms_type: 'DEPROVISIONING', sms_state: 'WAITING', sms_error_code: '', sms_error_message: '' };
  }
  if (isLinked) {
    throw failedPrecondition(
      field,
      `${row.phone_number} is linked to service plan ${row.service_plan_id}. Unlink it first by setting servicePlanId to "", then link ${servicePlanId} in a separate request.`,
    );
  }
  return {
    service_plan_id: servicePlanId,
    sms_service_id: servicePlanId,
    sms_type: 'PROVISIONING',
    sms_state: 'WAITING',
    sms_error_code: '',
    sms_error_message: '',
  };
}

/** Returns the columns that put a campaign link, skipped after a failed SMS link, back to WAITING. */
function resetSkippedCampaign(row: ImportedNumberRow, nowIso: string): ImportedNumberUpdate {
  const isSkipped =
    row.sms_type === 'PROVISIONING' &&
    row.campaign_type === 'PROVISIONING' &&
    row.campaign_state === 'FAILED' &&
    row.campaign_error_code === SKIPPED_CAMPAIGN_ERROR_CODE;
  if (!isSkipped) {
    return {};
  }
  const noError = { errorCode: '', errorMessage: '' };
  return {
    campaign_state: 'WAITING',
    campaign_error_code: '',
    campaign_error_message: '',
    mno_configuration: JSON.stringify(
      carrierStatesAfter(parseCarrierStates(row.mno_configuration), 'WAITING', 'PROVISIONING', nowIso, undefined, noError),
    ),
  };
}

async function refuseWhileOrderUnfinished(trx: Transaction<Database>, row: ImportedNumberRow): Promise<void> {
  if (row.hosting_order_id === null) {
    return;
  }
  const order = await trx.selectFrom('hosting_orders').select('state').where('id', '=', row.hosting_order_id).executeTakeFirst();
  if (order !== undefined && UNFINISHED_HOSTING_ORDER_STATES.includes(order.state)) {
    throw failedPrecondition(
      'smsConfiguration',
      `${row.phone_number} belongs to hosting order ${row.hosting_order_id}, which is ${order.state}. Change its links after the order completes.`,
    );
  }
}

/**
 * Applies a PATCH as a merge of the fields given. An empty id unlinks. A different id
 * while one is linked is rejected, because a number must be unlinked before it is
 * relinked. The same value again changes nothing, unless it retries a failed link or unlink.
 */
export async function updateImportedNumber(
  ctx: AppContext,
  projectId: string,
  phoneNumber: string,
  body: UpdateImportedNumberRequest,
): Promise<ImportedNumberRow> {
  const current = await getImportedNumber(ctx, projectId, phoneNumber);
  const violations = checkRequest(body, current, ctx.config.mode === 'production', (host) => ctx.callbackSender.refusedHostReason?.(host));
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
  const updated = await ctx.storage.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('imported_numbers')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      .executeTakeFirstOrThrow();
    const nowMs = ctx.clock.now();
    const sms = body.smsConfiguration;
    const update: ImportedNumberUpdate = {};
    if (body.displayName !== undefined) update.display_name = body.displayName;
    if (body.callbackUrl !== undefined) update.callback_url = body.callbackUrl === '' ? null : body.callbackUrl;

    if (sms?.servicePlanId !== undefined || sms?.campaignId !== undefined) {
      await refuseWhileOrderUnfinished(trx, row);
    }
    const nowIso = new Date(nowMs).toISOString();
    const finalPlanId = sms?.servicePlanId ?? row.service_plan_id;
    const campaignUpdate = planCampaignChange(row, sms?.campaignId, finalPlanId, nowIso);
    const finalCampaignId = (campaignUpdate.campaign_id ?? row.campaign_id) as string;
    const isCampaignUnlinkStillFailed = isUnlinkFailed(row.campaign_type, row.campaign_state) && campaignUpdate.campaign_state !== 'WAITING';
    let campaignStillLinked: string | undefined;
    if (finalCampaignId !== '') {
      campaignStillLinked = finalCampaignId;
    } else if (isCampaignUnlinkStillFailed) {
      campaignStillLinked = row.campaign_service_id;
    }
    const planUpdate = planServicePlanChange(row, sms?.servicePlanId, campaignStillLinked, nowIso);
    if (planUpdate.sms_state === 'WAITING' && sms?.servicePlanId !== undefined && sms.servicePlanId !== '') {
      await requireServicePlan(trx, ctx, projectId, sms.servicePlanId, 'smsConfiguration.servicePlanId');
    }
    if (campaignUpdate.campaign_state === 'WAITING' && sms?.campaignId !== undefined) {
      await registerSandboxCampaign(trx, ctx, projectId, sms.campaignId);
    }
    Object.assign(update, campaignUpdate, planUpdate);
    if (campaignUpdate.campaign_state !== undefined) update.campaign_update_ms = nowMs;
    if (planUpdate.sms_state !== undefined) update.sms_update_ms = nowMs;
    if (Object.keys(update).length === 0) {
      return row;
    }
    update.updated_ms = nowMs;

    const result = await trx
      .updateTable('imported_numbers')
      .set(update)
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      // Compare-and-set on every column the plan was made from, so a concurrent PATCH or
      // step that changed any of them makes this one fail instead of overwriting it.
      .where('sms_state', '=', row.sms_state)
      .where('sms_type', '=', row.sms_type)
      .where('service_plan_id', '=', row.service_plan_id)
      .where('campaign_state', '=', row.campaign_state)
      .where('campaign_type', '=', row.campaign_type)
      .where('campaign_id', '=', row.campaign_id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      throw failedPrecondition('smsConfiguration', `${phoneNumber} changed while this request ran; GET it and retry.`);
    }
    const next = { ...row, ...update } as ImportedNumberRow;
    const states = {
      smsType: next.sms_type,
      smsState: next.sms_state as StepState,
      campaignType: next.campaign_type,
      campaignState: next.campaign_state as StepState,
    };
    const step = nextNumberStep(states);
    const wasIdle = !hasStepInFlight({
      smsType: row.sms_type,
      smsState: row.sms_state as StepState,
      campaignType: row.campaign_type,
      campaignState: row.campaign_state as StepState,
    });
    if (step !== undefined && wasIdle) {
      const payload = numberStepPayload(projectId, phoneNumber, null);
      await enqueueJob(trx, step === 'sms' ? 'sms_step' : 'campaign_step', payload, { runAtMs: nowMs });
    }
    return next;
  });
  ctx.wakeWorker();
  return updated;
}
