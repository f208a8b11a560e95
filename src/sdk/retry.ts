/** Event passed to `onRetry` before the client waits and sends a request again. */
export interface RetryEvent {
  method: string;
  url: string;
  /** HTTP status of the response that is retried: 429 or 503. */
  httpStatus: number;
  /** Number of the attempt that failed, from 1. */
  attempt: number;
  maxAttempts: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
}

/** Settings for retrying 429 and 503 responses of idempotent requests. */
export interface RetryOptions {
  /** Attempts per request, the first one included. Default 4; 1 turns retries off. */
  maxAttempts?: number;
  /** First backoff step when the response has no `Retry-After`. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap of the backoff step. Default 10 000 ms. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` the client waits for. A response with a longer one is
   * returned as an error at once, with `retryAfterSeconds` set. Default 60 000 ms.
   */
  maxRetryAfterMs?: number;
  /**
   * Also retry PATCH. Off by default: PATCH is not idempotent in general (RFC 5789).
   * Both PATCH operations of this API merge the given fields, so sending one twice gives
   * the same result, and turning this on is safe for them.
   */
  shouldRetryPatch?: boolean;
  /** Called before each wait, for logging. */
  onRetry?: (event: RetryEvent) => void;
}

/** Retry settings with every default filled in. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** Upper-case HTTP methods whose requests are retried. POST is never among them. */
  methods: ReadonlySet<string>;
  onRetry: ((event: RetryEvent) => void) | undefined;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 10_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** Share of a `Retry-After` delay added at random, so that clients given the same time do not all return at once. */
const RETRY_AFTER_JITTER_SHARE = 0.1;

/** Responses worth another attempt: rate limited (429) and temporarily unavailable (503). */
export const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([429, 503]);
const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'];

function checkCount(value: number, name: string, minimum: number): number {
  if (!Number.isFinite(value) || value < minimum) {
    throw new TypeError(`retry.${name} must be a finite number of at least ${minimum}, got ${String(value)}.`);
  }
  return value;
}

/** Fills in the defaults of `options`; `false` turns retries off. */
export function resolveRetryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  const given = options === false ? { maxAttempts: 1 } : (options ?? {});
  const methods = new Set(IDEMPOTENT_METHODS);
  if (given.shouldRetryPatch === true) {
    methods.add('PATCH');
  }
  return {
    maxAttempts: Math.floor(checkCount(given.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 'maxAttempts', 1)),
    baseDelayMs: checkCount(given.baseDelayMs ?? DEFAULT_BASE_DELAY_MS, 'baseDelayMs', 0),
    maxDelayMs: checkCount(given.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, 'maxDelayMs', 0),
    maxRetryAfterMs: checkCount(given.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS, 'maxRetryAfterMs', 0),
    methods,
    onRetry: given.onRetry,
  };
}

/**
 * Returns how long to wait after failed attempt number `attempt` (from 1), or undefined
 * when the server requests a longer wait than the policy allows. With `Retry-After`:
 * that delay plus up to 10 % at random. Without: "equal jitter" exponential backoff,
 * between half and all of `min(maxDelayMs, baseDelayMs * 2^(attempt - 1))`.
 * `random` returns a number in [0, 1), like `Math.random`.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number | undefined {
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxRetryAfterMs) {
      return undefined;
    }
    return retryAfterMs * (1 + RETRY_AFTER_JITTER_SHARE * random());
  }
  const stepMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return stepMs / 2 + (stepMs / 2) * random();
}

/** Resolves after `delayMs`, or rejects with `signal.reason` as soon as `signal` aborts. */
export function sleep(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true) {
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
