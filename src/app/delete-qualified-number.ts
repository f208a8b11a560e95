import { failedPrecondition } from '../domain/errors.js';
import { UNFINISHED_HOSTING_ORDER_STATES } from '../domain/states.js';
import type { AppContext } from './context.js';
import { getQualifiedNumber } from './qualified-number-queries.js';

/**
 * Deletes a qualified number. A number in a hosting order that has not finished is
 * kept (400 FAILED_PRECONDITION), because the order still works on it. Deleting a
 * hosted number leaves its imported number alone.
 */
export async function deleteQualifiedNumber(ctx: AppContext, projectId: string, phoneNumber: string): Promise<void> {
  await getQualifiedNumber(ctx, projectId, phoneNumber);
  await ctx.storage.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('qualified_numbers')
      .select(['hosting_order_id', 'wrong_code_count', 'last_call_ms'])
      .where('project_id', '=', projectId)
      .where('phone_number', '=', phoneNumber)
      .executeTakeFirst();
    if (row === undefined) {
      return;
    }
    if (row.hosting_order_id !== null) {
      await ctx.storage.dialect.lockHostingOrder(trx, row.hosting_order_id);
      const order = await trx.selectFrom('hosting_orders').select('state').where('id', '=', row.hosting_order_id).executeTakeFirst();
      if (order !== undefined && UNFINISHED_HOSTING_ORDER_STATES.includes(order.state)) {
        throw failedPrecondition(
          'phoneNumber',
          `${phoneNumber} is in hosting order ${row.hosting_order_id}, which is ${order.state}. Delete the number after the order has finished.`,
        );
      }
    }
    if (row.wrong_code_count > 0 || row.last_call_ms !== null) {
      const memory = { wrong_code_count: row.wrong_code_count, last_call_ms: row.last_call_ms };
      await trx
        .insertInto('verification_memory')
        .values({ project_id: projectId, phone_number: phoneNumber, ...memory })
        .onConflict((conflict) => conflict.columns(['project_id', 'phone_number']).doUpdateSet(memory))
        .execute();
    }
    await trx.deleteFrom('qualified_numbers').where('project_id', '=', projectId).where('phone_number', '=', phoneNumber).execute();
    await trx
      .deleteFrom('jobs')
      .where('type', '=', 'check_eligibility')
      .where('payload', '=', JSON.stringify({ projectId, phoneNumber }))
      .where('locked_by', 'is', null)
      .execute();
  });
  ctx.logger.info({ projectId, phoneNumber }, 'qualified number deleted');
}
