import type { FieldViolation } from '../domain/errors.js';
import { describeValue, failedPrecondition, invalidArgument } from '../domain/errors.js';
import type { HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { getHostingOrder } from './get-hosting-order.js';
import { rejectOrderInTransaction } from './loa-signing.js';

const MAX_REASON_CHARS = 500;

/**
 * An operator rejects a text-enable order (admin `:reject`). Allowed until the carrier
 * steps start: while SUBMITTED, WAITING_FOR_LOA_SIGNATURE, or IN_PROGRESS with every
 * OSR update still WAITING (a scheduled update not yet due).
 */
export async function rejectHostingOrder(ctx: AppContext, projectId: string, hostingOrderId: string, body: { reason?: unknown }): Promise<HostingOrderRow> {
  const violations: FieldViolation[] = [];
  if (typeof body.reason !== 'string' || body.reason.trim() === '') {
    violations.push({ field: 'reason', description: `is required: say why the order is rejected (callbacks and the order show it), got ${describeValue(body.reason)}.` });
  } else if (body.reason.length > MAX_REASON_CHARS) {
    violations.push({ field: 'reason', description: `has ${body.reason.length} characters; at most ${MAX_REASON_CHARS} are allowed.` });
  }
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
  const reason = (body.reason as string).trim();
  await getHostingOrder(ctx, projectId, hostingOrderId);
  await ctx.storage.db.transaction().execute(async (trx) => {
    await ctx.storage.dialect.lockHostingOrder(trx, hostingOrderId);
    const order = await trx.selectFrom('hosting_orders').selectAll().where('id', '=', hostingOrderId).executeTakeFirstOrThrow();
    if (order.type !== 'TYPE_TEXT_ENABLE') {
      throw failedPrecondition('hostingOrderId', `Order ${hostingOrderId} is an IMPORT order, which cannot be rejected; delete its imported numbers instead.`);
    }
    if (!['SUBMITTED', 'WAITING_FOR_LOA_SIGNATURE', 'IN_PROGRESS'].includes(order.state)) {
      throw failedPrecondition('hostingOrderId', `Order ${hostingOrderId} is ${order.state} and can no longer be rejected.`);
    }
    const started = await trx
      .selectFrom('hosting_order_numbers')
      .select('phone_number')
      .where('hosting_order_id', '=', hostingOrderId)
      .where('osr_state', '!=', 'WAITING')
      .executeTakeFirst();
    if (started !== undefined) {
      throw failedPrecondition(
        'hostingOrderId',
        `Order ${hostingOrderId} has started its carrier steps (${started.phone_number} is past WAITING) and can no longer be rejected.`,
      );
    }
    await rejectOrderInTransaction(trx, ctx, order, `Rejected by the operator: ${reason}`);
  });
  ctx.logger.info({ projectId, hostingOrderId }, 'hosting order rejected by the operator');
  ctx.wakeWorker();
  return getHostingOrder(ctx, projectId, hostingOrderId);
}
