import type { AppContext } from './context.js';
import { HELD_BY_FAULT_PREFIX } from './deliver-callback.js';

export interface StateCount {
  state: string;
  count: number;
}

export interface FailingDelivery {
  eventId: string;
  projectId: string;
  eventType: string;
  resourceId: string;
  deliveryState: string;
  attempts: number;
  lastAttemptMs: number | null;
}

export interface WaitingTask {
  taskId: string;
  projectId: string;
  kind: string;
  phoneNumber: string;
  hostingOrderId: string | null;
  createdMs: number;
}

export interface OperatorDashboard {
  ordersByState: StateCount[];
  qualifiedNumbersByState: StateCount[];
  smsStepsByState: StateCount[];
  campaignStepsByState: StateCount[];
  failingDeliveryCount: number;
  failingDeliveries: FailingDelivery[];
  waitingTaskCount: number;
  oldestWaitingTasks: WaitingTask[];
}

const LIST_LIMIT = 10;

/**
 * Deliveries that need an operator's eye: attempts used up, or still pending after at
 * least one refused attempt. A sandbox fault rule's deliberate hold is not a failure.
 */
function failingDeliveries(ctx: AppContext, projectId: string | undefined) {
  let query = ctx.storage.db.selectFrom('callback_events').where((eb) =>
    eb.or([
      eb('delivery_state', '=', 'FAILED'),
      eb.and([
        eb('delivery_state', '=', 'PENDING'),
        eb('attempts', '>', 0),
        eb.not(
          eb.exists(
            eb
              .selectFrom('callback_attempts')
              .select('callback_attempts.id')
              .whereRef('callback_attempts.event_id', '=', 'callback_events.id')
              .whereRef('callback_attempts.attempt', '=', 'callback_events.attempts')
              .where('callback_attempts.error', 'like', `${HELD_BY_FAULT_PREFIX}%`),
          ),
        ),
      ]),
    ]),
  );
  if (projectId !== undefined) {
    query = query.where('project_id', '=', projectId);
  }
  return query;
}

/** Loads the counts and short lists of the console's dashboard, for one project or all of them. */
export async function loadOperatorDashboard(ctx: AppContext, projectId?: string): Promise<OperatorDashboard> {
  const db = ctx.storage.db;
  const countBy = async (table: 'hosting_orders' | 'qualified_numbers' | 'imported_numbers', column: 'state' | 'sms_state' | 'campaign_state') => {
    let query = db
      .selectFrom(table)
      .select([`${column} as state` as never, (eb) => eb.fn.countAll<number | string>().as('count')])
      .groupBy(column as never);
    if (projectId !== undefined) {
      query = query.where('project_id' as never, '=', projectId as never);
    }
    const rows = (await query.execute()) as unknown as { state: string; count: number | string }[];
    return rows.map((row) => ({ state: row.state, count: Number(row.count) })).sort((a, b) => a.state.localeCompare(b.state));
  };

  const failingCount = await failingDeliveries(ctx, projectId)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  const failingRows = await failingDeliveries(ctx, projectId)
    .select(['id', 'project_id', 'event_type', 'resource_id', 'delivery_state', 'attempts', 'last_attempt_ms'])
    .orderBy('created_ms', 'desc')
    .limit(LIST_LIMIT)
    .execute();

  let tasks = db.selectFrom('operator_tasks').where('state', '=', 'OPEN');
  if (projectId !== undefined) {
    tasks = tasks.where('project_id', '=', projectId);
  }
  const taskCount = await tasks.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
  const taskRows = await tasks
    .select(['id', 'project_id', 'kind', 'phone_number', 'hosting_order_id', 'created_ms'])
    .orderBy('created_ms', 'asc')
    .orderBy('id', 'asc')
    .limit(LIST_LIMIT)
    .execute();

  return {
    ordersByState: await countBy('hosting_orders', 'state'),
    qualifiedNumbersByState: await countBy('qualified_numbers', 'state'),
    smsStepsByState: await countBy('imported_numbers', 'sms_state'),
    campaignStepsByState: await countBy('imported_numbers', 'campaign_state'),
    failingDeliveryCount: Number(failingCount.count),
    failingDeliveries: failingRows.map((row) => ({
      eventId: row.id,
      projectId: row.project_id,
      eventType: row.event_type,
      resourceId: row.resource_id,
      deliveryState: row.delivery_state,
      attempts: row.attempts,
      lastAttemptMs: row.last_attempt_ms,
    })),
    waitingTaskCount: Number(taskCount.count),
    oldestWaitingTasks: taskRows.map((row) => ({
      taskId: row.id,
      projectId: row.project_id,
      kind: row.kind,
      phoneNumber: row.phone_number,
      hostingOrderId: row.hosting_order_id,
      createdMs: row.created_ms,
    })),
  };
}
