import type { FieldViolation } from '../domain/errors.js';
import { ApiError, MAX_LISTED_VIOLATIONS, alreadyExists, failedPrecondition, invalidArgument } from '../domain/errors.js';
import type { LoaInfo, LoaKind } from '../domain/loa-rules.js';
import { checkLoaInfo, checkNnid, checkScheduledTime } from '../domain/loa-rules.js';
import type { RegionCode } from '../domain/phone-number.js';
import { MAX_NUMBERS_PER_TEXT_ENABLE, shortStateName } from '../domain/qualification.js';
import { checkCallbackUrl, checkDisplayName, checkIdentifier, checkNumberList, checkRegionCode } from '../domain/request-rules.js';
import type { Transaction } from 'kysely';
import type { Database, HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import { enqueueJob } from './job-payloads.js';
import { checkProjectIdField } from './project-scope.js';
import { registerSandboxCampaign, requireServicePlan } from './service-catalog.js';
import { newOrderNumberRows } from './new-order-numbers.js';

export type TextEnableKind = 'standard' | 'tollFree';

/** The spec's `TextEnableInfo`, stored with the order and shown on it. */
export interface TextEnableInfo {
  businessName?: string;
  authorisedPerson?: { firstName: string; lastName: string; email: string };
  address?: { buildingNumber: string; street: string; city: string; state: string; postalCode: string; country: string };
  serviceProvider: string;
  currentVoiceCarrier?: string;
  nnid: string;
  loaType?: 'Direct' | 'Reseller';
}

const STANDARD_LOA_KINDS: readonly LoaKind[] = ['directLoaInfo', 'resellerLoaInfo', 'blanketLoaInfo'];
const TOLL_FREE_LOA_KINDS: readonly LoaKind[] = ['directLoaInfo', 'resellerLoaInfo'];

function textEnableInfo(loa: LoaInfo, providerName: string, nnid: string): TextEnableInfo {
  if (loa.kind === 'BLANKET') {
    return { serviceProvider: providerName, nnid };
  }
  return {
    ...(loa.kind === 'RESELLER' ? { businessName: loa.businessName } : {}),
    authorisedPerson: loa.authorisedPerson,
    address: loa.address,
    serviceProvider: providerName,
    currentVoiceCarrier: loa.currentVoiceCarrier,
    nnid,
    loaType: loa.kind === 'DIRECT' ? 'Direct' : 'Reseller',
  };
}

/** Numbers of the list that another project has imported or is text-enabling. */
export async function hostedByOtherProjects(trx: Transaction<Database>, projectId: string, phoneNumbers: readonly string[]): Promise<string[]> {
  const imported = await trx
    .selectFrom('imported_numbers')
    .select('phone_number')
    .where('project_id', '!=', projectId)
    .where('phone_number', 'in', phoneNumbers)
    .execute();
  const hosting = await trx
    .selectFrom('qualified_numbers')
    .select('phone_number')
    .where('project_id', '!=', projectId)
    .where('phone_number', 'in', phoneNumbers)
    .where('state', 'in', ['GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS', 'GLOBAL_PROCESS_STATE_HOSTING_DONE'])
    .execute();
  return [...new Set([...imported, ...hosting].map((row) => row.phone_number))];
}

/** Parses the stored `TextEnableInfo` of a text-enable order. */
export function parseTextEnableInfo(order: HostingOrderRow): TextEnableInfo {
  return JSON.parse(order.text_enable_info ?? '{}') as TextEnableInfo;
}

/**
 * Creates a text-enable hosting order (the four text-enable operations). Every number
 * must be a VERIFIED qualified number of the project, standard numbers on the standard
 * operations and toll-free ones on the toll-free operations. The numbers become
 * HOSTING_IN_PROGRESS, and a job writes the LOA and mails the signing link (or, with a
 * blanket LOA, starts the carrier steps). Nothing is written unless every check passes.
 */
export async function textEnableNumbers(
  ctx: AppContext,
  projectId: string,
  body: Record<string, unknown>,
  kind: TextEnableKind,
): Promise<HostingOrderRow> {
  const isTollFree = kind === 'tollFree';
  const nowMs = ctx.clock.now();
  const campaignId = isTollFree ? '' : (body.campaignId ?? '');
  const nnid = isTollFree || body.nnid === undefined || body.nnid === '' ? ctx.config.providerNnid : body.nnid;
  const violations: FieldViolation[] = [
    ...checkProjectIdField(body.projectId, projectId),
    ...checkRegionCode(body.regionCode),
    ...checkDisplayName(body.displayName),
    ...checkCallbackUrl(body.callbackUrl, 'callbackUrl', ctx.config.mode === 'production', (host) => ctx.callbackSender.refusedHostReason?.(host)),
    ...checkIdentifier(body.servicePlanId, 'servicePlanId', false),
    ...checkIdentifier(campaignId, 'campaignId', true),
    ...(isTollFree ? [] : checkNnid(body.nnid)),
  ];
  const scheduleField = isTollFree ? 'scheduledZipwhipProvisioningTime' : 'scheduledOsrUpdateTime';
  const scheduledMs = checkScheduledTime(body[scheduleField], scheduleField, nowMs, violations);
  const regionCode = violations.some((v) => v.field === 'regionCode') ? undefined : (body.regionCode as RegionCode);
  const hint = 'Split the numbers over several text-enable requests.';
  const { numbers, violations: numberViolations } = checkNumberList(body.numbers, 'numbers', regionCode, MAX_NUMBERS_PER_TEXT_ENABLE, hint);
  violations.push(...numberViolations);
  numbers.forEach((number) => {
    if (number.isTollFree !== isTollFree) {
      const index = (body.numbers as unknown[]).indexOf(number.e164);
      violations.push({
        field: `numbers[${index}]`,
        description: isTollFree
          ? `${number.e164} is not a toll-free number; text-enable it with textEnableNumbers.`
          : `${number.e164} is toll-free; text-enable it with textEnableTollFreeNumbers.`,
      });
    }
  });
  const loa = checkLoaInfo(body, isTollFree ? TOLL_FREE_LOA_KINDS : STANDARD_LOA_KINDS, violations);
  if (violations.length > 0 || loa === undefined) {
    throw invalidArgument(violations);
  }

  const hostingOrderId = newId();
  const callbackUrl = typeof body.callbackUrl === 'string' && body.callbackUrl !== '' ? body.callbackUrl : null;
  const servicePlanId = body.servicePlanId as string;
  const order: HostingOrderRow = {
    id: hostingOrderId,
    project_id: projectId,
    type: 'TYPE_TEXT_ENABLE',
    state: 'SUBMITTED',
    display_name: typeof body.displayName === 'string' ? body.displayName : '',
    region_code: body.regionCode as string,
    service_plan_id: servicePlanId,
    campaign_id: campaignId as string,
    callback_url: callbackUrl,
    migrate_to_sinch_tmo: 0,
    nnid: nnid as string,
    scheduled_osr_update_ms: scheduledMs,
    text_enable_info: JSON.stringify(textEnableInfo(loa, ctx.config.providerName, nnid as string)),
    number_count: numbers.length,
    is_toll_free: isTollFree ? 1 : 0,
    rejection_reason: '',
    created_ms: nowMs,
    updated_ms: nowMs,
  };
  const e164s = numbers.map((number) => number.e164);

  await ctx.storage.db.transaction().execute(async (trx) => {
    if (loa.kind === 'BLANKET') {
      const project = await trx.selectFrom('projects').select('is_blanket_loa_approved').where('id', '=', projectId).executeTakeFirst();
      if (project?.is_blanket_loa_approved !== 1) {
        throw failedPrecondition(
          'blanketLoaInfo',
          `Project ${projectId} has no approved blanket LOA. Send directLoaInfo or resellerLoaInfo, or ask the operator to approve a blanket LOA for the project.`,
        );
      }
    }
    const imported = await trx
      .selectFrom('imported_numbers')
      .select('phone_number')
      .where('project_id', '=', projectId)
      .where('phone_number', 'in', e164s)
      .execute();
    if (imported.length > 0) {
      const list = imported.map((row) => row.phone_number).join(', ');
      throw alreadyExists(`Already imported in project ${projectId}: ${list}. Remove these numbers from the request; they need no text-enablement.`);
    }
    const elsewhere = await hostedByOtherProjects(trx, projectId, e164s);
    if (elsewhere.length > 0) {
      const violations = elsewhere.map((e164) => ({
        field: `numbers[${e164s.indexOf(e164)}]`,
        description: `${e164} is already hosted, or being text-enabled, by another project of this service.`,
      }));
      throw new ApiError('FAILED_PRECONDITION', `${violations[0]?.description} A number can be hosted by one project only.`, {
        fieldViolations: violations.slice(0, MAX_LISTED_VIOLATIONS),
      });
    }
    const qualified = await trx
      .selectFrom('qualified_numbers')
      .select(['phone_number', 'state'])
      .where('project_id', '=', projectId)
      .where('phone_number', 'in', e164s)
      .execute();
    const stateByNumber = new Map(qualified.map((row) => [row.phone_number, row.state]));
    const refused: FieldViolation[] = [];
    e164s.forEach((e164, index) => {
      const state = stateByNumber.get(e164);
      if (state === undefined) {
        refused.push({ field: `numbers[${index}]`, description: `${e164} is not a qualified number of this project; add it with qualifiedNumbers:addNumbers and verify it.` });
      } else if (state !== 'GLOBAL_PROCESS_STATE_VERIFIED') {
        refused.push({ field: `numbers[${index}]`, description: `${e164} is ${shortStateName(state)}; only VERIFIED numbers can be text-enabled.` });
      }
    });
    if (refused.length > 0) {
      const message = `${refused.length} of ${e164s.length} numbers cannot be text-enabled: ${refused[0]?.description}${refused.length > 1 ? ' (see details for the rest)' : ''}`;
      const listed =
        refused.length > MAX_LISTED_VIOLATIONS
          ? [...refused.slice(0, MAX_LISTED_VIOLATIONS), { field: '(request)', description: `${refused.length - MAX_LISTED_VIOLATIONS} more rejected numbers are not listed.` }]
          : refused;
      throw new ApiError('FAILED_PRECONDITION', message, { fieldViolations: listed });
    }
    await requireServicePlan(trx, ctx, projectId, servicePlanId, 'servicePlanId');
    await registerSandboxCampaign(trx, ctx, projectId, campaignId as string);
    const claimed = await trx
      .updateTable('qualified_numbers')
      .set({ state: 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS', hosting_order_id: hostingOrderId, hosted_status: 0, hosted_error: '', updated_ms: nowMs })
      .where('project_id', '=', projectId)
      .where('phone_number', 'in', e164s)
      .where('state', '=', 'GLOBAL_PROCESS_STATE_VERIFIED')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== e164s.length) {
      throw failedPrecondition('numbers', 'Some of the numbers changed state while the order was created (another text-enable request?). List the qualified numbers and retry.');
    }
    await trx.insertInto('hosting_orders').values(order).execute();
    await trx
      .insertInto('hosting_order_numbers')
      .values(
        newOrderNumberRows({
          hostingOrderId,
          projectId,
          phoneNumbers: e164s,
          nnid: nnid as string,
          osrState: 'WAITING',
          servicePlanId,
          campaignId: campaignId as string,
          nowMs,
        }),
      )
      .execute();
    await enqueueJob(trx, 'prepare_loa', { hostingOrderId }, { runAtMs: nowMs });
  });
  ctx.logger.info({ projectId, hostingOrderId, numberCount: e164s.length, loaType: loa.kind, isTollFree }, 'text-enable order created');
  ctx.wakeWorker();
  return order;
}
