import { notFound } from '../domain/errors.js';
import type { HostingOrderNumberRow, HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';

export async function getHostingOrder(ctx: AppContext, projectId: string, hostingOrderId: string): Promise<HostingOrderRow> {
  const row = await ctx.storage.db
    .selectFrom('hosting_orders')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', hostingOrderId)
    .executeTakeFirst();
  if (row === undefined) {
    throw notFound(`Hosting order ${hostingOrderId} was not found in project ${projectId}. Check the id returned when the order was created.`);
  }
  return row;
}

export async function getHostingOrderNumber(
  ctx: AppContext,
  projectId: string,
  hostingOrderId: string,
  phoneNumber: string,
): Promise<HostingOrderNumberRow> {
  await getHostingOrder(ctx, projectId, hostingOrderId);
  const row = await ctx.storage.db
    .selectFrom('hosting_order_numbers')
    .selectAll()
    .where('hosting_order_id', '=', hostingOrderId)
    .where('phone_number', '=', phoneNumber)
    .executeTakeFirst();
  if (row === undefined) {
    throw notFound(`${phoneNumber} is not part of hosting order ${hostingOrderId}. List the order's numbers to see which it contains.`);
  }
  return row;
}

/** Returns all numbers of an order, for its report. */
export async function getHostingOrderNumbers(ctx: AppContext, projectId: string, hostingOrderId: string): Promise<HostingOrderNumberRow[]> {
  await getHostingOrder(ctx, projectId, hostingOrderId);
  return ctx.storage.db
    .selectFrom('hosting_order_numbers')
    .selectAll()
    .where('hosting_order_id', '=', hostingOrderId)
    .orderBy('position')
    .execute();
}
