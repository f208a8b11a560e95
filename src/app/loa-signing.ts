import type { Transaction } from 'kysely';
import { addressLine, personName } from '../domain/loa-rules.js';
import { nextHostingOrderState } from '../domain/states.js';
import type { Database, HostingOrderRow } from '../storage/schema.js';
import { cancelOrderOperatorTasks } from './cancel-operator-tasks.js';
import type { AppContext } from './context.js';
import { sha256Hex, signingTokenHash } from './prepare-loa.js';
import { scheduleOsrUpdates } from './schedule-osr-updates.js';
import { failOrderNumbers } from './settle-order-numbers.js';
import { parseTextEnableInfo } from './text-enable-numbers.js';

/** The order summary that the signing page of an open link shows. */
export interface SigningSummary {
  hostingOrderId: string;
  providerName: string;
  loaType: 'DIRECT' | 'RESELLER';
  businessName?: string;
  authorisedPersonName: string;
  address: string;
  currentVoiceCarrier: string;
  nnid: string;
  isTollFree: boolean;
  phoneNumbers: string[];
  scheduledUpdateTime?: string;
  expiresAt: string;
}

export type SigningLinkState =
  | { kind: 'open'; summary: SigningSummary }
  | { kind: 'unknown' }
  | { kind: 'expired'; expiredAt: string }
  | { kind: 'signed'; hostingOrderId: string }
  | { kind: 'declined'; hostingOrderId: string }
  /** The order left WAITING_FOR_LOA_SIGNATURE another way (an operator rejected it). */
  | { kind: 'closed' };

/** The signer's connection details, as the certificate records them. */
export interface SignerDetails {
  ipAddress: string;
  userAgent: string;
}

/** A link's state without the open link's summary, which only the signing page needs. */
type LinkCheck = Exclude<SigningLinkState, { kind: 'open' }> | { kind: 'open'; expiresMs: number };

/** Returns the state to report when a link cannot be used. An open link whose order is gone reports as unknown. */
function unusableLinkState(check: LinkCheck): Exclude<SigningLinkState, { kind: 'open' }> {
  return check.kind === 'open' ? { kind: 'unknown' } : check;
}

interface LinkLookup {
  state: LinkCheck;
  order: HostingOrderRow | undefined;
}

const MAX_SIGNER_NAME_CHARS = 200;
const MAX_REASON_CHARS = 500;
const MAX_USER_AGENT_CHARS = 500;

/**
 * Checks what a link leads to: its order and whether it can still be signed. It reads
 * no numbers, so the checks inside the sign and decline transactions stay cheap for a
 * 500-number order. The signing page adds the numbers with signingSummary.
 */
async function lookUp(db: Transaction<Database> | AppContext['storage']['db'], ctx: AppContext, token: string): Promise<LinkLookup> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) {
    return { state: { kind: 'unknown' }, order: undefined };
  }
  const link = await db.selectFrom('signing_links').selectAll().where('token_hash', '=', signingTokenHash(token)).executeTakeFirst();
  if (link === undefined) {
    return { state: { kind: 'unknown' }, order: undefined };
  }
  const order = await db.selectFrom('hosting_orders').selectAll().where('id', '=', link.hosting_order_id).executeTakeFirst();
  if (order === undefined) {
    return { state: { kind: 'unknown' }, order: undefined };
  }
  // An expired link shows nothing more, not even the signed document.
  if (ctx.clock.now() > link.expires_ms) {
    return { state: { kind: 'expired', expiredAt: new Date(link.expires_ms).toISOString() }, order };
  }
  const decision = await db.selectFrom('loa_decisions').select('outcome').where('hosting_order_id', '=', order.id).executeTakeFirst();
  // An order the operator rejected after signing is closed, whatever the signer did.
  if (decision !== undefined && !(decision.outcome === 'SIGNED' && order.state === 'REJECTED')) {
    return { state: { kind: decision.outcome === 'SIGNED' ? 'signed' : 'declined', hostingOrderId: order.id }, order };
  }
  if (order.state !== 'WAITING_FOR_LOA_SIGNATURE') {
    return { state: { kind: 'closed' }, order };
  }
  // A link used up while the order still waits was replaced by a newer one.
  if (link.used_ms !== null) {
    return { state: { kind: 'expired', expiredAt: new Date(link.used_ms).toISOString() }, order };
  }
  return { state: { kind: 'open', expiresMs: link.expires_ms }, order };
}

/** Builds what the signing page shows of an open link's order, numbers included. */
async function signingSummary(ctx: AppContext, order: HostingOrderRow, expiresMs: number): Promise<SigningSummary> {
  const numbers = await ctx.storage.db
    .selectFrom('hosting_order_numbers')
    .select('phone_number')
    .where('hosting_order_id', '=', order.id)
    .orderBy('position')
    .execute();
  const info = parseTextEnableInfo(order);
  return {
    hostingOrderId: order.id,
    providerName: info.serviceProvider,
    loaType: info.loaType === 'Reseller' ? 'RESELLER' : 'DIRECT',
    ...(info.businessName === undefined ? {} : { businessName: info.businessName }),
    authorisedPersonName: info.authorisedPerson === undefined ? '' : personName(info.authorisedPerson),
    address: info.address === undefined ? '' : addressLine(info.address),
    currentVoiceCarrier: info.currentVoiceCarrier ?? '',
    nnid: info.nnid,
    isTollFree: order.is_toll_free === 1,
    phoneNumbers: numbers.map((number) => number.phone_number),
    ...(order.scheduled_osr_update_ms === null ? {} : { scheduledUpdateTime: new Date(order.scheduled_osr_update_ms).toISOString() }),
    expiresAt: new Date(expiresMs).toISOString(),
  };
}

/** Reads what a signing link leads to, without changing anything. */
export async function openSigningLink(ctx: AppContext, token: string): Promise<SigningLinkState> {
  const { state, order } = await lookUp(ctx.storage.db, ctx, token);
  if (state.kind !== 'open' || order === undefined) {
    return unusableLinkState(state);
  }
  return { kind: 'open', summary: await signingSummary(ctx, order, state.expiresMs) };
}

/**
 * The LOA PDF a link may show: the original while the link is open, the signed copy
 * after it was signed; nothing for an unknown, expired or closed link.
 */
export async function signingLinkDocument(ctx: AppContext, token: string): Promise<Uint8Array | undefined> {
  const { state, order } = await lookUp(ctx.storage.db, ctx, token);
  if (order === undefined || (state.kind !== 'open' && state.kind !== 'signed')) {
    return undefined;
  }
  const document = await ctx.storage.db
    .selectFrom('loa_documents')
    .select('pdf_base64')
    .where('hosting_order_id', '=', order.id)
    .where('kind', '=', state.kind === 'signed' ? 'SIGNED' : 'ORIGINAL')
    .executeTakeFirst();
  return document === undefined ? undefined : Buffer.from(document.pdf_base64, 'base64');
}

export type SignResult =
  | { kind: 'signed'; hostingOrderId: string; signerName: string; signedAt: string; numberCount: number }
  | { kind: 'invalid'; error: string }
  | { kind: 'refused'; state: SigningLinkState };

/** Returns one line of plain text, with control and invisible format characters (bidi controls included) removed. */
function oneLine(value: string, maxChars: number): string {
  return value
    .replace(/\p{Cf}+/gu, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim()
    .slice(0, maxChars);
}

/**
 * Signs the LOA behind a link: the signed PDF (the original plus a certificate page
 * with the signer's typed name, time, IP address, user agent and the original's
 * SHA-256) is stored, the link is used up, and the order moves to IN_PROGRESS with
 * its OSR updates queued, all in one transaction.
 */
export async function signLoa(ctx: AppContext, token: string, fullName: unknown, consent: unknown, signer: SignerDetails): Promise<SignResult> {
  const name = typeof fullName === 'string' ? oneLine(fullName, MAX_SIGNER_NAME_CHARS + 1) : '';
  if (!/\p{L}/u.test(name)) {
    return { kind: 'invalid', error: 'Type your full name to sign.' };
  }
  if (name.length > MAX_SIGNER_NAME_CHARS) {
    return { kind: 'invalid', error: `Your name can have at most ${MAX_SIGNER_NAME_CHARS} characters.` };
  }
  if (consent !== 'yes') {
    return { kind: 'invalid', error: 'Tick the box to confirm that you are authorised and agree to the letter.' };
  }
  const before = await lookUp(ctx.storage.db, ctx, token);
  if (before.state.kind !== 'open' || before.order === undefined) {
    return { kind: 'refused', state: unusableLinkState(before.state) };
  }
  const order = before.order;
  const original = await ctx.storage.db
    .selectFrom('loa_documents')
    .select(['pdf_base64', 'sha256'])
    .where('hosting_order_id', '=', order.id)
    .where('kind', '=', 'ORIGINAL')
    .executeTakeFirstOrThrow();
  const signedAtMs = ctx.clock.now();
  const ipAddress = oneLine(signer.ipAddress, 100);
  const userAgent = oneLine(signer.userAgent, MAX_USER_AGENT_CHARS);
  const signedPdf = await ctx.ports.documents.appendCertificate(Buffer.from(original.pdf_base64, 'base64'), {
    hostingOrderId: order.id,
    signerName: name,
    signedAt: new Date(signedAtMs),
    ipAddress,
    userAgent,
    originalSha256: original.sha256,
  });

  const result = await ctx.storage.db.transaction().execute(async (trx): Promise<SignResult> => {
    await ctx.storage.dialect.lockHostingOrder(trx, order.id);
    const current = await lookUp(trx, ctx, token);
    if (current.state.kind !== 'open') {
      return { kind: 'refused', state: current.state };
    }
    await useLink(trx, token, signedAtMs);
    await trx
      .insertInto('loa_decisions')
      .values({ hosting_order_id: order.id, project_id: order.project_id, outcome: 'SIGNED', signer_name: name, ip_address: ipAddress, user_agent: userAgent, reason: '', decided_ms: signedAtMs })
      .execute();
    await trx
      .insertInto('loa_documents')
      .values({ hosting_order_id: order.id, kind: 'SIGNED', project_id: order.project_id, pdf_base64: Buffer.from(signedPdf).toString('base64'), sha256: sha256Hex(signedPdf), created_ms: signedAtMs })
      .execute();
    await trx
      .updateTable('hosting_orders')
      .set({ state: nextHostingOrderState('WAITING_FOR_LOA_SIGNATURE', 'sign') as string, updated_ms: signedAtMs })
      .where('id', '=', order.id)
      .where('state', '=', 'WAITING_FOR_LOA_SIGNATURE')
      .execute();
    await scheduleOsrUpdates(trx, order, signedAtMs);
    return { kind: 'signed', hostingOrderId: order.id, signerName: name, signedAt: new Date(signedAtMs).toISOString(), numberCount: order.number_count };
  });
  if (result.kind === 'signed') {
    ctx.logger.info({ projectId: order.project_id, hostingOrderId: order.id }, 'LOA signed');
    ctx.wakeWorker();
  }
  return result;
}

async function useLink(trx: Transaction<Database>, token: string, nowMs: number): Promise<void> {
  await trx.updateTable('signing_links').set({ used_ms: nowMs }).where('token_hash', '=', signingTokenHash(token)).where('used_ms', 'is', null).execute();
}

export type DeclineResult = { kind: 'declined'; hostingOrderId: string } | { kind: 'refused'; state: SigningLinkState };

/**
 * Declines the LOA behind a link: the order becomes REJECTED, its numbers
 * HOSTING_FAILED, and each number sends HOSTING_PROCESS FAILED.
 */
export async function declineLoa(ctx: AppContext, token: string, reason: unknown, signer: SignerDetails): Promise<DeclineResult> {
  const text = typeof reason === 'string' ? oneLine(reason, MAX_REASON_CHARS) : '';
  const result = await ctx.storage.db.transaction().execute(async (trx): Promise<DeclineResult> => {
    const before = await lookUp(trx, ctx, token);
    if (before.state.kind !== 'open' || before.order === undefined) {
      return { kind: 'refused', state: unusableLinkState(before.state) };
    }
    const order = before.order;
    await ctx.storage.dialect.lockHostingOrder(trx, order.id);
    const current = await lookUp(trx, ctx, token);
    if (current.state.kind !== 'open') {
      return { kind: 'refused', state: current.state };
    }
    const nowMs = ctx.clock.now();
    await useLink(trx, token, nowMs);
    await trx
      .insertInto('loa_decisions')
      .values({
        hosting_order_id: order.id,
        project_id: order.project_id,
        outcome: 'DECLINED',
        signer_name: '',
        ip_address: oneLine(signer.ipAddress, 100),
        user_agent: oneLine(signer.userAgent, MAX_USER_AGENT_CHARS),
        reason: text,
        decided_ms: nowMs,
      })
      .execute();
    await rejectOrderInTransaction(trx, ctx, order, text === '' ? 'The signer declined the Letter of Authorization.' : `The signer declined the Letter of Authorization: ${text}`);
    return { kind: 'declined', hostingOrderId: order.id };
  });
  if (result.kind === 'declined') {
    ctx.logger.info({ hostingOrderId: result.hostingOrderId }, 'LOA declined');
    ctx.wakeWorker();
  }
  return result;
}

/**
 * Rejects a text-enable order whose carrier steps have not started: REJECTED with the
 * reason, its OPEN operator tasks CANCELLED, and every number failed with its callback.
 * The caller holds the row lock. A manual adapter may have opened an OSR_UPDATE task
 * just before this (the step job reads the order before it takes the lock), which is
 * why the cancelling is needed even though no OSR update has left WAITING.
 */
export async function rejectOrderInTransaction(trx: Transaction<Database>, ctx: AppContext, order: HostingOrderRow, reason: string): Promise<boolean> {
  const nowMs = ctx.clock.now();
  const moved = await trx
    .updateTable('hosting_orders')
    .set({ state: 'REJECTED', rejection_reason: reason, updated_ms: nowMs })
    .where('id', '=', order.id)
    .where('state', '=', order.state)
    .executeTakeFirst();
  if (moved.numUpdatedRows === 0n) {
    return false;
  }
  // Tasks are written before numbers, the same order in which resolving a task writes
  // them, so this reject and a concurrent resolution cannot deadlock on PostgreSQL.
  await cancelOrderOperatorTasks(trx, order.id, `Cancelled because order ${order.id} was rejected. ${reason}`, nowMs);
  const numbers = await trx
    .selectFrom('hosting_order_numbers')
    .select('phone_number')
    .where('hosting_order_id', '=', order.id)
    .orderBy('position')
    .execute();
  await failOrderNumbers(
    trx,
    ctx,
    order,
    numbers.map((number) => number.phone_number),
    reason,
    undefined,
  );
  // Open signing links of the order stop working.
  await trx.updateTable('signing_links').set({ used_ms: nowMs }).where('hosting_order_id', '=', order.id).where('used_ms', 'is', null).execute();
  return true;
}
