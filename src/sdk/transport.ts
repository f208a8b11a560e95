import type { Authorizer, FetchFunction } from './auth.js';
import { parseRetryAfterMs } from './errors.js';
import type { RetryPolicy } from './retry.js';
import { RETRYABLE_HTTP_STATUSES, retryDelayMs, sleep } from './retry.js';

export interface TransportOptions {
  fetch: FetchFunction;
  authorizer: Authorizer;
  retry: RetryPolicy;
  now: () => number;
  random: () => number;
}

/** Method and URL of the request behind each response the transport returned, for error messages. */
const sentRequests = new WeakMap<Response, { method: string; url: string }>();

/** Returns the method and URL of the request that produced `response`. */
export function requestOf(response: Response): { method: string; url: string } {
  return sentRequests.get(response) ?? { method: 'request', url: response.url === '' ? '(unknown URL)' : response.url };
}

/** Reads and drops a response body that will not be used, so its connection can be reused. */
async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The body may already be closed; nothing else to release.
  }
}

/**
 * Creates the `fetch` that openapi-fetch calls. Each attempt sends a copy of the
 * request with the current `Authorization` header. After a 401, a refreshable
 * credential (OAuth2 token) is dropped and the request is sent once more, whatever its
 * method, because the server rejected it before doing anything. A 429 or 503 response
 * to an idempotent method is retried by `options.retry`. Other responses are returned.
 */
export function createTransport(options: TransportOptions): FetchFunction {
  const { authorizer, retry } = options;
  return async function send(request: Request): Promise<Response> {
    const isRetryable = retry.methods.has(request.method.toUpperCase());
    let hasRetriedUnauthorized = false;
    let attempt = 1;
    for (;;) {
      const authorization = await authorizer.authorization(request.signal);
      const attemptRequest = request.clone();
      attemptRequest.headers.set('authorization', authorization);
      const response = await options.fetch(attemptRequest);

      if (response.status === 401 && authorizer.canRefresh && !hasRetriedUnauthorized) {
        hasRetriedUnauthorized = true;
        authorizer.invalidate(authorization);
        await discardBody(response);
        continue;
      }
      if (!isRetryable || !RETRYABLE_HTTP_STATUSES.has(response.status) || attempt >= retry.maxAttempts) {
        sentRequests.set(response, { method: request.method, url: request.url });
        return response;
      }
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), options.now());
      const delayMs = retryDelayMs(attempt, retryAfterMs, retry, options.random);
      if (delayMs === undefined) {
        sentRequests.set(response, { method: request.method, url: request.url });
        return response;
      }
      await discardBody(response);
      retry.onRetry?.({ method: request.method, url: request.url, httpStatus: response.status, attempt, maxAttempts: retry.maxAttempts, delayMs });
      await sleep(delayMs, request.signal);
      attempt += 1;
    }
  };
}
