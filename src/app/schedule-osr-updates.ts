import type { Transaction } from 'kysely';
import { osrRunAt, tollFreeRunAt } from '../domain/qualification.js';
import type { Database, HostingOrderRow } from '../storage/schema.js';
import { enqueueJob } from './job-payloads.js';

/**
 * Queues the OSR update of every number of an order that has just been authorised.
 * Standard numbers run at `scheduledOsrUpdateTime`, or at once; toll-free numbers at
 * the time of day of `scheduledZipwhipProvisioningTime`, moved to the next day when the
 * authorisation came later (the spec's rule).
 */
export async function scheduleOsrUpdates(trx: Transaction<Database>, order: HostingOrderRow, authorisedMs: number): Promise<number> {
  const runAtMs =
    order.is_toll_free === 1 ? tollFreeRunAt(order.scheduled_osr_update_ms, authorisedMs) : osrRunAt(order.scheduled_osr_update_ms, authorisedMs);
  const numbers = await trx
    .selectFrom('hosting_order_numbers')
    .select('phone_number')
    .where('hosting_order_id', '=', order.id)
    .where('osr_state', '=', 'WAITING')
    .orderBy('position')
    .execute();
  for (const number of numbers) {
    await enqueueJob(trx, 'osr_step', { projectId: order.project_id, phoneNumber: number.phone_number, hostingOrderId: order.id }, { runAtMs });
  }
  if (order.is_toll_free === 1 && order.scheduled_osr_update_ms !== null && runAtMs !== order.scheduled_osr_update_ms) {
    // The next-day rule moved the run, so the order shows the time it really runs at.
    await trx.updateTable('hosting_orders').set({ scheduled_osr_update_ms: runAtMs }).where('id', '=', order.id).execute();
  }
  return runAtMs;
}
