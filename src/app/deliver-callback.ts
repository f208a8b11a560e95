import { createHmac } from 'node:crypto';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
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

/**
 * Sends one event to its callback URL and records the attempt. Throws when the receiver
 * did not respond with 2xx, so the job retries with backoff; every retry sends the same body
 * and event id, signed with the project's current secret. Attempts are numbered per
 * event, so a redelivery continues the numbering of the attempts before it.
 */
export async function deliverCallback(ctx: AppContext, eventId: string, jobId: string): Promise<void> {
  const event = await ctx.storage.db.selectFrom('callback_events').selectAll().where('id', '=', eventId).executeTakeFirst();
  // A DELIVERED event is sent again when its job runs anyway: that job is a redelivery the
  // operator asked for, or a retry after a crash that came between sending and recording.
  if (event === undefined || event.url === null) {
    return;
  }
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

  const startedMs = ctx.clock.wallClockNow();
  let statusCode: number | null = null;
  let excerpt: string | null = null;
  let error: string | null = null;
  try {
    const response = await ctx.callbackSender.post(event.url, event.body, headers, ctx.config.callbackTimeoutMs);
    statusCode = response.statusCode;
    excerpt = response.bodyExcerpt.slice(0, RESPONSE_EXCERPT_CHARS);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  const durationMs = ctx.clock.wallClockNow() - startedMs;
  const isDelivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
  ctx.metrics.deliveries.inc({ result: isDelivered ? 'delivered' : 'failed' });
  ctx.metrics.deliveryDuration.observe(durationMs / 1000);

  await ctx.storage.db.transaction().execute(async (trx) => {
    const nowMs = ctx.clock.now();
    await trx
      .insertInto('callback_attempts')
      .values({
        id: newId(),
        event_id: event.id,
        project_id: event.project_id,
        attempt: event.attempts + 1,
        started_ms: nowMs - durationMs,
        duration_ms: durationMs,
        status_code: statusCode,
        error,
        response_excerpt: excerpt,
      })
      .execute();
    await trx
      .updateTable('callback_events')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_attempt_ms: nowMs,
        ...(isDelivered ? { delivery_state: 'DELIVERED', delivered_ms: nowMs } : {}),
      }))
      .where('id', '=', event.id)
      .execute();
  });
  if (!isDelivered) {
    if (await hasOtherQueuedDelivery(ctx, eventId, jobId)) {
      // A redelivery queued while this attempt ran takes over the retries, so the event
      // is not retried by two jobs at once.
      return;
    }
    ctx.logger.warn({ eventId: event.id, projectId: event.project_id, attempt: event.attempts + 1, statusCode, durationMs, err: error === null ? undefined : { message: error } }, 'callback delivery failed');
    throw new CallbackDeliveryError(error ?? `The receiver responded with HTTP ${statusCode}; only 2xx counts as delivered.`);
  }
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
