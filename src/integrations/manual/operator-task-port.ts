import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import type { OperatorTaskKind } from '../../domain/operator-tasks.js';
import { isTaskFailureCode } from '../../domain/operator-tasks.js';
import type { StepOutcome, StepPhase } from '../../domain/ports.js';
import type { Database, OperatorTaskRow } from '../../storage/schema.js';

/** The identity of one step's task, so that a repeated submit of the step finds the same task. */
export interface OperatorTaskKey {
  projectId: string;
  phoneNumber: string;
  kind: OperatorTaskKind;
  /** The NNID, service plan or campaign of the step. */
  targetId: string;
  /** Null for a step of an imported number changed outside any hosting order. */
  hostingOrderId: string | null;
  isTollFree: boolean;
}

export interface OperatorTaskPortOptions {
  db: Kysely<Database>;
  /** The dialect's hosting order row lock, the one that rejecting an order takes too. */
  lockHostingOrder: (trx: Transaction<Database>, hostingOrderId: string) => Promise<void>;
  /** The service clock, in milliseconds. */
  now: () => number;
  newId: () => string;
  /** How long a waiting step sleeps before it checks its task again. */
  checkAfterMs: () => number;
}

/**
 * The part the three manual adapters share: a submitted step becomes an OPEN operator
 * task, and a check reads the newest task of the step. An operator resolves the task
 * through the admin API; the step then ends as the task did.
 */
export class OperatorTaskPort {
  constructor(private readonly options: OperatorTaskPortOptions) {}

  async runStep(key: OperatorTaskKey, phase: StepPhase): Promise<StepOutcome> {
    if (phase === 'submit') {
      return this.submit(key);
    }
    const task = await this.newestTask(key);
    // No live task: the step was submitted to another adapter before the switch to
    // manual mode, its task row is gone, or its task was cancelled while the step still
    // runs. Submitting again hands it to an operator, unless its order has ended.
    if (task === undefined || task.state === 'CANCELLED') {
      return this.submit(key);
    }
    return outcomeOf(task, this.options.checkAfterMs());
  }

  /**
   * Creates an OPEN task for the step, or reuses the OPEN one that a submit interrupted
   * by a crash already created, and marks the order number as waiting for an operator.
   * NOTE: a crash after the task was created, followed by a resolution before the rerun,
   * makes the rerun open a second task. A resolved task may also belong to an earlier run
   * of the same step (a retry, or a relink to the same target), so it cannot be reused.
   *
   * A step of an order opens its task only while the order is IN_PROGRESS, checked under
   * the order's row lock, because the step job read the order earlier and an operator may
   * have rejected it since. Such a step gets no task and stays pending, and its job ends
   * at the next run, which finds the order no longer IN_PROGRESS. Rejecting takes the
   * same lock and cancels the order's OPEN tasks, so whichever transaction commits second
   * finds the other's result and no OPEN task outlives the order. Only OSR steps meet
   * this case: an order can be rejected only while all its OSR updates are WAITING, and
   * it completes only after all its numbers' steps have ended.
   */
  private async submit(key: OperatorTaskKey): Promise<StepOutcome> {
    const { db, lockHostingOrder, now, newId } = this.options;
    await db.transaction().execute(async (trx) => {
      if (key.hostingOrderId !== null) {
        await lockHostingOrder(trx, key.hostingOrderId);
        const order = await trx.selectFrom('hosting_orders').select('state').where('id', '=', key.hostingOrderId).executeTakeFirst();
        if (order?.state !== 'IN_PROGRESS') {
          return;
        }
      }
      const open = await whereKey(trx.selectFrom('operator_tasks').select('id'), key).where('state', '=', 'OPEN').executeTakeFirst();
      const nowMs = now();
      if (open === undefined) {
        await trx
          .insertInto('operator_tasks')
          .values({
            id: newId(),
            project_id: key.projectId,
            kind: key.kind,
            phone_number: key.phoneNumber,
            target_id: key.targetId,
            hosting_order_id: key.hostingOrderId,
            is_toll_free: key.isTollFree ? 1 : 0,
            state: 'OPEN',
            failure_code: '',
            error_message: '',
            note: '',
            created_ms: nowMs,
            resolved_ms: null,
          })
          .execute();
      }
      if (key.hostingOrderId !== null) {
        await trx
          .updateTable('hosting_order_numbers')
          .set({ is_manual_action: 1, updated_ms: nowMs })
          .where('hosting_order_id', '=', key.hostingOrderId)
          .where('phone_number', '=', key.phoneNumber)
          .where('is_manual_action', '=', 0)
          .execute();
      }
    });
    return { kind: 'pending', checkAfterMs: this.options.checkAfterMs() };
  }

  private newestTask(key: OperatorTaskKey): Promise<OperatorTaskRow | undefined> {
    return whereKey(this.options.db.selectFrom('operator_tasks').selectAll(), key)
      .orderBy('created_ms', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
}

function whereKey<O>(query: SelectQueryBuilder<Database, 'operator_tasks', O>, key: OperatorTaskKey): SelectQueryBuilder<Database, 'operator_tasks', O> {
  const scoped = query
    .where('project_id', '=', key.projectId)
    .where('phone_number', '=', key.phoneNumber)
    .where('kind', '=', key.kind)
    .where('target_id', '=', key.targetId);
  return key.hostingOrderId === null ? scoped.where('hosting_order_id', 'is', null) : scoped.where('hosting_order_id', '=', key.hostingOrderId);
}

/**
 * Converts a task to its step outcome. A failed campaign task names no carrier, so the
 * step marks all four carriers failed with the task's code, as for any campaign failure
 * that is not carrier-specific.
 */
function outcomeOf(task: OperatorTaskRow, checkAfterMs: number): StepOutcome {
  if (task.state === 'COMPLETED') {
    return { kind: 'done' };
  }
  if (task.state !== 'FAILED') {
    return { kind: 'pending', checkAfterMs };
  }
  const errorMessage = task.error_message !== '' ? task.error_message : `Operator task ${task.id} failed with ${task.failure_code}.`;
  const kind = task.kind as OperatorTaskKind;
  if (!isTaskFailureCode(kind, task.failure_code)) {
    // Only a row written outside the admin API gets here. Its code is no spec failure code, so no callback may carry it.
    return { kind: 'failed', errorCode: task.failure_code || 'OPERATOR_TASK_FAILED', errorMessage };
  }
  return { kind: 'failed', failureCode: task.failure_code, errorCode: task.failure_code, errorMessage };
}
