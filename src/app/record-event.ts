import type { Transaction } from 'kysely';
import type { CallbackPayload, NewEvent } from '../domain/events.js';
import { toIsoTime } from '../domain/time.js';
import type { Database } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import { deliveryJobPayload, enqueueJob } from './job-payloads.js';

/** Serialises a payload with the spec's field order; the result is the exact body sent. */
export function serializeCallbackPayload(payload: CallbackPayload): string {
  const ordered: CallbackPayload = {
    resourceType: payload.resourceType,
    eventType: payload.eventType,
    eventId: payload.eventId,
    timestamp: payload.timestamp,
    projectId: payload.projectId,
    resourceId: payload.resourceId,
    status: payload.status,
  };
  if (payload.failureCode !== undefined) {
    ordered.failureCode = payload.failureCode;
  }
  return JSON.stringify(ordered);
}

/**
 * Writes an event to the outbox in the caller's transaction and, when it has a URL,
 * the job that delivers it. The event id and body are fixed here and reused by every
 * delivery attempt.
 */
export async function recordEvent(trx: Transaction<Database>, ctx: AppContext, event: NewEvent): Promise<string> {
  const eventId = newId();
  const nowMs = ctx.clock.now();
  const payload: CallbackPayload = {
    resourceType: event.resourceType,
    eventType: event.eventType,
    eventId,
    timestamp: toIsoTime(nowMs),
    projectId: event.projectId,
    resourceId: event.resourceId,
    status: event.status,
    ...(event.status === 'FAILED' && event.failureCode !== undefined ? { failureCode: event.failureCode } : {}),
  };
  await trx
    .insertInto('callback_events')
    .values({
      id: eventId,
      project_id: event.projectId,
      hosting_order_id: event.hostingOrderId ?? null,
      resource_type: event.resourceType,
      resource_id: event.resourceId,
      event_type: event.eventType,
      status: event.status,
      failure_code: payload.failureCode ?? null,
      url: event.callbackUrl,
      body: serializeCallbackPayload(payload),
      delivery_state: event.callbackUrl === null ? 'NO_URL' : 'PENDING',
      attempts: 0,
      created_ms: nowMs,
      delivered_ms: null,
      last_attempt_ms: null,
    })
    .execute();
  if (event.callbackUrl !== null) {
    await enqueueJob(trx, 'deliver_callback', deliveryJobPayload(eventId), { runAtMs: nowMs, maxAttempts: ctx.config.callbackMaxAttempts });
  }
  return eventId;
}
