import { createHmac } from 'node:crypto';
import { toStorableText } from '../domain/storable-text.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import type { CallbackEventRow } from '../storage/schema.js';
import type { DeliveryFault } from './fault-rules.js';
import { takeDeliveryFault } from './fault-rules.js';
import { deliveryJobPayload } from './job-payloads.js';

const RESPONSE_EXCERPT_CHARS = 512;

/** Lowercase hex HMAC-SHA1 of the exact body bytes, keyed with the secret as UTF-8: the `X-Sinch-Signature` value. */
export function sinchSignature(body: string, hmacSecret: string): string {
  return createHmac('sha1', Buffer.from(hmacSecret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
}

/**
 * Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`):
 * HMAC-SHA256 over `id.timestamp.body`, keyed with the base64 part of a `whsec_` secret.
 */
export function standardWebhookHeaders(eventId: string, body: string, secret: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const signature = createHmac('sha256', key).update(`${eventId}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': eventId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

export class CallbackDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallbackDeliveryError';
  }
}

/** The next step of a delivery job: finish, or run again at `runAtMs` after a fault rule's hold. */
export type DeliveryJobResult = { kind: 'done' } | { kind: 'reschedule'; runAtMs: number };

interface AttemptRecord {
  attempt: number;
  durationMs: number;
  statusCode: number | null;
  excerpt: string | null;
  error: string | null;
  isDelivered: boolean;
  /** Set by a DROP fault: the event is not retried. */
  isDropped?: boolean;
}

/** Prefix of the attempt error recorded for a delivery held by a DELAY or REORDER fault rule. */
export const HELD_BY_FAULT_PREFIX = 'Held for ';

/**
 * Sends one event to its callback URL and records the attempt. Throws when the receiver
 * did not respond with 2xx, so the job retries with backoff; every retry sends the same body
 * and event id, signed with the project's current secret. Attempts are numbered per
 * event, so a redelivery continues the numbering of the attempts before it. In sandbox
 * mode a CALLBACK_DELIVERY fault rule may drop, hold or duplicate the first delivery
 * of an event, recorded as an attempt whose error names the rule.
 */
export async function deliverCallback(ctx: AppContext, eventId: string, jobId: string): Promise<DeliveryJobResult> {
  const event = await ctx.storage.db.selectFrom('callback_events').selectAll().where('id', '=', eventId).executeTakeFirst();
  // A DELIVERED event is sent again when its job runs anyway: that job is a redelivery the
  // operator asked for, or a retry after a crash that came between sending and recording.
  if (event === undefined || event.url === null) {
    return { kind: 'done' };
  }
  if (await isEarlierDeliveryInFlight(ctx, eventId, jobId)) {
    // A redelivery queued while an earlier job of this event is still sending waits for
    // it, so the receiver never gets one event twice at once.
    return { kind: 'reschedule', runAtMs: ctx.clock.now() + IN_FLIGHT_WAIT_MS };
  }
  const fault = ctx.config.mode === 'sandbox' ? await takeDeliveryFault(ctx.storage.db, event) : undefined;
  if (fault !== undefined && fault.action !== 'DUPLICATE') {
    return applyHoldOrDrop(ctx, event, fault);
  }
  const headers = await signedHeaders(ctx, event);
  // A DUPLICATE fault sends the same bytes with the same headers twice, as a receiver behind a retrying proxy may see them.
  const copies = fault?.action === 'DUPLICATE' ? 2 : 1;
  let isDelivered = false;
  let last: AttemptRecord | undefined;
  for (let copy = 0; copy < copies; copy += 1) {
    last = await postEvent(ctx, event.url, event.body, headers, event.attempts + 1 + copy);
    if (copy > 0 && fault !== undefined) {
      const note = `Duplicate of attempt ${event.attempts + 1}, sent by fault rule ${fault.ruleId} (DUPLICATE).`;
      last.error = last.error === null ? note : `${note} ${last.error}`;
    }
    await recordAttempt(ctx, event, last);
    isDelivered ||= last.isDelivered;
  }
  if (!isDelivered && last !== undefined) {
    if (await hasOtherQueuedDelivery(ctx, eventId, jobId)) {
      // A redelivery queued while this attempt ran takes over the retries, so the event
      // is not retried by two jobs at once.
      return { kind: 'done' };
    }
    const { attempt, statusCode, durationMs, error } = last;
    ctx.logger.warn({ eventId: event.id, projectId: event.project_id, attempt, statusCode, durationMs, err: error === null ? undefined : { message: error } }, 'callback delivery failed');
    throw new CallbackDeliveryError(error ?? `The receiver responded with HTTP ${statusCode}; only 2xx counts as delivered.`);
  }
  return { kind: 'done' };
}

async function signedHeaders(ctx: AppContext, event: CallbackEventRow): Promise<Record<string, string>> {
  const project = await ctx.storage.db
    .selectFrom('projects')
    .select(['hmac_secret', 'standard_webhooks_secret'])
    .where('id', '=', event.project_id)
    .executeTakeFirst();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'numberhost-callbacks/1' };
  if (project?.hmac_secret) {
    headers['x-sinch-signature'] = sinchSignature(event.body, project.hmac_secret);
  }
  if (project?.standard_webhooks_secret) {
    Object.assign(headers, standardWebhookHeaders(event.id, event.body, project.standard_webhooks_secret, ctx.clock.wallClockNow()));
  }
  return headers;
}

/**
 * POSTs the body once and measures the attempt. A failed request becomes the attempt's
 * `error` instead of an exception. The response excerpt and the error come from the far
 * side, so characters the database cannot store (a NUL in the body) become U+FFFD.
 */
async function postEvent(ctx: AppContext, url: string, body: string, headers: Record<string, string>, attempt: number): Promise<AttemptRecord> {
  const startedMs = ctx.clock.wallClockNow();
  let statusCode: number | null = null;
  let excerpt: string | null = null;
  let error: string | null = null;
  try {
    const response = await ctx.callbackSender.post(url, body, headers, ctx.config.callbackTimeoutMs);
    statusCode = response.statusCode;
    excerpt = toStorableText(response.bodyExcerpt.slice(0, RESPONSE_EXCERPT_CHARS));
  } catch (caught) {
    error = toStorableText(caught instanceof Error ? caught.message : String(caught));
  }
  const durationMs = ctx.clock.wallClockNow() - startedMs;
  const isDelivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
  ctx.metrics.deliveries.inc({ result: isDelivered ? 'delivered' : 'failed' });
  ctx.metrics.deliveryDuration.observe(durationMs / 1000);
  return { attempt, durationMs, statusCode, excerpt, error, isDelivered };
}

async function recordAttempt(ctx: AppContext, event: CallbackEventRow, record: AttemptRecord): Promise<void> {
  await ctx.storage.db.transaction().execute(async (trx) => {
    const nowMs = ctx.clock.now();
    await trx
      .insertInto('callback_attempts')
      .values({
        id: newId(),
        event_id: event.id,
        project_id: event.project_id,
        attempt: record.attempt,
        started_ms: nowMs - record.durationMs,
        duration_ms: record.durationMs,
        status_code: record.statusCode,
        error: record.error,
        response_excerpt: record.excerpt,
      })
      .execute();
    let finalState = {};
    if (record.isDelivered) {
      finalState = { delivery_state: 'DELIVERED', delivered_ms: nowMs };
    } else if (record.isDropped === true) {
      finalState = { delivery_state: 'FAILED' };
    }
    await trx
      .updateTable('callback_events')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_attempt_ms: nowMs, ...finalState }))
      .where('id', '=', event.id)
      .execute();
  });
}

/**
 * Applies a DROP, DELAY or REORDER fault: records an attempt that names the rule and sends
 * nothing. A dropped event ends FAILED without retries, and only a redelivery sends it.
 * A held event is sent when its job runs again after the hold, on the service clock.
 */
async function applyHoldOrDrop(ctx: AppContext, event: CallbackEventRow, fault: DeliveryFault): Promise<DeliveryJobResult> {
  const isDropped = fault.action === 'DROP';
  const error = isDropped
    ? `Dropped by fault rule ${fault.ruleId} (DROP): no request was sent and the event is not retried; redeliver it to send it.`
    : `${HELD_BY_FAULT_PREFIX}${fault.holdMs} ms by fault rule ${fault.ruleId} (${fault.action}): the request is sent after the hold.`;
  await recordAttempt(ctx, event, { attempt: event.attempts + 1, durationMs: 0, statusCode: null, excerpt: null, error, isDelivered: false, isDropped });
  ctx.logger.info({ eventId: event.id, projectId: event.project_id, ruleId: fault.ruleId, action: fault.action, holdMs: fault.holdMs }, 'callback delivery fault injected');
  return isDropped ? { kind: 'done' } : { kind: 'reschedule', runAtMs: ctx.clock.now() + fault.holdMs };
}

/** How long a delivery job waits before it looks again when an earlier job of its event is still sending. */
const IN_FLIGHT_WAIT_MS = 1000;

/**
 * Returns whether an older job of the same event is held by a worker right now. Job ids
 * are ULIDs, so the older job has the smaller id. Only the job with the larger id waits,
 * so two jobs never wait for each other.
 * NOTE: ULIDs made in the same millisecond sort randomly, so of two jobs queued in one
 * millisecond the one queued second may be the one that proceeds.
 */
async function isEarlierDeliveryInFlight(ctx: AppContext, eventId: string, jobId: string): Promise<boolean> {
  const earlier = await ctx.storage.db
    .selectFrom('jobs')
    .select('id')
    .where('type', '=', 'deliver_callback')
    .where('payload', '=', JSON.stringify(deliveryJobPayload(eventId)))
    .where('id', '<', jobId)
    .where('locked_by', 'is not', null)
    .where('locked_until_ms', '>', ctx.clock.wallClockNow())
    .executeTakeFirst();
  return earlier !== undefined;
}

async function hasOtherQueuedDelivery(ctx: AppContext, eventId: string, jobId: string): Promise<boolean> {
  const other = await ctx.storage.db
    .selectFrom('jobs')
    .select('id')
    .where('type', '=', 'deliver_callback')
    .where('payload', '=', JSON.stringify(deliveryJobPayload(eventId)))
    .where('id', '!=', jobId)
    .executeTakeFirst();
  return other !== undefined;
}

/** Marks an event whose delivery attempts are used up; an operator can still redeliver it. */
export async function markDeliveryExhausted(ctx: AppContext, eventId: string): Promise<void> {
  await ctx.storage.db
    .updateTable('callback_events')
    .set({ delivery_state: 'FAILED' })
    .where('id', '=', eventId)
    .where('delivery_state', '=', 'PENDING')
    .execute();
}
