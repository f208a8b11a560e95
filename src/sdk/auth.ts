import { OAuth2TokenCache } from './oauth2-token-cache.js';

/** A `fetch` that takes a ready `Request`, as openapi-fetch calls it. `globalThis.fetch` fits. */
export type FetchFunction = (request: Request) => Promise<Response>;

/** Access key credentials sent as HTTP Basic on every request. The hosted API allows this for testing only and rate-limits it. */
export interface BasicAuthOptions {
  method: 'basic';
  keyId: string;
  keySecret: string;
}

/** Access key credentials exchanged for bearer tokens with the OAuth2 client-credentials grant. */
export interface OAuth2AuthOptions {
  method: 'oauth2';
  keyId: string;
  keySecret: string;
  /**
   * Token endpoint. Default: `https://auth.sinch.com/oauth2/token` when `baseUrl` is the
   * hosted API (`https://imported.numbers.api.sinch.com`), else `${baseUrl}/oauth2/token`.
   */
  tokenUrl?: string;
}

export type AuthOptions = BasicAuthOptions | OAuth2AuthOptions;

/** Supplies the `Authorization` header of each request. */
export interface Authorizer {
  /** Whether a rejected credential can be replaced, which makes one more attempt after a 401 worthwhile. */
  readonly canRefresh: boolean;
  authorization(signal?: AbortSignal): Promise<string>;
  /** Drops the credential the API rejected with 401. */
  invalidate(rejectedAuthorization: string): void;
}

export const HOSTED_API_BASE_URL = 'https://imported.numbers.api.sinch.com';
export const HOSTED_TOKEN_URL = 'https://auth.sinch.com/oauth2/token';

class BasicAuthorizer implements Authorizer {
  readonly canRefresh = false;
  private readonly header: string;

  constructor(keyId: string, keySecret: string) {
    this.header = `Basic ${Buffer.from(`${keyId}:${keySecret}`, 'utf8').toString('base64')}`;
  }

  authorization(): Promise<string> {
    return Promise.resolve(this.header);
  }

  invalidate(): void {}
}

/** Returns the token endpoint to use for `baseUrl` when the options name none. */
export function defaultTokenUrl(baseUrl: string): string {
  return new URL(baseUrl).origin === HOSTED_API_BASE_URL ? HOSTED_TOKEN_URL : `${baseUrl}/oauth2/token`;
}

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`auth.${name} must be a non-empty string, got ${value === '' ? 'an empty string' : typeof value}. Use the access key id and secret of the project.`);
  }
  return value;
}

/** Creates the authorizer for `auth`; `fetch` and `now` are used for token requests. */
export function createAuthorizer(auth: AuthOptions, baseUrl: string, fetch: FetchFunction, now: () => number): Authorizer {
  const method = (auth as { method?: unknown } | undefined)?.method;
  if (method !== 'basic' && method !== 'oauth2') {
    throw new TypeError(`auth.method must be "basic" or "oauth2", got ${JSON.stringify(method)}.`);
  }
  const keyId = requireText(auth.keyId, 'keyId');
  const keySecret = requireText(auth.keySecret, 'keySecret');
  if (auth.method === 'basic') {
    return new BasicAuthorizer(keyId, keySecret);
  }
  const tokenUrl = auth.tokenUrl ?? defaultTokenUrl(baseUrl);
  if (!URL.canParse(tokenUrl)) {
    throw new TypeError(`auth.tokenUrl must be an absolute URL, got ${JSON.stringify(tokenUrl)}.`);
  }
  return new OAuth2TokenCache({ tokenUrl, keyId, keySecret, fetch, now });
}
