import type { FieldViolation } from '../domain/errors.js';
import { describeValue, failedPrecondition, invalidArgument } from '../domain/errors.js';
import { OWNERSHIP_REVIEW_STATES, shortStateName } from '../domain/qualification.js';
import type { QualifiedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { getQualifiedNumber } from './qualified-number-queries.js';

const MAX_REASON_CHARS = 500;

async function moveQualifiedNumber(
  ctx: AppContext,
  projectId: string,
  phoneNumber: string,
  allowedStates: readonly string[],
  action: string,
  update: Partial<
    Pick<QualifiedNumberRow, 'state' | 'ownership_status' | 'ownership_error' | 'wrong_code_count' | 'challenge_code_hash' | 'challenge_expires_ms' | 'last_call_ms'>
  >,
): Promise<QualifiedNumberRow> {
  const row = await getQualifiedNumber(ctx, projectId, phoneNumber);
  if (!allowedStates.includes(row.state)) {
    throw failedPrecondition(
      'phoneNumber',
      `${phoneNumber} is ${shortStateName(row.state)}; ${action} applies only to ${allowedStates.map(shortStateName).join(', ')} numbers.`,
    );
  }
  const moved = await ctx.storage.db
    .updateTable('qualified_numbers')
    .set({ ...update, updated_ms: ctx.clock.now() })
    .where('project_id', '=', projectId)
    .where('phone_number', '=', phoneNumber)
    .where('state', '=', row.state)
    .executeTakeFirst();
  if (moved.numUpdatedRows === 0n) {
    throw failedPrecondition('phoneNumber', `${phoneNumber} changed state while ${action} ran; read it again and retry.`);
  }
  ctx.logger.info({ projectId, phoneNumber, action }, 'ownership reviewed');
  return getQualifiedNumber(ctx, projectId, phoneNumber);
}

/** Accepts the ownership proof (invoices) for an operator, so the number becomes VERIFIED. */
export function approveOwnership(ctx: AppContext, projectId: string, phoneNumber: string): Promise<QualifiedNumberRow> {
  return moveQualifiedNumber(ctx, projectId, phoneNumber, OWNERSHIP_REVIEW_STATES, 'approving ownership', {
    state: 'GLOBAL_PROCESS_STATE_VERIFIED',
    ownership_status: 'DONE',
    ownership_error: '',
    wrong_code_count: 0,
    challenge_code_hash: null,
    challenge_expires_ms: null,
  });
}

/** Rejects the ownership proof for an operator: VERIFICATION_FAILED, with the reason in `ownershipVerification.error`. */
export function rejectOwnership(ctx: AppContext, projectId: string, phoneNumber: string, body: { reason?: unknown }): Promise<QualifiedNumberRow> {
  const reason = body.reason;
  const violations: FieldViolation[] = [];
  if (typeof reason !== 'string' || reason.trim() === '') {
    violations.push({ field: 'reason', description: `is missing: give the reason the ownership proof was rejected (the customer sees it), got ${describeValue(reason)}.` });
  } else if (reason.length > MAX_REASON_CHARS) {
    violations.push({ field: 'reason', description: `has ${reason.length} characters; at most ${MAX_REASON_CHARS} are allowed.` });
  }
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
  // A blocked number stays blocked: a refusal must not give it another challenge.
  const states = OWNERSHIP_REVIEW_STATES.filter((state) => state !== 'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED');
  return moveQualifiedNumber(ctx, projectId, phoneNumber, states, 'rejecting ownership', {
    state: 'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
    ownership_status: 'FAILED',
    ownership_error: `Ownership proof refused: ${(reason as string).trim()}`,
    challenge_code_hash: null,
    challenge_expires_ms: null,
  });
}

/** Lifts VERIFICATION_BLOCKED for an operator: the number is ELIGIBLE again, with a fresh count of wrong codes, and may be called at once. */
export function unblockVerification(ctx: AppContext, projectId: string, phoneNumber: string): Promise<QualifiedNumberRow> {
  return moveQualifiedNumber(ctx, projectId, phoneNumber, ['GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED'], 'unblocking', {
    state: 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    ownership_status: 'STATE_UNSPECIFIED',
    ownership_error: '',
    wrong_code_count: 0,
    challenge_code_hash: null,
    challenge_expires_ms: null,
    last_call_ms: null,
  });
}
