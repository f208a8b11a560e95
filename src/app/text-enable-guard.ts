import type { Transaction } from 'kysely';
import { alreadyExists } from '../domain/errors.js';
import type { Database } from '../storage/schema.js';

/**
 * Refuses to import numbers that a text-enable order of the project is hosting right
 * now: that order makes them imported numbers itself once their OSR update is done.
 */
export async function refuseNumbersBeingTextEnabled(trx: Transaction<Database>, projectId: string, phoneNumbers: readonly string[]): Promise<void> {
  const busy = await trx
    .selectFrom('qualified_numbers')
    .select(['phone_number', 'hosting_order_id'])
    .where('project_id', '=', projectId)
    .where('phone_number', 'in', phoneNumbers)
    .where('state', '=', 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS')
    .execute();
  if (busy.length > 0) {
    const list = busy.map((row) => `${row.phone_number} (order ${row.hosting_order_id})`).join(', ');
    throw alreadyExists(`Being text-enabled in project ${projectId}: ${list}. The order imports these numbers itself when their OSR update is done.`);
  }
}
