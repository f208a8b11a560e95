import type { Transaction } from 'kysely';
import type { Database } from '../storage/schema.js';

/**
 * Cancelling the OPEN operator tasks whose step will never run, in the transaction of
 * the change that ends the step. A CANCELLED task keeps `note` as the reason and can no
 * longer be completed or failed.
 */

/** A task to cancel, with what is needed to clear its order number's manual-action flag. */
interface OpenTask {
  id: string;
  hosting_order_id: string | null;
  phone_number: string;
}

/**
 * Cancels every OPEN task of a rejected hosting order and clears the manual-action flag
 * of all the order's numbers. The caller holds the order's row lock, which a manual
 * adapter also takes before it opens a task, so no task of the order opens after this.
 */
export async function cancelOrderOperatorTasks(trx: Transaction<Database>, hostingOrderId: string, reason: string, nowMs: number): Promise<void> {
  const open = await trx
    .selectFrom('operator_tasks')
    .select(['id', 'hosting_order_id', 'phone_number'])
    .where('hosting_order_id', '=', hostingOrderId)
    .where('state', '=', 'OPEN')
    .execute();
  await cancelTasks(trx, open, reason, nowMs);
  await trx
    .updateTable('hosting_order_numbers')
    .set({ is_manual_action: 0, updated_ms: nowMs })
    .where('hosting_order_id', '=', hostingOrderId)
    .where('is_manual_action', '=', 1)
    .execute();
}

/**
 * Cancels the OPEN SMS platform and campaign tasks of a deleted imported number.
 * OSR_UPDATE tasks stay: they belong to a text-enable order's number, which is not an
 * imported number until its OSR update is done.
 */
export async function cancelImportedNumberOperatorTasks(
  trx: Transaction<Database>,
  projectId: string,
  phoneNumber: string,
  reason: string,
  nowMs: number,
): Promise<void> {
  const open = await trx
    .selectFrom('operator_tasks')
    .select(['id', 'hosting_order_id', 'phone_number'])
    .where('project_id', '=', projectId)
    .where('phone_number', '=', phoneNumber)
    .where('kind', '!=', 'OSR_UPDATE')
    .where('state', '=', 'OPEN')
    .execute();
  await cancelTasks(trx, open, reason, nowMs);
  for (const task of open) {
    if (task.hosting_order_id !== null) {
      await clearManualActionIfIdle(trx, task.hosting_order_id, task.phone_number, nowMs);
    }
  }
}

/**
 * Moves the tasks from OPEN to CANCELLED. Each update is a compare-and-set on OPEN, so a
 * task that an operator resolved in the meantime keeps its resolution.
 */
async function cancelTasks(trx: Transaction<Database>, tasks: readonly OpenTask[], reason: string, nowMs: number): Promise<void> {
  if (tasks.length === 0) {
    return;
  }
  await trx
    .updateTable('operator_tasks')
    .set({ state: 'CANCELLED', note: reason, resolved_ms: nowMs })
    .where(
      'id',
      'in',
      tasks.map((task) => task.id),
    )
    .where('state', '=', 'OPEN')
    .execute();
}

/** Clears the order number's manual-action flag unless another task of that number is still OPEN. */
export async function clearManualActionIfIdle(trx: Transaction<Database>, hostingOrderId: string, phoneNumber: string, nowMs: number): Promise<void> {
  const open = await trx
    .selectFrom('operator_tasks')
    .select('id')
    .where('hosting_order_id', '=', hostingOrderId)
    .where('phone_number', '=', phoneNumber)
    .where('state', '=', 'OPEN')
    .executeTakeFirst();
  if (open !== undefined) {
    return;
  }
  await trx
    .updateTable('hosting_order_numbers')
    .set({ is_manual_action: 0, updated_ms: nowMs })
    .where('hosting_order_id', '=', hostingOrderId)
    .where('phone_number', '=', phoneNumber)
    .where('is_manual_action', '=', 1)
    .execute();
}
