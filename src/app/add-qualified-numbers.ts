import { invalidArgument } from '../domain/errors.js';
import { MAX_NUMBERS_PER_QUALIFICATION } from '../domain/qualification.js';
import { numberingRegion } from '../domain/phone-number.js';
import { checkNumberList } from '../domain/request-rules.js';
import type { QualifiedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { enqueueJob } from './job-payloads.js';

export interface AddQualifiedNumbersRequest {
  phoneNumbers?: unknown;
}

/**
 * Adds numbers to qualify (`qualifiedNumbers:addNumbers`). Each new number starts
 * ELIGIBLE_CHECK_PENDING and the eligibility check runs as a job. A number already
 * qualified in the project is returned as it is, so the request can be repeated.
 */
export async function addQualifiedNumbers(ctx: AppContext, projectId: string, body: AddQualifiedNumbersRequest): Promise<QualifiedNumberRow[]> {
  const hint = 'Split the numbers over several requests.';
  const { numbers, violations } = checkNumberList(body.phoneNumbers, 'phoneNumbers', undefined, MAX_NUMBERS_PER_QUALIFICATION, hint);
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
  const e164s = numbers.map((number) => number.e164);
  const rows = await ctx.storage.db.transaction().execute(async (trx) => {
    const nowMs = ctx.clock.now();
    const existing = await trx
      .selectFrom('qualified_numbers')
      .select('phone_number')
      .where('project_id', '=', projectId)
      .where('phone_number', 'in', e164s)
      .execute();
    const known = new Set(existing.map((row) => row.phone_number));
    const fresh = numbers.filter((number) => !known.has(number.e164));
    if (fresh.length > 0) {
      const memories = await trx
        .selectFrom('verification_memory')
        .selectAll()
        .where('project_id', '=', projectId)
        .where(
          'phone_number',
          'in',
          fresh.map((number) => number.e164),
        )
        .execute();
      const memoryByNumber = new Map(memories.map((memory) => [memory.phone_number, memory]));
      // Only rows this request inserted get a check: a parallel request that added the
      // same number first has queued its own.
      const inserted = await trx
        .insertInto('qualified_numbers')
        .values(
          fresh.map((number) => ({
            project_id: projectId,
            phone_number: number.e164,
            region_code: numberingRegion(number.e164) ?? '',
            is_toll_free: number.isTollFree ? 1 : 0,
            state: 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING',
            osr_eligibility_status: 'IN_PROGRESS',
            osr_eligibility_error: '',
            ownership_status: 'STATE_UNSPECIFIED',
            ownership_error: '',
            hosted_status: 0,
            hosted_error: '',
            hosting_order_id: null,
            wrong_code_count: memoryByNumber.get(number.e164)?.wrong_code_count ?? 0,
            challenge_code_hash: null,
            challenge_expires_ms: null,
            last_call_ms: memoryByNumber.get(number.e164)?.last_call_ms ?? null,
            created_ms: nowMs,
            updated_ms: nowMs,
          })),
        )
        .onConflict((conflict) => conflict.columns(['project_id', 'phone_number']).doNothing())
        .returning('phone_number')
        .execute();
      if (memories.length > 0) {
        await trx
          .deleteFrom('verification_memory')
          .where('project_id', '=', projectId)
          .where(
            'phone_number',
            'in',
            inserted.map((row) => row.phone_number),
          )
          .execute();
      }
      for (const row of inserted) {
        await enqueueJob(trx, 'check_eligibility', { projectId, phoneNumber: row.phone_number }, { runAtMs: nowMs + ctx.config.eligibilityDelayMs });
      }
    }
    return trx.selectFrom('qualified_numbers').selectAll().where('project_id', '=', projectId).where('phone_number', 'in', e164s).execute();
  });
  const byNumber = new Map(rows.map((row) => [row.phone_number, row]));
  ctx.logger.info({ projectId, numberCount: numbers.length }, 'numbers added for qualification');
  ctx.wakeWorker();
  return e164s.map((e164) => byNumber.get(e164)).filter((row): row is QualifiedNumberRow => row !== undefined);
}
