import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SignJWT, jwtVerify } from 'jose';
import { ApiError } from '../../domain/errors.js';
import { SECOND_MS } from '../../domain/time.js';
import type { Database } from '../../storage/schema.js';
import { newSecret } from '../ids.js';
import { RateLimiter } from './rate-limiter.js';
import { verifySecret } from './secret-hash.js';

export const TOKEN_LIFETIME_SECONDS = 3600;
/** How long a verified key is trusted without reading the database again; bounds how late a revocation takes effect. */
const KEY_CACHE_TTL_MS = 5 * SECOND_MS;
const SIGNING_KEY_SETTING = 'oauth_signing_key';
/** Failed secret checks allowed per key and minute. */
const SECRET_CHECKS_PER_MINUTE = 20;
const MAX_CONCURRENT_CHECKS_PER_KEY = 4;
const MAX_CACHED_KEYS = 10_000;
const CHALLENGE = 'Basic realm="numberhost", Bearer realm="numberhost"';

export interface Principal {
  projectId: string;
  keyId: string;
  method: 'basic' | 'bearer';
}

interface TokenClaims {
  keyId: string;
  projectId: string;
  expiresAtMs: number;
}

interface KeyStatus {
  projectId: string;
  /** Null for an unknown or revoked key. */
  secretHash: string | null;
  checkedAtMs: number;
}

export function unauthenticated(message: string, challenge = CHALLENGE): ApiError {
  return new ApiError('UNAUTHENTICATED', message, { authenticateChallenge: challenge });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Verifies access keys (HTTP Basic) and bearer tokens. The expensive scrypt check runs
 * once per key and secret; later requests compare a SHA-256 digest held in memory for a
 * few seconds, so revocations take effect within that time on every instance.
 */
export class Authenticator {
  private readonly statuses = new Map<string, KeyStatus>();
  /** SHA-256 of the last secret of each key that passed the scrypt check. */
  private readonly verifiedDigests = new Map<string, Buffer>();
  private signingKey: Uint8Array | undefined;
  /** Failed secret checks per key; when its budget is used up, checks stop until it refills. */
  private readonly failures: RateLimiter;
  private readonly checksInFlight = new Map<string, Promise<boolean>>();
  private readonly verifiedTokens = new Map<string, TokenClaims>();
  private readonly runningChecksPerKey = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly wallNow: () => number = Date.now,
  ) {
    this.failures = new RateLimiter(SECRET_CHECKS_PER_MINUTE, wallNow);
  }

  /** Loads the token signing key, creating it on first start; every instance on one database shares it. */
  async init(): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key: SIGNING_KEY_SETTING, value: newSecret(32) })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .execute();
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', SIGNING_KEY_SETTING).executeTakeFirstOrThrow();
    this.signingKey = Buffer.from(row.value, 'base64url');
  }

  /** Forgets a key at once in this process, after a revocation. */
  forget(keyId: string): void {
    this.statuses.delete(keyId);
    this.verifiedDigests.delete(keyId);
  }

  private async keyStatus(keyId: string): Promise<KeyStatus> {
    const nowMs = this.wallNow();
    const cached = this.statuses.get(keyId);
    if (cached !== undefined && nowMs - cached.checkedAtMs < KEY_CACHE_TTL_MS) {
      return cached;
    }
    const row = await this.db
      .selectFrom('access_keys')
      .select(['project_id', 'secret_hash', 'revoked_ms'])
      .where('id', '=', keyId)
      .executeTakeFirst();
    const status: KeyStatus = {
      projectId: row?.project_id ?? '',
      secretHash: row === undefined || row.revoked_ms !== null ? null : row.secret_hash,
      checkedAtMs: nowMs,
    };
    if (status.secretHash === null) {
      this.verifiedDigests.delete(keyId);
    }
    if (this.statuses.size >= MAX_CACHED_KEYS) {
      // Requests with made-up key ids must not grow the cache without bound.
      this.statuses.clear();
    }
    this.statuses.set(keyId, status);
    return status;
  }

  async verifyBasic(keyId: string, secret: string): Promise<Principal> {
    const status = await this.keyStatus(keyId);
    if (status.secretHash === null) {
      throw unauthenticated('The access key id or secret is wrong, or the key was revoked. Check SINCH_KEY_ID and SINCH_KEY_SECRET.');
    }
    const digest = sha256(secret);
    const verified = this.verifiedDigests.get(keyId);
    const isKnownGood = verified !== undefined && timingSafeEqual(verified, digest);
    if (!isKnownGood) {
      if (!(await this.checkSecretOnce(keyId, secret, digest, status.secretHash))) {
        throw unauthenticated('The access key id or secret is wrong, or the key was revoked. Check SINCH_KEY_ID and SINCH_KEY_SECRET.');
      }
      this.verifiedDigests.set(keyId, digest);
    }
    return { projectId: status.projectId, keyId, method: 'basic' };
  }

  /**
   * Runs scrypt for a secret not known to be good. Concurrent checks of the same secret
   * share one run, and a key gets at most a few runs at a time and none after many recent
   * failures. Guessing is therefore slow and cannot tie up the thread pool that every
   * other request's key check needs.
   */
  private async checkSecretOnce(keyId: string, secret: string, digest: Buffer, secretHash: string): Promise<boolean> {
    const flightKey = `${keyId}\u0000${digest.toString('hex')}`;
    const shared = this.checksInFlight.get(flightKey);
    if (shared !== undefined) {
      return shared;
    }
    const retryAfterSeconds = this.failures.peek(keyId);
    const runningForKey = this.runningChecksPerKey.get(keyId) ?? 0;
    if (retryAfterSeconds > 0 || runningForKey >= MAX_CONCURRENT_CHECKS_PER_KEY) {
      const seconds = Math.max(1, retryAfterSeconds);
      throw new ApiError('RESOURCE_EXHAUSTED', `Too many failed or concurrent authentications for access key ${keyId}. Retry after ${seconds} s.`, {
        retryAfterSeconds: seconds,
      });
    }
    this.runningChecksPerKey.set(keyId, runningForKey + 1);
    const check = verifySecret(secret, secretHash).then((isValid) => {
      if (!isValid) {
        this.failures.take(keyId);
      }
      return isValid;
    });
    this.checksInFlight.set(flightKey, check);
    try {
      return await check;
    } finally {
      this.checksInFlight.delete(flightKey);
      const remaining = (this.runningChecksPerKey.get(keyId) ?? 1) - 1;
      if (remaining <= 0) {
        this.runningChecksPerKey.delete(keyId);
      } else {
        this.runningChecksPerKey.set(keyId, remaining);
      }
    }
  }

  async issueToken(principal: Principal): Promise<string> {
    if (this.signingKey === undefined) {
      throw new Error('Authenticator.init() must run before tokens are issued.');
    }
    const nowSeconds = Math.floor(this.wallNow() / 1000);
    return new SignJWT({ projectId: principal.projectId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.keyId)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + TOKEN_LIFETIME_SECONDS)
      .setIssuer('numberhost')
      .sign(this.signingKey);
  }

  async verifyBearer(token: string): Promise<Principal> {
    const bearerChallenge = 'Bearer realm="numberhost", error="invalid_token"';
    const claims = await this.tokenClaims(token);
    if (claims === undefined) {
      throw unauthenticated('The bearer token is invalid or expired. Request a new one from POST /oauth2/token.', bearerChallenge);
    }
    const status = await this.keyStatus(claims.keyId);
    if (status.secretHash === null) {
      throw unauthenticated('The access key behind this bearer token was revoked. Use another key.', bearerChallenge);
    }
    return { projectId: claims.projectId, keyId: claims.keyId, method: 'bearer' };
  }

  /**
   * Returns the claims of a valid, unexpired token, or undefined. Verified tokens are
   * remembered until they expire, because verifying the signature on every request was
   * a visible share of request time; revocation is still checked on every request.
   */
  private async tokenClaims(token: string): Promise<TokenClaims | undefined> {
    if (this.signingKey === undefined) {
      throw new Error('Authenticator.init() must run before tokens are verified.');
    }
    const cached = this.verifiedTokens.get(token);
    if (cached !== undefined && cached.expiresAtMs > this.wallNow()) {
      return cached;
    }
    let claims: TokenClaims;
    try {
      const { payload } = await jwtVerify(token, this.signingKey, {
        issuer: 'numberhost',
        algorithms: ['HS256'],
        currentDate: new Date(this.wallNow()),
      });
      if (typeof payload.sub !== 'string' || typeof payload.projectId !== 'string' || typeof payload.exp !== 'number') {
        return undefined;
      }
      claims = { keyId: payload.sub, projectId: payload.projectId, expiresAtMs: payload.exp * 1000 };
    } catch {
      return undefined;
    }
    if (this.verifiedTokens.size >= MAX_CACHED_KEYS) {
      this.verifiedTokens.clear();
    }
    this.verifiedTokens.set(token, claims);
    return claims;
  }
}
