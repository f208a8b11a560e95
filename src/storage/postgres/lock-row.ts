import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** Takes the order's row lock until the transaction ends, so that order-wide checks see every number's final step. */
export async function lockHostingOrder(trx: Transaction<Database>, hostingOrderId: string): Promise<void> {
  await trx.selectFrom('hosting_orders').select('id').where('id', '=', hostingOrderId).forUpdate().execute();
}

/**
 * Takes the project's row lock, so that a per-project count and the insert it allows are
 * one step. FOR NO KEY UPDATE does not block inserts whose foreign key names the project.
 */
export async function lockProject(trx: Transaction<Database>, projectId: string): Promise<void> {
  await trx.selectFrom('projects').select('id').where('id', '=', projectId).forNoKeyUpdate().execute();
}

/** Takes the event's row lock, so that concurrent redeliveries of one event queue its delivery once. */
export async function lockCallbackEvent(trx: Transaction<Database>, eventId: string): Promise<void> {
  await trx.selectFrom('callback_events').select('id').where('id', '=', eventId).forUpdate().execute();
}
