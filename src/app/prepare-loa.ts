import { createHash, randomBytes } from 'node:crypto';
import { nextHostingOrderState } from '../domain/states.js';
import type { LoaDocumentData } from '../domain/ports.js';
import type { Transaction } from 'kysely';
import { failedPrecondition, notFound } from '../domain/errors.js';
import type { Database, HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import { enqueueJob } from './job-payloads.js';
import { scheduleOsrUpdates } from './schedule-osr-updates.js';
import { parseTextEnableInfo } from './text-enable-numbers.js';

/** SHA-256 hex of a signing token: the stored form, so a database copy cannot sign. */
export function signingTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function orderNumbers(ctx: AppContext, hostingOrderId: string): Promise<string[]> {
  const rows = await ctx.storage.db
    .selectFrom('hosting_order_numbers')
    .select('phone_number')
    .where('hosting_order_id', '=', hostingOrderId)
    .orderBy('position')
    .execute();
  return rows.map((row) => row.phone_number);
}

/** Builds the LOA document data of a text-enable order from its stored fields. */
export function loaDocumentData(order: HostingOrderRow, phoneNumbers: readonly string[]): LoaDocumentData {
  const info = parseTextEnableInfo(order);
  return {
    hostingOrderId: order.id,
    loaType: info.loaType === 'Reseller' ? 'RESELLER' : 'DIRECT',
    ...(info.businessName === undefined ? {} : { businessName: info.businessName }),
    authorisedPerson: info.authorisedPerson ?? { firstName: '', lastName: '', email: '' },
    address: info.address ?? { buildingNumber: '', street: '', city: '', state: '', postalCode: '', country: '' },
    currentVoiceCarrier: info.currentVoiceCarrier ?? '',
    hostingProvider: info.serviceProvider,
    nnid: info.nnid,
    phoneNumbers,
    isTollFree: order.is_toll_free === 1,
    issuedAt: new Date(order.created_ms),
    ...(order.scheduled_osr_update_ms === null ? {} : { scheduledUpdateAt: new Date(order.scheduled_osr_update_ms) }),
  };
}

/**
 * Prepares a new text-enable order (a job). With a blanket LOA the order goes straight
 * to IN_PROGRESS. Otherwise the LOA PDF is written, a single-use signing link created,
 * and the mail that carries it queued (or kept in the outbox without SMTP); the order
 * then waits for the signature.
 */
export async function prepareLoa(ctx: AppContext, hostingOrderId: string): Promise<void> {
  const order = await ctx.storage.db.selectFrom('hosting_orders').selectAll().where('id', '=', hostingOrderId).executeTakeFirst();
  if (order === undefined || order.state !== 'SUBMITTED' || order.type !== 'TYPE_TEXT_ENABLE') {
    return;
  }
  const info = parseTextEnableInfo(order);
  if (info.loaType === undefined) {
    await startWithBlanketLoa(ctx, order);
    return;
  }
  const phoneNumbers = await orderNumbers(ctx, hostingOrderId);
  const pdf = await ctx.ports.documents.renderLoa(loaDocumentData(order, phoneNumbers));
  const moved = await ctx.storage.db.transaction().execute(async (trx) => {
    await ctx.storage.dialect.lockHostingOrder(trx, hostingOrderId);
    const nowMs = ctx.clock.now();
    const next = nextHostingOrderState('SUBMITTED', 'request_signature');
    const result = await trx
      .updateTable('hosting_orders')
      .set({ state: next as string, updated_ms: nowMs })
      .where('id', '=', hostingOrderId)
      .where('state', '=', 'SUBMITTED')
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      return false;
    }
    await trx
      .insertInto('loa_documents')
      .values({ hosting_order_id: hostingOrderId, kind: 'ORIGINAL', project_id: order.project_id, pdf_base64: Buffer.from(pdf).toString('base64'), sha256: sha256Hex(pdf), created_ms: nowMs })
      .execute();
    await mailSigningLink(trx, ctx, order, phoneNumbers, nowMs);
    return true;
  });
  if (moved) {
    ctx.logger.info({ projectId: order.project_id, hostingOrderId, numberCount: phoneNumbers.length, isMailed: ctx.ports.mailer !== undefined }, 'LOA sent for signature');
    ctx.wakeWorker();
  }
}

/**
 * Creates a single-use signing link for an order and queues the mail that carries it
 * (or keeps it in the outbox without SMTP), in the caller's transaction.
 */
async function mailSigningLink(trx: Transaction<Database>, ctx: AppContext, order: HostingOrderRow, phoneNumbers: readonly string[], nowMs: number): Promise<void> {
  const info = parseTextEnableInfo(order);
  const token = randomBytes(32).toString('base64url');
  const expiresMs = nowMs + ctx.config.loaLinkTtlMs;
  const signingUrl = `${ctx.config.publicBaseUrl}/loa/${token}`;
  const person = info.authorisedPerson ?? { firstName: '', lastName: '', email: '' };
  const mail = ctx.ports.documents.renderSigningMail({
    recipientName: `${person.firstName} ${person.lastName}`,
    providerName: info.serviceProvider,
    hostingOrderId: order.id,
    numberCount: phoneNumbers.length,
    firstNumbers: phoneNumbers.slice(0, 10),
    isTollFree: order.is_toll_free === 1,
    signingUrl,
    expiresAt: new Date(expiresMs),
    ...(info.businessName === undefined ? {} : { businessName: info.businessName }),
  });
  const isMailed = ctx.ports.mailer !== undefined;
  await trx
    .insertInto('signing_links')
    .values({ token_hash: signingTokenHash(token), hosting_order_id: order.id, project_id: order.project_id, expires_ms: expiresMs, used_ms: null, created_ms: nowMs })
    .execute();
  const emailId = newId();
  await trx
    .insertInto('emails')
    .values({
      id: emailId,
      project_id: order.project_id,
      hosting_order_id: order.id,
      to_address: person.email,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      links: JSON.stringify([signingUrl]),
      attachment_kind: 'LOA',
      state: isMailed ? 'QUEUED' : 'OUTBOX',
      attempts: 0,
      last_error: null,
      message_id: null,
      created_ms: nowMs,
      sent_ms: null,
    })
    .execute();
  if (isMailed) {
    await enqueueJob(trx, 'send_email', { emailId }, { runAtMs: nowMs, maxAttempts: 10 });
  }
}

/**
 * Sends an order waiting for its signature a new signing link (admin `:resendLoa`), for
 * a link that expired or a mail that went astray. Earlier links stop working.
 */
export async function resendLoa(ctx: AppContext, projectId: string, hostingOrderId: string): Promise<void> {
  const phoneNumbers = await orderNumbers(ctx, hostingOrderId);
  await ctx.storage.db.transaction().execute(async (trx) => {
    await ctx.storage.dialect.lockHostingOrder(trx, hostingOrderId);
    const order = await trx.selectFrom('hosting_orders').selectAll().where('id', '=', hostingOrderId).where('project_id', '=', projectId).executeTakeFirst();
    if (order === undefined) {
      throw notFound(`Hosting order ${hostingOrderId} was not found in project ${projectId}.`);
    }
    if (order.state !== 'WAITING_FOR_LOA_SIGNATURE') {
      throw failedPrecondition('hostingOrderId', `Order ${hostingOrderId} is ${order.state}; a new signing link is only sent while it is WAITING_FOR_LOA_SIGNATURE.`);
    }
    const nowMs = ctx.clock.now();
    await trx
      .updateTable('signing_links')
      .set({ expires_ms: nowMs - 1 })
      .where('hosting_order_id', '=', hostingOrderId)
      .where('used_ms', 'is', null)
      .where('expires_ms', '>', nowMs)
      .execute();
    await mailSigningLink(trx, ctx, order, phoneNumbers, nowMs);
  });
  ctx.logger.info({ projectId, hostingOrderId }, 'LOA signing link sent again');
  ctx.wakeWorker();
}

async function startWithBlanketLoa(ctx: AppContext, order: HostingOrderRow): Promise<void> {
  const started = await ctx.storage.db.transaction().execute(async (trx) => {
    await ctx.storage.dialect.lockHostingOrder(trx, order.id);
    const nowMs = ctx.clock.now();
    const result = await trx
      .updateTable('hosting_orders')
      .set({ state: nextHostingOrderState('SUBMITTED', 'start') as string, updated_ms: nowMs })
      .where('id', '=', order.id)
      .where('state', '=', 'SUBMITTED')
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      return false;
    }
    await scheduleOsrUpdates(trx, order, nowMs);
    return true;
  });
  if (started) {
    ctx.logger.info({ projectId: order.project_id, hostingOrderId: order.id }, 'text-enable order started under a blanket LOA');
    ctx.wakeWorker();
  }
}
