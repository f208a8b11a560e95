import { notFound } from '../domain/errors.js';
import { toIsoTime } from '../domain/time.js';
import type { AppContext } from './context.js';
import { getHostingOrder } from './get-hosting-order.js';

const MAX_LISTED = 1000;

/** Lists the sandbox call log: every challenge call with its number, code and time, newest first. */
export async function listVoiceCalls(ctx: AppContext, projectId: string, phoneNumber: string | undefined) {
  let query = ctx.storage.db.selectFrom('voice_calls').selectAll().where('project_id', '=', projectId);
  if (phoneNumber !== undefined) {
    query = query.where('phone_number', '=', phoneNumber);
  }
  const rows = await query.orderBy('created_ms', 'desc').orderBy('id', 'desc').limit(MAX_LISTED).execute();
  return rows.map((row) => ({
    id: row.id,
    phoneNumber: row.phone_number,
    code: row.code,
    state: row.state,
    detail: row.detail,
    createdTime: toIsoTime(row.created_ms),
    placedTime: row.placed_ms === null ? null : toIsoTime(row.placed_ms),
  }));
}

/** Lists the outbox: every mail of the project with its links, newest first. */
const SIGNING_TOKEN_PATTERN = /(\/loa\/)[^/?#\s"'<>]+/gi;

/**
 * In production a signing link belongs to the signer alone: whoever holds it can sign the
 * LOA in the customer's name. So outside the sandbox the outbox shows every link with
 * its token masked, in the links and in the mail text. The sandbox shows it whole, for testing.
 */
function maskSigningTokens(ctx: AppContext, text: string): string {
  return ctx.config.mode === 'production' ? text.replace(SIGNING_TOKEN_PATTERN, '$1[hidden]') : text;
}

export async function listEmails(ctx: AppContext, projectId: string, hostingOrderId: string | undefined) {
  let query = ctx.storage.db.selectFrom('emails').selectAll().where('project_id', '=', projectId);
  if (hostingOrderId !== undefined) {
    query = query.where('hosting_order_id', '=', hostingOrderId);
  }
  const rows = await query.orderBy('created_ms', 'desc').orderBy('id', 'desc').limit(MAX_LISTED).execute();
  return rows.map((row) => ({
    id: row.id,
    hostingOrderId: row.hosting_order_id,
    to: row.to_address,
    subject: row.subject,
    text: maskSigningTokens(ctx, row.text_body),
    links: (JSON.parse(row.links) as string[]).map((link) => maskSigningTokens(ctx, link)),
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    createdTime: toIsoTime(row.created_ms),
    sentTime: row.sent_ms === null ? null : toIsoTime(row.sent_ms),
  }));
}

export type LoaDocumentKind = 'ORIGINAL' | 'SIGNED';

/** Returns an order's LOA PDF: as mailed, or as signed with its certificate page. */
export async function getLoaDocument(ctx: AppContext, projectId: string, hostingOrderId: string, kind: LoaDocumentKind): Promise<Uint8Array> {
  await getHostingOrder(ctx, projectId, hostingOrderId);
  const row = await ctx.storage.db
    .selectFrom('loa_documents')
    .select('pdf_base64')
    .where('hosting_order_id', '=', hostingOrderId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  if (row === undefined) {
    throw notFound(
      kind === 'SIGNED'
        ? `Order ${hostingOrderId} has no signed LOA: it has not been signed (or used a blanket LOA).`
        : `Order ${hostingOrderId} has no LOA document: it is an import order, uses a blanket LOA, or its LOA is still being written.`,
    );
  }
  return Buffer.from(row.pdf_base64, 'base64');
}

/** Returns the signing decision of an order, or undefined before there is one. */
export async function getLoaDecision(ctx: AppContext, projectId: string, hostingOrderId: string) {
  await getHostingOrder(ctx, projectId, hostingOrderId);
  const row = await ctx.storage.db.selectFrom('loa_decisions').selectAll().where('hosting_order_id', '=', hostingOrderId).executeTakeFirst();
  if (row === undefined) {
    return undefined;
  }
  return {
    outcome: row.outcome,
    signerName: row.signer_name,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    reason: row.reason,
    decidedTime: toIsoTime(row.decided_ms),
  };
}
