import { nextHostingOrderState } from '../domain/states.js';
import type { AppContext } from './context.js';
import { enqueueJob, numberStepPayload } from './job-payloads.js';

/** Moves a SUBMITTED IMPORT order to IN_PROGRESS and queues the first step of each of its numbers. */
export async function startHostingOrder(ctx: AppContext, hostingOrderId: string): Promise<void> {
  const started = await ctx.storage.db.transaction().execute(async (trx) => {
    const order = await trx.selectFrom('hosting_orders').selectAll().where('id', '=', hostingOrderId).executeTakeFirst();
    if (order === undefined || order.type !== 'IMPORT') {
      return undefined;
    }
    const next = nextHostingOrderState(order.state as never, 'start');
    if (next === undefined) {
      return undefined;
    }
    const nowMs = ctx.clock.now();
    const moved = await trx
      .updateTable('hosting_orders')
      .set({ state: next, updated_ms: nowMs })
      .where('id', '=', hostingOrderId)
      .where('state', '=', order.state)
      .executeTakeFirst();
    if (moved.numUpdatedRows === 0n) {
      return undefined;
    }
    const numbers = await trx
      .selectFrom('hosting_order_numbers')
      .select('phone_number')
      .where('hosting_order_id', '=', hostingOrderId)
      .orderBy('position')
      .execute();
    for (const number of numbers) {
      const payload = numberStepPayload(order.project_id, number.phone_number, hostingOrderId);
      await enqueueJob(trx, 'sms_step', payload, { runAtMs: nowMs });
    }
    return { projectId: order.project_id, numberCount: numbers.length };
  });
  if (started !== undefined) {
    ctx.logger.info({ ...started, hostingOrderId }, 'hosting order started');
  }
  ctx.wakeWorker();
}
