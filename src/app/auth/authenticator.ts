import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SignJWT, jwtVerify } from 'jose';
import { ApiError } from '../../domain/errors.js';
import { SECOND_MS } from '../../domain/time.js';
import type { Database } from '../../storage/schema.js';
import { newSecret } from '../ids.js';
import { verifySecret } from './secret-hash.js';

export const TOKEN_LIFETIME_SECONDS = 3600;
/** How long a verified key is trusted without reading the database again; bounds how late a revocation takes effect. */
const KEY_CACHE_TTL_MS = 5 * SECOND_MS;
const SIGNING_KEY_SETTING = 'oauth_signing_key';
const CHALLENGE = 'Basic realm="numberhost", Bearer realm="numberhost"';

export interface Principal {
  projectId: string;
  keyId: string;
  method: 'basic' | 'bearer';
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

  constructor(
    private readonly db: Kysely<Database>,
    private readonly wallNow: () => number = Date.now,
  ) {}

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
      if (!(await verifySecret(secret, status.secretHash))) {
        throw unauthenticated('The access key id or secret is wrong, or the key was revoked. Check SINCH_KEY_ID and SINCH_KEY_SECRET.');
      }
      this.verifiedDigests.set(keyId, digest);
    }
    return { projectId: status.projectId, keyId, method: 'basic' };
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
    if (this.signingKey === undefined) {
      throw new Error('Authenticator.init() must run before tokens are verified.');
    }
    const bearerChallenge = 'Bearer realm="numberhost", error="invalid_token"';
    let keyId: string;
    let projectId: string;
    try {
      const { payload } = await jwtVerify(token, this.signingKey, {
        issuer: 'numberhost',
        algorithms: ['HS256'],
        currentDate: new Date(this.wallNow()),
      });
      if (typeof payload.sub !== 'string' || typeof payload.projectId !== 'string') {
        throw new Error('token claims are incomplete');
      }
      keyId = payload.sub;
      projectId = payload.projectId;
    } catch {
      throw unauthenticated('The bearer token is invalid or expired. Request a new one from POST /oauth2/token.', bearerChallenge);
    }
    const status = await this.keyStatus(keyId);
    if (status.secretHash === null) {
      throw unauthenticated('The access key behind this bearer token was revoked. Use another key.', bearerChallenge);
    }
    return { projectId, keyId, method: 'bearer' };
  }
}
