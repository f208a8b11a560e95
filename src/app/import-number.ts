import type { FieldViolation } from '../domain/errors.js';
import { alreadyExists, invalidArgument } from '../domain/errors.js';
import { isFieldViolation, parseNanpNumber } from '../domain/phone-number.js';
import type { RegionCode } from '../domain/phone-number.js';
import { checkCallbackUrl, checkDisplayName, checkIdentifier, checkRegionCode } from '../domain/request-rules.js';
import type { components } from '../sdk/api-types.js';
import type { ImportedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { enqueueJob, numberStepPayload } from './job-payloads.js';
import { newImportedNumberRow } from './new-imported-number.js';
import { adjustImportedNumberCount } from './number-counter.js';
import { checkProjectIdField } from './project-scope.js';
import { registerSandboxCampaign, requireServicePlan } from './service-catalog.js';
import { refuseNumbersBeingTextEnabled } from './text-enable-guard.js';

export type ImportNumberRequest = components['schemas']['CreateImportedNumberRequest'];

/**
 * Imports one number (`POST /importedNumbers`) and schedules its SMS platform
 * provisioning, then its campaign link when a campaign is given.
 * `smsConfiguration.migrateToSinchTmo` is read-only there, so it is ignored.
 */
export async function importNumber(ctx: AppContext, projectId: string, body: ImportNumberRequest): Promise<ImportedNumberRow> {
  const violations: FieldViolation[] = [
    ...checkProjectIdField(body.projectId, projectId),
    ...checkRegionCode(body.regionCode),
    ...checkDisplayName(body.displayName),
    ...checkCallbackUrl(body.callbackUrl, 'callbackUrl', ctx.config.mode === 'production', (host) => ctx.callbackSender.refusedHostReason?.(host)),
    ...checkIdentifier(body.smsConfiguration?.servicePlanId, 'smsConfiguration.servicePlanId', false),
  ];
  const campaignId = body.smsConfiguration?.campaignId ?? '';
  violations.push(...checkIdentifier(campaignId, 'smsConfiguration.campaignId', true));
  const regionCode = violations.some((v) => v.field === 'regionCode') ? undefined : (body.regionCode as RegionCode);
  const parsed = parseNanpNumber(body.phoneNumber, 'phoneNumber', regionCode);
  if (isFieldViolation(parsed)) {
    violations.push(parsed);
  }
  if (violations.length > 0 || isFieldViolation(parsed)) {
    throw invalidArgument(violations);
  }

  const servicePlanId = body.smsConfiguration?.servicePlanId as string;
  const nowMs = ctx.clock.now();
  const row = newImportedNumberRow({
    projectId,
    phoneNumber: parsed.e164,
    regionCode: body.regionCode as string,
    displayName: body.displayName ?? '',
    callbackUrl: body.callbackUrl === undefined || body.callbackUrl === '' ? null : body.callbackUrl,
    servicePlanId,
    campaignId,
    migrateToSinchTmo: false,
    isTollFree: parsed.isTollFree,
    hostingOrderId: null,
    nowMs,
  });

  try {
    await ctx.storage.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('imported_numbers')
        .select('phone_number')
        .where('project_id', '=', projectId)
        .where('phone_number', '=', parsed.e164)
        .executeTakeFirst();
      if (existing !== undefined) {
        throw alreadyExists(`${parsed.e164} is already imported in project ${projectId}. Update it with PATCH, or delete it first.`);
      }
      await refuseNumbersBeingTextEnabled(trx, projectId, [parsed.e164]);
      await requireServicePlan(trx, ctx, projectId, servicePlanId, 'smsConfiguration.servicePlanId');
      await registerSandboxCampaign(trx, ctx, projectId, campaignId);
      await trx.insertInto('imported_numbers').values(row).execute();
      await adjustImportedNumberCount(trx, projectId, 1);
      await enqueueJob(trx, 'sms_step', numberStepPayload(projectId, parsed.e164, null), { runAtMs: nowMs });
    });
  } catch (error) {
    if (ctx.storage.dialect.isUniqueViolation(error)) {
      throw alreadyExists(`${parsed.e164} is already imported in project ${projectId}. Update it with PATCH, or delete it first.`);
    }
    throw error;
  }
  ctx.logger.info({ projectId, phoneNumber: parsed.e164 }, 'number imported');
  ctx.wakeWorker();
  return row as ImportedNumberRow;
}
