import { magicBehaviour } from '../domain/magic-numbers.js';
import { decideEligibility } from '../domain/qualification.js';
import type { AppContext } from './context.js';

/** States of another project's qualified number that mean it hosts, or is hosting, the number. */
const HOSTING_STATES = ['GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS', 'GLOBAL_PROCESS_STATE_HOSTING_DONE'];

/**
 * Runs the eligibility check of one number (a job): ELIGIBLE_CHECK_PENDING becomes
 * ELIGIBLE or NOT_ELIGIBLE, with `osrEligibility.error` naming the reason.
 */
export async function checkEligibility(ctx: AppContext, projectId: string, phoneNumber: string): Promise<void> {
  const decided = await ctx.storage.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('qualified_numbers')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      .executeTakeFirst();
    if (row === undefined || row.state !== 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING') {
      return undefined;
    }
    const importedHere = await trx
      .selectFrom('imported_numbers')
      .select('project_id')
      .where('phone_number', '=', phoneNumber)
      .execute();
    const hostingElsewhere = await trx
      .selectFrom('qualified_numbers')
      .select('project_id')
      .where('phone_number', '=', phoneNumber)
      .where('project_id', '!=', projectId)
      .where('state', 'in', HOSTING_STATES)
      .executeTakeFirst();
    const result = decideEligibility({
      regionCode: row.region_code === '' ? undefined : row.region_code,
      isForcedNotEligible: ctx.config.mode === 'sandbox' && magicBehaviour(phoneNumber) === 'NOT_ELIGIBLE',
      isImportedInProject: importedHere.some((imported) => imported.project_id === projectId),
      isHostedByOtherProject: hostingElsewhere !== undefined || importedHere.some((imported) => imported.project_id !== projectId),
    });
    const nowMs = ctx.clock.now();
    // A number deleted while blocked comes back blocked: the count belongs to the number.
    const isBlocked = result.isEligible && row.wrong_code_count >= ctx.config.maxWrongCodes;
    const blocked = {
      state: 'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED',
      osr_eligibility_status: 'DONE',
      osr_eligibility_error: '',
      ownership_status: 'FAILED',
      ownership_error: `${row.wrong_code_count} wrong codes in a row before the number was deleted: verification is blocked until an operator unblocks the number.`,
      updated_ms: nowMs,
    };
    await trx
      .updateTable('qualified_numbers')
      .set(
        isBlocked
          ? blocked
          : result.isEligible
            ? { state: 'GLOBAL_PROCESS_STATE_ELIGIBLE', osr_eligibility_status: 'DONE', osr_eligibility_error: '', updated_ms: nowMs }
            : { state: 'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE', osr_eligibility_status: 'FAILED', osr_eligibility_error: result.reason, updated_ms: nowMs },
      )
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      .where('state', '=', 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING')
      .execute();
    return result;
  });
  if (decided !== undefined) {
    ctx.logger.info({ projectId, phoneNumber, isEligible: decided.isEligible }, 'eligibility checked');
  }
}
