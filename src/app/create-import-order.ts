import type { FieldViolation } from '../domain/errors.js';
import { alreadyExists, invalidArgument } from '../domain/errors.js';
import type { RegionCode } from '../domain/phone-number.js';
import { checkCallbackUrl, checkDisplayName, checkIdentifier, checkNumberList, checkRegionCode } from '../domain/request-rules.js';
import type { components } from '../sdk/api-types.js';
import type { HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import { enqueueJob } from './job-payloads.js';
import { newImportedNumberRow } from './new-imported-number.js';
import { adjustImportedNumberCount } from './number-counter.js';
import { checkProjectIdField } from './project-scope.js';
import { registerSandboxCampaign, requireServicePlan } from './service-catalog.js';
import { refuseNumbersBeingTextEnabled } from './text-enable-guard.js';
import { newOrderNumberRows } from './new-order-numbers.js';

export type ImportNumbersRequest = components['schemas']['ImportNumbersRequest'];

async function importOrderLimit(ctx: AppContext, projectId: string): Promise<number> {
  const project = await ctx.storage.db.selectFrom('projects').select('import_order_limit').where('id', '=', projectId).executeTakeFirst();
  return project?.import_order_limit ?? ctx.config.importOrderLimit;
}

/**
 * Creates an IMPORT hosting order (`hostingOrders:importNumbers`): the numbers become
 * imported numbers at once, each with its SMS platform and campaign steps WAITING, and
 * the order starts in the background. The numbers already use the hosting NNID, so
 * their OSR step is DONE from the start.
 */
export async function createImportOrder(ctx: AppContext, projectId: string, body: ImportNumbersRequest): Promise<HostingOrderRow> {
  const limit = await importOrderLimit(ctx, projectId);
  const campaignId = body.campaignId ?? '';
  const violations: FieldViolation[] = [
    ...checkProjectIdField(body.projectId, projectId),
    ...checkRegionCode(body.regionCode),
    ...checkDisplayName(body.displayName),
    ...checkCallbackUrl(body.callbackUrl, 'callbackUrl', ctx.config.mode === 'production', (host) => ctx.callbackSender.refusedHostReason?.(host)),
    ...checkIdentifier(body.servicePlanId, 'servicePlanId', false),
    ...checkIdentifier(campaignId, 'campaignId', true),
  ];
  const regionCode = violations.some((v) => v.field === 'regionCode') ? undefined : (body.regionCode as RegionCode);
  const limitHint = `Split the numbers over several orders, or ask the operator to raise this project's import limit.`;
  const { numbers, violations: numberViolations } = checkNumberList(body.numbers, 'numbers', regionCode, limit, limitHint);
  violations.push(...numberViolations);
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }

  const hostingOrderId = newId();
  const nowMs = ctx.clock.now();
  const callbackUrl = body.callbackUrl === undefined || body.callbackUrl === '' ? null : body.callbackUrl;
  const order: HostingOrderRow = {
    id: hostingOrderId,
    project_id: projectId,
    type: 'IMPORT',
    state: 'SUBMITTED',
    display_name: body.displayName ?? '',
    region_code: body.regionCode,
    service_plan_id: body.servicePlanId,
    campaign_id: campaignId,
    callback_url: callbackUrl,
    migrate_to_sinch_tmo: body.migrateToSinchTmo === true ? 1 : 0,
    nnid: ctx.config.providerNnid,
    scheduled_osr_update_ms: null,
    text_enable_info: null,
    number_count: numbers.length,
    is_toll_free: 0,
    rejection_reason: '',
    created_ms: nowMs,
    updated_ms: nowMs,
  };

  try {
    await ctx.storage.db.transaction().execute(async (trx) => {
      const taken = await trx
        .selectFrom('imported_numbers')
        .select('phone_number')
        .where('project_id', '=', projectId)
        .where(
          'phone_number',
          'in',
          numbers.map((number) => number.e164),
        )
        .execute();
      if (taken.length > 0) {
        const list = taken.map((row) => row.phone_number).join(', ');
        throw alreadyExists(`Already imported in project ${projectId}: ${list}. Remove these numbers from the order, or delete them first.`);
      }
      await refuseNumbersBeingTextEnabled(
        trx,
        projectId,
        numbers.map((number) => number.e164),
      );
      await requireServicePlan(trx, ctx, projectId, body.servicePlanId, 'servicePlanId');
      await registerSandboxCampaign(trx, ctx, projectId, campaignId);
      await trx.insertInto('hosting_orders').values(order).execute();
      await trx
        .insertInto('hosting_order_numbers')
        .values(
          newOrderNumberRows({
            hostingOrderId,
            projectId,
            phoneNumbers: numbers.map((number) => number.e164),
            nnid: ctx.config.providerNnid,
            osrState: 'DONE',
            servicePlanId: body.servicePlanId,
            campaignId,
            nowMs,
          }),
        )
        .execute();
      await trx
        .insertInto('imported_numbers')
        .values(
          numbers.map((number) =>
            newImportedNumberRow({
              projectId,
              phoneNumber: number.e164,
              regionCode: body.regionCode,
              displayName: body.displayName ?? '',
              callbackUrl,
              servicePlanId: body.servicePlanId,
              campaignId,
              migrateToSinchTmo: body.migrateToSinchTmo === true,
              isTollFree: number.isTollFree,
              hostingOrderId,
              nowMs,
            }),
          ),
        )
        .execute();
      await adjustImportedNumberCount(trx, projectId, numbers.length);
      await enqueueJob(trx, 'start_hosting_order', { hostingOrderId }, { runAtMs: nowMs });
    });
  } catch (error) {
    if (ctx.storage.dialect.isUniqueViolation(error)) {
      throw alreadyExists(`One of the numbers was imported in project ${projectId} while this order was created. List importedNumbers and retry without it.`);
    }
    throw error;
  }
  ctx.logger.info({ projectId, hostingOrderId, numberCount: numbers.length }, 'import order created');
  ctx.wakeWorker();
  return order;
}
