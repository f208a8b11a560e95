import type { Authorizer, FetchFunction } from './auth.js';
import { apiErrorFromResponse } from './errors.js';

/** Refresh a token this long before it expires (or halfway through its life when that is shorter). */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;
/** A token request that takes longer than this fails, so that a hung token endpoint cannot stall every call. */
export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

interface CachedToken {
  /** The full `Authorization` header value, `Bearer ...`. */
  authorization: string;
  /** When the client requests a new token; Infinity when the endpoint gave no `expires_in`. */
  refreshAtMs: number;
}

export interface OAuth2TokenCacheOptions {
  tokenUrl: string;
  keyId: string;
  keySecret: string;
  fetch: FetchFunction;
  /** Clock in milliseconds since the epoch; `Date.now` unless a test injects another. */
  now: () => number;
}

/**
 * Gets access tokens with the OAuth2 client-credentials grant (RFC 6749 section 4.4),
 * authenticating with the key id and secret as HTTP Basic, and caches them. A token is
 * replaced 60 s before it expires, and after the API rejects it with 401. Callers that
 * need a token while one is being requested wait for that same request.
 */
export class OAuth2TokenCache implements Authorizer {
  readonly canRefresh = true;
  private token: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;
  private readonly basicAuthorization: string;

  constructor(private readonly options: OAuth2TokenCacheOptions) {
    this.basicAuthorization = `Basic ${Buffer.from(`${options.keyId}:${options.keySecret}`, 'utf8').toString('base64')}`;
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    const token = this.token;
    if (token !== undefined && this.options.now() < token.refreshAtMs) {
      return token.authorization;
    }
    this.pending ??= this.requestToken().finally(() => {
      this.pending = undefined;
    });
    return (await waitUnlessAborted(this.pending, signal)).authorization;
  }

  /** Forgets the token that the API rejected, unless another caller has already replaced it. */
  invalidate(rejectedAuthorization: string): void {
    if (this.token?.authorization === rejectedAuthorization) {
      this.token = undefined;
    }
  }

  private async requestToken(): Promise<CachedToken> {
    const { tokenUrl } = this.options;
    const requestedAtMs = this.options.now();
    const request = new Request(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: this.basicAuthorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      redirect: 'error',
      signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
    });

    const response = await this.options.fetch(request);
    const text = await response.text();
    let body: unknown = text === '' ? undefined : text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the text goes into the error message.
    }
    if (!response.ok) {
      throw apiErrorFromResponse('POST', tokenUrl, response, body, this.options.now());
    }

    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const accessToken = fields.access_token;
    const tokenType = fields.token_type;
    const expiresInSeconds = fields.expires_in;
    if (typeof accessToken !== 'string' || accessToken === '' || (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer')) {
      throw new Error(`The token endpoint ${tokenUrl} returned status ${response.status} without a bearer access_token. Check tokenUrl: it must be an OAuth2 token endpoint.`);
    }

    // RFC 6749 only recommends expires_in; without it, the token is kept until a 401.
    const lifetimeMs = typeof expiresInSeconds === 'number' && expiresInSeconds > 0 ? expiresInSeconds * 1000 : Infinity;
    const marginMs = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
    const token = { authorization: `Bearer ${accessToken}`, refreshAtMs: requestedAtMs + lifetimeMs - marginMs };
    this.token = token;
    return token;
  }
}

/** Waits for `promise`, but rejects with `signal.reason` as soon as `signal` aborts; the shared request goes on for the other callers. */
function waitUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) {
    return promise;
  }
  if (signal.aborted) {
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
