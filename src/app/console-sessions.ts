import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from './context.js';

/** A session ends this long after its last request. */
export const CONSOLE_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
/** A session ends this long after login, however active it is. */
export const CONSOLE_SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

const SESSION_ID_BYTES = 32;
/** The last-seen time is written at most this often, so page views are not all writes. */
const LAST_SEEN_WRITE_INTERVAL_MS = 60 * 1000;

export interface ConsoleFlash {
  kind: 'notice' | 'error';
  text: string;
}

export interface ConsoleSession {
  /** SHA-256 of the cookie value: the session's key in storage, never sent to the browser. */
  idHash: string;
  /** The synchronizer token every console form carries back. */
  csrfToken: string;
  expiresMs: number;
}

function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/**
 * Starts a console session after a successful login. Returns the cookie value, which
 * exists only in the browser: storage keeps its SHA-256, so a copy of the database
 * cannot be used to take over a session.
 */
export async function startConsoleSession(ctx: AppContext, adminTokenDigest: string): Promise<{ cookieValue: string; session: ConsoleSession }> {
  const cookieValue = randomBytes(SESSION_ID_BYTES).toString('base64url');
  const csrfToken = randomBytes(SESSION_ID_BYTES).toString('base64url');
  const nowMs = ctx.clock.wallClockNow();
  const idHash = hashSessionId(cookieValue);
  const expiresMs = nowMs + CONSOLE_SESSION_LIFETIME_MS;
  await ctx.storage.db
    .insertInto('console_sessions')
    .values({ id_hash: idHash, csrf_token: csrfToken, admin_token_digest: adminTokenDigest, flash: null, created_ms: nowMs, expires_ms: expiresMs, last_seen_ms: nowMs })
    .execute();
  // Expired sessions of earlier logins go now, so the table stays small without a job.
  await ctx.storage.db
    .deleteFrom('console_sessions')
    .where((eb) => eb.or([eb('expires_ms', '<', nowMs), eb('last_seen_ms', '<', nowMs - CONSOLE_IDLE_TIMEOUT_MS)]))
    .execute();
  return { cookieValue, session: { idHash, csrfToken, expiresMs } };
}

/**
 * Returns the live session a cookie value names, or undefined when there is none, it has
 * expired (idle or past its lifetime), or it was opened with another admin token, so
 * rotating a leaked token ends every session. Wall-clock time, so advancing the
 * sandbox's virtual clock does not log the operator out.
 */
export async function findConsoleSession(ctx: AppContext, cookieValue: string | undefined, adminTokenDigest: string): Promise<ConsoleSession | undefined> {
  if (cookieValue === undefined || cookieValue === '' || cookieValue.length > 100) {
    return undefined;
  }
  const idHash = hashSessionId(cookieValue);
  const row = await ctx.storage.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  const nowMs = ctx.clock.wallClockNow();
  if (row === undefined || row.admin_token_digest !== adminTokenDigest || row.expires_ms <= nowMs || row.last_seen_ms + CONSOLE_IDLE_TIMEOUT_MS <= nowMs) {
    return undefined;
  }
  if (nowMs - row.last_seen_ms >= LAST_SEEN_WRITE_INTERVAL_MS) {
    await ctx.storage.db.updateTable('console_sessions').set({ last_seen_ms: nowMs }).where('id_hash', '=', idHash).execute();
  }
  return { idHash, csrfToken: row.csrf_token, expiresMs: row.expires_ms };
}

export async function endConsoleSession(ctx: AppContext, session: ConsoleSession): Promise<void> {
  await ctx.storage.db.deleteFrom('console_sessions').where('id_hash', '=', session.idHash).execute();
}

/** Keeps a message for the next page the session sees (after an action's redirect). */
export async function setConsoleFlash(ctx: AppContext, session: ConsoleSession, flash: ConsoleFlash): Promise<void> {
  await ctx.storage.db
    .updateTable('console_sessions')
    .set({ flash: JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, 2000) }) })
    .where('id_hash', '=', session.idHash)
    .execute();
}

/** Returns and clears the message kept by `setConsoleFlash`. */
export async function takeConsoleFlash(ctx: AppContext, session: ConsoleSession): Promise<ConsoleFlash | undefined> {
  const row = await ctx.storage.db.selectFrom('console_sessions').select('flash').where('id_hash', '=', session.idHash).executeTakeFirst();
  if (row?.flash === null || row?.flash === undefined) {
    return undefined;
  }
  await ctx.storage.db.updateTable('console_sessions').set({ flash: null }).where('id_hash', '=', session.idHash).execute();
  try {
    const parsed = JSON.parse(row.flash) as Partial<ConsoleFlash>;
    if ((parsed.kind === 'notice' || parsed.kind === 'error') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: parsed.text };
    }
  } catch {
    // A damaged message is dropped; it was only ever informational.
  }
  return undefined;
}
