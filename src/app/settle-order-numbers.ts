import type { Transaction } from 'kysely';
import type { FailureCode } from '../domain/events.js';
import { HOSTING_STATUS } from '../domain/qualification.js';
import type { Database, HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { recordEvent } from './record-event.js';

/**
 * Records the end of a text-enable number's hosting on its qualified number:
 * HOSTING_DONE with `hostedNumber.status` 1, or HOSTING_FAILED with status 2 and why.
 */
export async function settleQualifiedNumber(
  trx: Transaction<Database>,
  ctx: AppContext,
  order: Pick<HostingOrderRow, 'id' | 'project_id'>,
  phoneNumber: string,
  failure: string | undefined,
): Promise<void> {
  await trx
    .updateTable('qualified_numbers')
    .set(
      failure === undefined
        ? { state: 'GLOBAL_PROCESS_STATE_HOSTING_DONE', hosted_status: HOSTING_STATUS.HOSTED, hosted_error: '', updated_ms: ctx.clock.now() }
        : { state: 'GLOBAL_PROCESS_STATE_HOSTING_FAILED', hosted_status: HOSTING_STATUS.FAILED, hosted_error: failure, updated_ms: ctx.clock.now() },
    )
    .where('project_id', '=', order.project_id)
    .where('phone_number', '=', phoneNumber)
    .where('hosting_order_id', '=', order.id)
    .where('state', '=', 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS')
    .execute();
}

const OPEN_STEP_STATES = ['WAITING', 'IN_PROGRESS'];

/**
 * Fails the given numbers of a text-enable order before their carrier steps ran: every
 * open step becomes FAILED, each number sends HOSTING_PROCESS FAILED, and its
 * qualified number becomes HOSTING_FAILED. The caller holds the order's row lock.
 */
export async function failOrderNumbers(
  trx: Transaction<Database>,
  ctx: AppContext,
  order: HostingOrderRow,
  phoneNumbers: readonly string[],
  reason: string,
  failureCode: FailureCode | undefined,
): Promise<void> {
  const nowMs = ctx.clock.now();
  for (const phoneNumber of phoneNumbers) {
    const row = await trx
      .selectFrom('hosting_order_numbers')
      .selectAll()
      .where('hosting_order_id', '=', order.id)
      .where('phone_number', '=', phoneNumber)
      .executeTakeFirst();
    if (row === undefined) {
      continue;
    }
    await trx
      .updateTable('hosting_order_numbers')
      .set({
        osr_state: OPEN_STEP_STATES.includes(row.osr_state) ? 'FAILED' : row.osr_state,
        platform_state: OPEN_STEP_STATES.includes(row.platform_state) ? 'FAILED' : row.platform_state,
        campaign_state: OPEN_STEP_STATES.includes(row.campaign_state) ? 'FAILED' : row.campaign_state,
        failure_code: row.failure_code === '' ? (failureCode ?? '') : row.failure_code,
        updated_ms: nowMs,
      })
      .where('hosting_order_id', '=', order.id)
      .where('phone_number', '=', phoneNumber)
      .execute();
    await recordEvent(trx, ctx, {
      projectId: order.project_id,
      resourceType: 'HOSTING_ORDER_NUMBER',
      resourceId: phoneNumber,
      eventType: 'HOSTING_PROCESS',
      status: 'FAILED',
      failureCode,
      callbackUrl: order.callback_url,
      hostingOrderId: order.id,
    });
    await settleQualifiedNumber(trx, ctx, order, phoneNumber, reason);
  }
}
