import createOpenApiClient from 'openapi-fetch';
import type { paths } from './api-types.js';
import type { AuthOptions, FetchFunction } from './auth.js';
import { createAuthorizer } from './auth.js';
import type { ResourceContext } from './call.js';
import { CallbackConfigurationResource } from './resources/callback-configuration.js';
import { HostingOrdersResource } from './resources/hosting-orders.js';
import { ImportedNumbersResource } from './resources/imported-numbers.js';
import { QualifiedNumbersResource } from './resources/qualified-numbers.js';
import type { RetryOptions } from './retry.js';
import { resolveRetryPolicy } from './retry.js';
import type { HostingOrder, QualifiedNumber } from './schemas.js';
import { createTransport } from './transport.js';
import type { WaitForHostingOrderOptions, WaitForQualifiedNumberOptions } from './wait.js';
import { waitForHostingOrder, waitForQualifiedNumber } from './wait.js';

/** numberhost's own address when it runs with default settings. */
export const DEFAULT_BASE_URL = 'http://localhost:8080';

/** Settings of a `NumberhostClient`. */
export interface NumberhostClientOptions {
  /** The project every call works on. */
  projectId: string;
  /** Credentials: `{ method: 'basic', keyId, keySecret }` or `{ method: 'oauth2', keyId, keySecret, tokenUrl? }`. */
  auth: AuthOptions;
  /**
   * Root URL of the API, without `/v1`. Default `http://localhost:8080` (numberhost);
   * the hosted API is `https://imported.numbers.api.sinch.com`.
   */
  baseUrl?: string;
  /** Retries of 429 and 503 responses to idempotent requests. `false` turns them off. */
  retry?: RetryOptions | false;
  /** The `fetch` that sends every request, the token requests included. Default `globalThis.fetch`. */
  fetch?: FetchFunction;
  /** Clock in milliseconds since the epoch, for token expiry and `Retry-After` dates. Default `Date.now`; tests inject their own. */
  now?: () => number;
}

function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`baseUrl must be an absolute http or https URL, got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must use http or https, got ${JSON.stringify(value)}.`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`baseUrl must not have a query or fragment, got ${JSON.stringify(value)}.`);
  }
  return value.replace(/\/+$/, '');
}

/**
 * A typed client for the Imported Numbers and Hosting Orders API, against numberhost
 * or the hosted API. Every operation of the API has a method, grouped by resource;
 * failures throw `NumberhostApiError`.
 *
 * @example
 * import { NumberhostClient } from 'numberhost/sdk';
 *
 * const client = new NumberhostClient({
 *   projectId: process.env.SINCH_PROJECT_ID!,
 *   auth: { method: 'oauth2', keyId: process.env.SINCH_KEY_ID!, keySecret: process.env.SINCH_KEY_SECRET! },
 * });
 * const order = await client.hostingOrders.importNumbers({ regionCode: 'US', numbers: ['+12025550134'], servicePlanId: 'my-plan' });
 * const done = await client.waitForHostingOrder(order.hostingOrderId!, { onProgress: ({ report }) => console.log(report) });
 */
export class NumberhostClient {
  readonly projectId: string;
  readonly baseUrl: string;
  /** `/importedNumbers`: list, iterate, get, create, update, delete. */
  readonly importedNumbers: ImportedNumbersResource;
  /** `/hostingOrders`: list, iterate, get, report, numbers, iterateNumbers, number, importNumbers, textEnableNumbers, textEnableTollFreeNumbers. */
  readonly hostingOrders: HostingOrdersResource;
  /** `/qualifiedNumbers`: list, iterate, get, add, delete, textEnableNumbers, textEnableTollFreeNumbers, sendVoiceChallenge, verifyVoiceChallenge. */
  readonly qualifiedNumbers: QualifiedNumbersResource;
  /** `/callbackConfiguration`: get, update. */
  readonly callbackConfiguration: CallbackConfigurationResource;

  constructor(options: NumberhostClientOptions) {
    if (typeof options.projectId !== 'string' || options.projectId.trim() === '') {
      throw new TypeError('projectId must be a non-empty string: the id of the project the access key belongs to.');
    }
    this.projectId = options.projectId;
    this.baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
    const fetch: FetchFunction = options.fetch ?? ((request) => globalThis.fetch(request));
    const now = options.now ?? Date.now;
    const transport = createTransport({
      fetch,
      authorizer: createAuthorizer(options.auth, this.baseUrl, fetch, now),
      retry: resolveRetryPolicy(options.retry),
      now,
      random: Math.random,
    });
    const api = createOpenApiClient<paths>({
      baseUrl: this.baseUrl,
      fetch: transport,
      headers: { accept: 'application/json' },
      // Never carry credentials along a redirect; the API does not redirect.
      redirect: 'error',
    });
    // An id of "." or ".." would leave its collection once the URL is normalised
    // (DELETE /importedNumbers/.. is DELETE /v1/projects/{id}/), so such ids never go out.
    api.use({
      onRequest: ({ params, schemaPath }) => {
        for (const [name, value] of Object.entries(params.path ?? {})) {
          if (typeof value === 'string' && /^\.*$/.test(value)) {
            throw new TypeError(`${name} ${JSON.stringify(value)} is not a valid path parameter of ${schemaPath}.`);
          }
        }
        return undefined;
      },
    });
    const ctx: ResourceContext = { api, projectId: this.projectId, now };
    this.importedNumbers = new ImportedNumbersResource(ctx);
    this.hostingOrders = new HostingOrdersResource(ctx);
    this.qualifiedNumbers = new QualifiedNumbersResource(ctx);
    this.callbackConfiguration = new CallbackConfigurationResource(ctx);
  }

  /**
   * Reads a hosting order every `intervalMs` (default 5 s) until its state is one of
   * `until` (default `COMPLETED` or `REJECTED`) or final, and returns the order. With
   * `onProgress`, each read also fetches the order's report and passes both. Throws
   * `NumberhostWaitTimeoutError` after `timeoutMs` (default: no limit), and
   * `signal.reason` when `signal` aborts.
   *
   * @example
   * const order = await client.waitForHostingOrder(hostingOrderId, {
   *   timeoutMs: 10 * 60_000,
   *   onProgress: ({ hostingOrder, report }) => console.log(hostingOrder.state, `${report.smsProvisioned}/${report.total}`),
   * });
   * if (order.state === 'REJECTED') throw new Error('order rejected');
   */
  waitForHostingOrder(hostingOrderId: string, options: WaitForHostingOrderOptions = {}): Promise<HostingOrder> {
    return waitForHostingOrder(this.hostingOrders, hostingOrderId, options);
  }

  /**
   * Reads a qualified number every `intervalMs` (default 5 s) until its
   * `globalProcessState` is one of `until` or final (NOT_ELIGIBLE, HOSTING_DONE,
   * HOSTING_FAILED), and returns it. The default `until` is every state in which the
   * service is not working on the number. Timeout and abort work as in `waitForHostingOrder`.
   *
   * @example
   * await client.qualifiedNumbers.add(['+12025550134']);
   * const number = await client.waitForQualifiedNumber('+12025550134', {
   *   until: ['GLOBAL_PROCESS_STATE_ELIGIBLE'],
   *   timeoutMs: 60_000,
   * });
   * if (number.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE') {
   *   await client.qualifiedNumbers.sendVoiceChallenge('+12025550134');
   * }
   */
  waitForQualifiedNumber(phoneNumber: string, options: WaitForQualifiedNumberOptions = {}): Promise<QualifiedNumber> {
    return waitForQualifiedNumber(this.qualifiedNumbers, phoneNumber, options);
  }
}

/**
 * Creates a `NumberhostClient`; the same as `new NumberhostClient(options)`.
 *
 * @example
 * const client = createClient({
 *   baseUrl: 'https://imported.numbers.api.sinch.com',
 *   projectId: 'abcd12ef-ab12-ab12-bc34-abcdef123456',
 *   auth: { method: 'oauth2', keyId: 'my-key-id', keySecret: 'my-key-secret' },
 * });
 */
export function createClient(options: NumberhostClientOptions): NumberhostClient {
  return new NumberhostClient(options);
}
