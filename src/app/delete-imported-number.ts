import { failedPrecondition } from '../domain/errors.js';
import { UNFINISHED_HOSTING_ORDER_STATES } from '../domain/states.js';
import { cancelImportedNumberOperatorTasks } from './cancel-operator-tasks.js';
import type { AppContext } from './context.js';
import { getImportedNumber } from './get-imported-number.js';
import { numberStepPayload } from './job-payloads.js';
import { adjustImportedNumberCount } from './number-counter.js';
import { recordEvent } from './record-event.js';

/**
 * Deletes an imported number and sends its DELETE callback. Steps still queued for it
 * end without effect, and its OPEN operator tasks are cancelled. A number whose hosting
 * order has not finished is kept, so that the order's report stays whole.
 */
export async function deleteImportedNumber(ctx: AppContext, projectId: string, phoneNumber: string): Promise<void> {
  await getImportedNumber(ctx, projectId, phoneNumber);
  await ctx.storage.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('imported_numbers')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      .executeTakeFirst();
    if (row === undefined) {
      return;
    }
    if (row.hosting_order_id !== null) {
      const order = await trx.selectFrom('hosting_orders').select('state').where('id', '=', row.hosting_order_id).executeTakeFirst();
      if (order !== undefined && UNFINISHED_HOSTING_ORDER_STATES.includes(order.state)) {
        throw failedPrecondition(
          'phoneNumber',
          `${phoneNumber} belongs to hosting order ${row.hosting_order_id}, which is ${order.state}. Delete the number after the order completes.`,
        );
      }
    }
    const deleted = await trx
      .deleteFrom('imported_numbers')
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      .executeTakeFirst();
    if (deleted.numDeletedRows === 0n) {
      return;
    }
    await adjustImportedNumberCount(trx, projectId, -1);
    await cancelImportedNumberOperatorTasks(trx, projectId, phoneNumber, `Cancelled because imported number ${phoneNumber} was deleted.`, ctx.clock.now());
    // Steps still queued for the deleted number must not act on a later import of it.
    await trx
      .deleteFrom('jobs')
      .where('type', 'in', ['sms_step', 'campaign_step'])
      .where('payload', '=', JSON.stringify(numberStepPayload(projectId, phoneNumber, null)))
      .where('locked_by', 'is', null)
      .execute();
    await recordEvent(trx, ctx, {
      projectId,
      resourceType: 'IMPORTED_NUMBER',
      resourceId: phoneNumber,
      eventType: 'DELETE',
      status: 'SUCCEEDED',
      callbackUrl: row.callback_url,
    });
  });
  ctx.wakeWorker();
}
