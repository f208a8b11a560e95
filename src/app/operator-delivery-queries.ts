/**
 * Read-only queries behind the console's callback page: events of every project or one,
 * filtered and paged newest first, each with every delivery attempt.
 */
import type { CallbackAttemptRow, CallbackEventRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { loadAttemptsByEvent } from './callback-deliveries.js';

/** Events shown per console page. */
export const DELIVERIES_PER_PAGE = 50;

/** The position after the last event of a page: its creation time and its id, which breaks ties. */
export interface DeliveryCursor {
  createdMs: number;
  eventId: string;
}

export interface DeliveryFilter {
  projectId?: string;
  deliveryState?: string;
  eventType?: string;
  /** The resource id: a phone number for both resource types. */
  resourceId?: string;
  eventId?: string;
  /** Position to continue from: only events older than this one are listed. */
  after?: DeliveryCursor;
}

export interface DeliveryAttemptView {
  attempt: number;
  startedMs: number;
  durationMs: number;
  statusCode: number | null;
  error: string;
  responseExcerpt: string;
}

export interface DeliveryView {
  eventId: string;
  projectId: string;
  hostingOrderId: string | null;
  resourceType: string;
  resourceId: string;
  eventType: string;
  status: string;
  failureCode: string;
  /** The callback URL without user name and password. */
  url: string | null;
  deliveryState: string;
  attemptCount: number;
  createdMs: number;
  deliveredMs: number | null;
  body: string;
  attempts: DeliveryAttemptView[];
}

export interface DeliveryPage {
  deliveries: DeliveryView[];
  /** The cursor of the next page, or undefined on the last page. */
  next: DeliveryCursor | undefined;
}

/**
 * Returns `url` without the user name and password it may carry, so the console never
 * shows credentials an integrator put into a callback URL. Text that is not a valid URL
 * but contains `@` loses everything between its first `//` and its last `@`, because a
 * password may hold any character there.
 */
export function urlWithoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') {
      return url;
    }
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    const lastAt = url.lastIndexOf('@');
    if (lastAt === -1) {
      return url;
    }
    const authorityStart = url.indexOf('//');
    const prefix = authorityStart === -1 || authorityStart > lastAt ? '' : url.slice(0, authorityStart + 2);
    return prefix + url.slice(lastAt + 1);
  }
}

function deliveryView(event: CallbackEventRow, attempts: readonly CallbackAttemptRow[]): DeliveryView {
  return {
    eventId: event.id,
    projectId: event.project_id,
    hostingOrderId: event.hosting_order_id,
    resourceType: event.resource_type,
    resourceId: event.resource_id,
    eventType: event.event_type,
    status: event.status,
    failureCode: event.failure_code ?? '',
    url: event.url === null ? null : urlWithoutCredentials(event.url),
    deliveryState: event.delivery_state,
    attemptCount: event.attempts,
    createdMs: event.created_ms,
    deliveredMs: event.delivered_ms,
    body: event.body,
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      startedMs: attempt.started_ms,
      durationMs: attempt.duration_ms,
      statusCode: attempt.status_code,
      error: attempt.error ?? '',
      responseExcerpt: attempt.response_excerpt ?? '',
    })),
  };
}

/** Lists callback events newest first, DELIVERIES_PER_PAGE at a time, each with its attempts in order. */
export async function listDeliveriesForConsole(ctx: AppContext, filter: DeliveryFilter): Promise<DeliveryPage> {
  let query = ctx.storage.db.selectFrom('callback_events').selectAll();
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId);
  if (filter.deliveryState !== undefined) query = query.where('delivery_state', '=', filter.deliveryState);
  if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
  if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
  if (filter.eventId !== undefined) query = query.where('id', '=', filter.eventId);
  const after = filter.after;
  if (after !== undefined) {
    query = query.where((eb) => eb.or([eb('created_ms', '<', after.createdMs), eb.and([eb('created_ms', '=', after.createdMs), eb('id', '<', after.eventId)])]));
  }

  // One row more than a page shows whether another page follows.
  const rows = await query.orderBy('created_ms', 'desc').orderBy('id', 'desc').limit(DELIVERIES_PER_PAGE + 1).execute();
  const events = rows.slice(0, DELIVERIES_PER_PAGE);

  const attemptsByEvent = await loadAttemptsByEvent(ctx, events.map((event) => event.id));

  const last = events.at(-1);
  return {
    deliveries: events.map((event) => deliveryView(event, attemptsByEvent.get(event.id) ?? [])),
    next: rows.length > DELIVERIES_PER_PAGE && last !== undefined ? { createdMs: last.created_ms, eventId: last.id } : undefined,
  };
}

/** Returns the delivery states and event types stored so far, for the console's filter lists. */
export async function listStoredDeliveryValues(ctx: AppContext): Promise<{ deliveryStates: string[]; eventTypes: string[] }> {
  const states = await ctx.storage.db.selectFrom('callback_events').select('delivery_state').distinct().orderBy('delivery_state').execute();
  const types = await ctx.storage.db.selectFrom('callback_events').select('event_type').distinct().orderBy('event_type').execute();
  return { deliveryStates: states.map((row) => row.delivery_state), eventTypes: types.map((row) => row.event_type) };
}
