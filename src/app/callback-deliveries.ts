import { describeValue, failedPrecondition, invalidArgument, notFound } from '../domain/errors.js';
import type { CallbackAttemptRow, CallbackEventRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { deliveryJobPayload, enqueueJob } from './job-payloads.js';

const MAX_LISTED_DELIVERIES = 1000;

export function callbackDeliveryView(event: CallbackEventRow, attempts: CallbackAttemptRow[]) {
  return {
    id: event.id,
    eventId: event.id,
    hostingOrderId: event.hosting_order_id ?? '',
    resourceType: event.resource_type,
    resourceId: event.resource_id,
    eventType: event.event_type,
    status: event.status,
    failureCode: event.failure_code ?? '',
    url: event.url ?? '',
    deliveryState: event.delivery_state,
    createdTime: new Date(event.created_ms).toISOString(),
    deliveredTime: event.delivered_ms === null ? '' : new Date(event.delivered_ms).toISOString(),
    body: event.body,
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      startedTime: new Date(attempt.started_ms).toISOString(),
      durationMs: attempt.duration_ms,
      statusCode: attempt.status_code,
      error: attempt.error ?? '',
      responseExcerpt: attempt.response_excerpt ?? '',
    })),
  };
}

export interface CallbackDeliveryFilter {
  deliveryState?: string;
  resourceId?: string;
  hostingOrderId?: string;
}

/** Loads every delivery attempt of the given events, grouped by event id, in attempt order. */
export async function loadAttemptsByEvent(ctx: AppContext, eventIds: readonly string[]): Promise<Map<string, CallbackAttemptRow[]>> {
  const attemptsByEvent = new Map<string, CallbackAttemptRow[]>();
  if (eventIds.length === 0) {
    return attemptsByEvent;
  }
  const attempts = await ctx.storage.db
    .selectFrom('callback_attempts')
    .selectAll()
    .where('event_id', 'in', [...eventIds])
    .orderBy('attempt')
    .orderBy('started_ms')
    .execute();
  for (const attempt of attempts) {
    const list = attemptsByEvent.get(attempt.event_id) ?? [];
    list.push(attempt);
    attemptsByEvent.set(attempt.event_id, list);
  }
  return attemptsByEvent;
}

const DELIVERY_STATES = ['PENDING', 'DELIVERED', 'FAILED', 'NO_URL'];

/** Lists a project's events, newest first, each with every delivery attempt. */
export async function listCallbackDeliveries(ctx: AppContext, projectId: string, filter: CallbackDeliveryFilter) {
  if (filter.deliveryState !== undefined && filter.deliveryState !== '' && !DELIVERY_STATES.includes(filter.deliveryState)) {
    throw invalidArgument([{ field: 'deliveryState', description: `${describeValue(filter.deliveryState)} is not one of ${DELIVERY_STATES.join(', ')}.` }]);
  }
  let query = ctx.storage.db.selectFrom('callback_events').selectAll().where('project_id', '=', projectId);
  if (filter.deliveryState) query = query.where('delivery_state', '=', filter.deliveryState);
  if (filter.resourceId) query = query.where('resource_id', '=', filter.resourceId);
  if (filter.hostingOrderId) query = query.where('hosting_order_id', '=', filter.hostingOrderId);
  const events = await query.orderBy('created_ms', 'desc').orderBy('id', 'desc').limit(MAX_LISTED_DELIVERIES).execute();
  const attemptsByEvent = await loadAttemptsByEvent(ctx, events.map((event) => event.id));
  return events.map((event) => callbackDeliveryView(event, attemptsByEvent.get(event.id) ?? []));
}

/** Queues one more delivery of an event, with the same id and body, whatever its state. */
export async function redeliverCallback(ctx: AppContext, projectId: string, eventId: string) {
  await ctx.storage.db.transaction().execute(async (trx) => {
    await ctx.storage.dialect.lockCallbackEvent(trx, eventId);
    const event = await trx.selectFrom('callback_events').selectAll().where('id', '=', eventId).where('project_id', '=', projectId).executeTakeFirst();
    if (event === undefined) {
      throw notFound(`Callback event ${eventId} was not found in project ${projectId}.`);
    }
    if (event.url === null) {
      throw failedPrecondition('eventId', `Event ${eventId} has no callback URL to deliver to. Set callbackUrl on the number or order; events raised after that are delivered.`);
    }
    await trx.updateTable('callback_events').set({ delivery_state: 'PENDING', delivered_ms: null }).where('id', '=', eventId).execute();
    // An event waiting for a retry already has its delivery job: move it forward and give
    // it a fresh attempt budget rather than queueing a second one. A job a worker has claimed
    // right now may be about to finish, so it is left alone and a new one is queued.
    const queued = await trx
      .updateTable('jobs')
      .set({ run_at_ms: ctx.clock.now(), attempts: 0 })
      .where('type', '=', 'deliver_callback')
      .where('payload', '=', JSON.stringify(deliveryJobPayload(eventId)))
      .where('locked_by', 'is', null)
      .executeTakeFirst();
    if (queued.numUpdatedRows === 0n) {
      await enqueueJob(trx, 'deliver_callback', deliveryJobPayload(eventId), { runAtMs: ctx.clock.now(), maxAttempts: ctx.config.callbackMaxAttempts });
    }
  });
  ctx.wakeWorker();
  const [delivery] = await listCallbackDeliveriesById(ctx, projectId, eventId);
  return delivery;
}

async function listCallbackDeliveriesById(ctx: AppContext, projectId: string, eventId: string) {
  const event = await ctx.storage.db.selectFrom('callback_events').selectAll().where('id', '=', eventId).where('project_id', '=', projectId).executeTakeFirstOrThrow();
  const attempts = await ctx.storage.db.selectFrom('callback_attempts').selectAll().where('event_id', '=', eventId).orderBy('attempt').execute();
  return [callbackDeliveryView(event, attempts)];
}
