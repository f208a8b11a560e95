import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { ApiError, invalidArgument } from '../domain/errors.js';
import { describeValue } from '../domain/errors.js';
import { VOICE_CODE_DIGITS, refuseChallenge, refuseVerification } from '../domain/qualification.js';
import type { Transaction } from 'kysely';
import type { Database, QualifiedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import { enqueueJob } from './job-payloads.js';
import { getQualifiedNumber } from './qualified-number-queries.js';

function codeHash(projectId: string, phoneNumber: string, code: string): string {
  return createHash('sha256').update(`${projectId}\n${phoneNumber}\n${code}`).digest('hex');
}

function newCode(): string {
  return String(randomInt(0, 10 ** VOICE_CODE_DIGITS)).padStart(VOICE_CODE_DIGITS, '0');
}

/** Reads a qualified number inside a transaction; the caller has checked that it exists. */
function readQualifiedNumber(trx: Transaction<Database>, projectId: string, phoneNumber: string): Promise<QualifiedNumberRow> {
  return trx.selectFrom('qualified_numbers').selectAll().where('project_id', '=', projectId).where('phone_number', '=', phoneNumber).executeTakeFirstOrThrow();
}

/**
 * Starts ownership verification by voice (`:sendVoiceChallenge`): a new code replaces
 * any open one, the number becomes VERIFICATION_PENDING, and the call is placed by a
 * job through the voice-caller port. Calls to one number are spaced by
 * NUMBERHOST_VOICE_CALL_INTERVAL_S (429 with Retry-After before that).
 */
export async function sendVoiceChallenge(ctx: AppContext, projectId: string, phoneNumber: string): Promise<QualifiedNumberRow> {
  await getQualifiedNumber(ctx, projectId, phoneNumber);
  const code = newCode();
  await ctx.storage.db.transaction().execute(async (trx) => {
    const row = await readQualifiedNumber(trx, projectId, phoneNumber);
    const refusal = refuseChallenge(phoneNumber, row.state);
    if (refusal !== undefined) {
      throw refusal;
    }
    const nowMs = ctx.clock.now();
    if (row.last_call_ms !== null && nowMs - row.last_call_ms < ctx.config.voiceCallIntervalMs) {
      const waitSeconds = Math.max(1, Math.ceil((row.last_call_ms + ctx.config.voiceCallIntervalMs - nowMs) / 1000));
      throw new ApiError(
        'RESOURCE_EXHAUSTED',
        `A challenge call to ${phoneNumber} was placed less than ${ctx.config.voiceCallIntervalMs / 1000} s ago. Retry after ${waitSeconds} s.${
          row.challenge_code_hash === null ? '' : ' The code of the last call stays valid until it expires.'
        }`,
        { retryAfterSeconds: waitSeconds },
      );
    }
    const moved = await trx
      .updateTable('qualified_numbers')
      .set({
        state: 'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING',
        ownership_status: 'IN_PROGRESS',
        ownership_error: '',
        challenge_code_hash: codeHash(projectId, phoneNumber, code),
        challenge_expires_ms: nowMs + ctx.config.voiceCodeTtlMs,
        last_call_ms: nowMs,
        updated_ms: nowMs,
      })
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      .where('updated_ms', '=', row.updated_ms)
      .where('state', '=', row.state)
      .executeTakeFirst();
    if (moved.numUpdatedRows === 0n) {
      throw new ApiError('RESOURCE_EXHAUSTED', `${phoneNumber} changed while the call was requested; retry in a second.`, { retryAfterSeconds: 1 });
    }
    const callId = newId();
    await trx
      .insertInto('voice_calls')
      .values({ id: callId, project_id: projectId, phone_number: phoneNumber, code, state: 'QUEUED', detail: '', created_ms: nowMs, placed_ms: null })
      .execute();
    await enqueueJob(trx, 'voice_call', { callId }, { runAtMs: nowMs, maxAttempts: 5 });
  });
  ctx.logger.info({ projectId, phoneNumber }, 'voice challenge requested');
  ctx.wakeWorker();
  return getQualifiedNumber(ctx, projectId, phoneNumber);
}

/** Places a queued challenge call (a job). An unanswered call fails the verification attempt. */
export async function placeVoiceCall(ctx: AppContext, callId: string): Promise<void> {
  const call = await ctx.storage.db.selectFrom('voice_calls').selectAll().where('id', '=', callId).executeTakeFirst();
  if (call === undefined || call.state !== 'QUEUED') {
    return;
  }
  const outcome = await ctx.ports.voiceCaller.placeCall({ projectId: call.project_id, phoneNumber: call.phone_number, code: call.code });
  if (outcome.kind === 'transient') {
    throw new Error(`The voice call could not be placed yet: ${outcome.errorMessage}`);
  }
  await ctx.storage.db.transaction().execute(async (trx) => {
    const nowMs = ctx.clock.now();
    const updated = await trx
      .updateTable('voice_calls')
      .set({ state: outcome.kind === 'answered' ? 'ANSWERED' : 'UNANSWERED', detail: outcome.kind === 'answered' ? '' : outcome.reason, placed_ms: nowMs })
      .where('id', '=', callId)
      .where('state', '=', 'QUEUED')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n || outcome.kind === 'answered') {
      return;
    }
    // The code of an unanswered call cannot be known, so the attempt fails at once.
    await trx
      .updateTable('qualified_numbers')
      .set({
        state: 'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
        ownership_status: 'FAILED',
        ownership_error: `The challenge call was not answered (${outcome.reason}). Send a new challenge, or ask the operator to review invoices instead.`,
        challenge_code_hash: null,
        challenge_expires_ms: null,
        updated_ms: nowMs,
      })
      .where('project_id', '=', call.project_id)
      .where('phone_number', '=', call.phone_number)
      .where('state', '=', 'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING')
      .where('challenge_code_hash', '=', codeHash(call.project_id, call.phone_number, call.code))
      .execute();
  });
  ctx.logger.info({ projectId: call.project_id, phoneNumber: call.phone_number, answered: outcome.kind === 'answered' }, 'voice call placed');
}

export interface VerifyVoiceChallengeRequest {
  code?: unknown;
}

/**
 * Checks a challenge code (`:verifyVoiceChallenge`). The right code makes the number
 * VERIFIED. A wrong one makes it VERIFICATION_FAILED, and NUMBERHOST_MAX_WRONG_CODES
 * wrong codes in a row make it VERIFICATION_BLOCKED until an operator unblocks it.
 * An expired code, or none sent, is a 400 that changes nothing.
 */
export async function verifyVoiceChallenge(
  ctx: AppContext,
  projectId: string,
  phoneNumber: string,
  body: VerifyVoiceChallengeRequest,
): Promise<QualifiedNumberRow> {
  const code = body.code;
  if (typeof code !== 'string' || !new RegExp(`^\\d{${VOICE_CODE_DIGITS}}$`).test(code)) {
    throw invalidArgument([
      { field: 'code', description: `${describeValue(code)} is not a code: give the ${VOICE_CODE_DIGITS} digits read out in the challenge call, as a string.` },
    ]);
  }
  await getQualifiedNumber(ctx, projectId, phoneNumber);
  const result = await ctx.storage.db.transaction().execute(async (trx) => {
    const row = await readQualifiedNumber(trx, projectId, phoneNumber);
    const refusal = refuseVerification(phoneNumber, row.state);
    if (refusal !== undefined) {
      throw refusal;
    }
    const nowMs = ctx.clock.now();
    if (row.challenge_code_hash === null || row.challenge_expires_ms === null) {
      throw new ApiError('FAILED_PRECONDITION', `${phoneNumber} has no open code; send a new challenge with :sendVoiceChallenge.`, {
        fieldViolations: [{ field: 'code', description: 'No challenge is open for this number; send a new one.' }],
      });
    }
    if (nowMs > row.challenge_expires_ms) {
      const expiredAt = new Date(row.challenge_expires_ms).toISOString();
      throw new ApiError('FAILED_PRECONDITION', `The code for ${phoneNumber} expired at ${expiredAt}; send a new challenge with :sendVoiceChallenge.`, {
        fieldViolations: [{ field: 'code', description: `expired at ${expiredAt}; send a new challenge.` }],
      });
    }
    const expected = Buffer.from(row.challenge_code_hash, 'hex');
    const given = Buffer.from(codeHash(projectId, phoneNumber, code), 'hex');
    const isRight = expected.length === given.length && timingSafeEqual(expected, given);
    // Compare-and-set on what was read: of two requests racing on one code, one wins and
    // the other must retry, so parallel guesses cannot slip past the wrong-code limit.
    const where = (query: ReturnType<typeof trx.updateTable<'qualified_numbers'>>) =>
      query
        .where('project_id', '=', projectId)
        .where('phone_number', '=', phoneNumber)
        .where('state', '=', row.state)
        .where('wrong_code_count', '=', row.wrong_code_count)
        .where('challenge_code_hash', '=', row.challenge_code_hash);
    const requireWritten = (written: { numUpdatedRows: bigint }) => {
      if (written.numUpdatedRows === 0n) {
        throw new ApiError('RESOURCE_EXHAUSTED', `Another code for ${phoneNumber} was checked at the same moment; retry in a second.`, {
          retryAfterSeconds: 1,
        });
      }
    };
    if (isRight) {
      const written = await where(trx.updateTable('qualified_numbers'))
        .set({
          state: 'GLOBAL_PROCESS_STATE_VERIFIED',
          ownership_status: 'DONE',
          ownership_error: '',
          wrong_code_count: 0,
          challenge_code_hash: null,
          challenge_expires_ms: null,
          updated_ms: nowMs,
        })
        .executeTakeFirst();
      requireWritten(written);
      return 'verified';
    }
    const wrongCodes = row.wrong_code_count + 1;
    const isBlocked = wrongCodes >= ctx.config.maxWrongCodes;
    const written = await where(trx.updateTable('qualified_numbers'))
      .set({
        state: isBlocked ? 'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED' : 'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
        ownership_status: 'FAILED',
        ownership_error: isBlocked
          ? `${wrongCodes} wrong codes in a row: verification is blocked until an operator unblocks the number.`
          : `Wrong code: ${wrongCodes} wrong in a row; ${ctx.config.maxWrongCodes - wrongCodes} more block verification until an operator unblocks the number. A new challenge does not reset this count.`,
        wrong_code_count: wrongCodes,
        challenge_code_hash: isBlocked ? null : row.challenge_code_hash,
        challenge_expires_ms: isBlocked ? null : row.challenge_expires_ms,
        updated_ms: nowMs,
      })
      .executeTakeFirst();
    requireWritten(written);
    return isBlocked ? 'blocked' : 'wrong';
  });
  ctx.logger.info({ projectId, phoneNumber, result }, 'voice code checked');
  return getQualifiedNumber(ctx, projectId, phoneNumber);
}
