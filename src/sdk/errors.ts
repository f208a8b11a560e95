/** One violated field of a request, from the `BadRequest` details of a 400 response. */
export interface FieldViolation {
  /** Path of the field in the request, such as `numbers[2]` or `smsConfiguration.servicePlanId`. */
  field: string;
  description: string;
}

/** Fields of a `NumberhostApiError`: the failed request and what its response contained. */
export interface ApiErrorInit {
  httpStatus: number;
  status: string;
  message: string;
  fieldViolations?: FieldViolation[];
  retryAfterSeconds?: number;
  method: string;
  url: string;
  body?: unknown;
}

/**
 * An error response of the API (or of the OAuth2 token endpoint). The API returns
 * errors in two shapes: flat `{code: "400", message, status, details}` on most
 * operations, and wrapped `{error: {code: 400, message, status, details}}` on
 * callbackConfiguration. Both end up in the same fields here.
 *
 * @example
 * try {
 *   await client.importedNumbers.get('+12025550134');
 * } catch (error) {
 *   if (error instanceof NumberhostApiError && error.status === 'NOT_FOUND') {
 *     console.log('not imported yet');
 *   } else {
 *     throw error;
 *   }
 * }
 */
export class NumberhostApiError extends Error {
  override readonly name = 'NumberhostApiError';
  /** HTTP status code of the response, such as 400. */
  readonly httpStatus: number;
  /**
   * Status name from the body, such as `INVALID_ARGUMENT` or `NOT_FOUND`. Token endpoint
   * errors carry the OAuth2 error code instead, such as `invalid_client`. When the body
   * names none, the standard name for the HTTP status (`UNAVAILABLE` for 503, and so on).
   */
  readonly status: string;
  /** The violated fields of a 400 response; empty when the response lists none. */
  readonly fieldViolations: readonly FieldViolation[];
  /** Seconds to wait before trying again, from the `Retry-After` header, when the response has one. */
  readonly retryAfterSeconds: number | undefined;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request. */
  readonly url: string;
  /** The response body: parsed JSON, or the text when it was not JSON. */
  readonly body: unknown;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.httpStatus = init.httpStatus;
    this.status = init.status;
    this.fieldViolations = init.fieldViolations ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.method = init.method;
    this.url = init.url;
    this.body = init.body;
  }
}

/**
 * Raised by `waitForHostingOrder` and `waitForQualifiedNumber` when `timeoutMs` passes
 * before the resource reaches one of the awaited states.
 *
 * @example
 * try {
 *   await client.waitForHostingOrder(id, { timeoutMs: 60_000 });
 * } catch (error) {
 *   if (error instanceof NumberhostWaitTimeoutError) {
 *     console.log('still', error.lastState);
 *   }
 * }
 */
export class NumberhostWaitTimeoutError<Resource = unknown> extends Error {
  override readonly name = 'NumberhostWaitTimeoutError';
  /** The last version of the resource read before the timeout, or undefined when none was read. */
  readonly lastValue: Resource | undefined;
  /** The state of `lastValue`. */
  readonly lastState: string | undefined;

  constructor(message: string, lastValue: Resource | undefined, lastState: string | undefined) {
    super(message);
    this.lastValue = lastValue;
    this.lastState = lastState;
  }
}

/** Google API status names for HTTP statuses, used when an error body names no status. */
const STATUS_BY_HTTP_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const MAX_TEXT_IN_MESSAGE_CHARS = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads field violations from Google-style `details`: items of type `BadRequest`
 * (numberhost and the spec's examples) or `@type` `...google.rpc.BadRequest`.
 */
function fieldViolationsFrom(details: unknown): FieldViolation[] {
  if (!Array.isArray(details)) {
    return [];
  }
  const violations: FieldViolation[] = [];
  for (const detail of details) {
    if (!isRecord(detail)) {
      continue;
    }
    let type = '';
    if (typeof detail.type === 'string') {
      type = detail.type;
    } else if (typeof detail['@type'] === 'string') {
      type = detail['@type'];
    }
    if (type !== 'BadRequest' && !type.endsWith('google.rpc.BadRequest')) {
      continue;
    }
    const items = Array.isArray(detail.fieldViolations) ? detail.fieldViolations : [];
    for (const item of items) {
      if (isRecord(item) && typeof item.field === 'string') {
        violations.push({ field: item.field, description: typeof item.description === 'string' ? item.description : '' });
      }
    }
  }
  return violations;
}

/**
 * Parses a `Retry-After` value (delay in seconds or an HTTP date) into milliseconds from
 * `nowMs`. Returns undefined for a missing or unreadable value.
 */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  // Only an IMF-fixdate such as "Sun, 06 Nov 1994 08:49:37 GMT": Date.parse would also
  // read "1.5" or "-5" as dates long past, which would turn the backoff off.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) {
    return undefined;
  }
  const dateMs = Date.parse(trimmed);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

function fallbackMessage(method: string, url: string, response: Response, body: unknown): string {
  const where = `${method} ${url.split('?')[0] ?? url}`;
  const statusLine = `HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
  if (typeof body === 'string' && body.trim() !== '') {
    const text = body.trim().replace(/\s+/g, ' ');
    const shown = text.length > MAX_TEXT_IN_MESSAGE_CHARS ? `${text.slice(0, MAX_TEXT_IN_MESSAGE_CHARS)}...` : text;
    return `${where} failed with ${statusLine}, and the body is not an API error: ${shown}`;
  }
  return `${where} failed with ${statusLine}, and the body is not an API error.`;
}

/**
 * Builds the error for a failed response. `body` is the parsed JSON body, or its text
 * when it was not JSON, or undefined when it was empty.
 */
export function apiErrorFromResponse(method: string, url: string, response: Response, body: unknown, nowMs: number = Date.now()): NumberhostApiError {
  const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), nowMs);
  const common = {
    httpStatus: response.status,
    method,
    url,
    body,
    retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
  };
  const fallbackStatus = STATUS_BY_HTTP_STATUS[response.status] ?? 'UNKNOWN';

  // OAuth2 token endpoint (RFC 6749 section 5.2): {error: "invalid_client", error_description}.
  if (isRecord(body) && typeof body.error === 'string') {
    const description = typeof body.error_description === 'string' ? body.error_description : `The token request was rejected (${body.error}).`;
    return new NumberhostApiError({ ...common, status: body.error, message: description });
  }

  // Wrapped shape {error: {...}} of callbackConfiguration, otherwise the flat shape.
  const fields = isRecord(body) && isRecord(body.error) ? body.error : body;
  if (isRecord(fields) && (typeof fields.message === 'string' || typeof fields.status === 'string')) {
    return new NumberhostApiError({
      ...common,
      status: typeof fields.status === 'string' && fields.status !== '' ? fields.status : fallbackStatus,
      message: typeof fields.message === 'string' && fields.message !== '' ? fields.message : fallbackMessage(method, url, response, undefined),
      fieldViolations: fieldViolationsFrom(fields.details),
    });
  }
  return new NumberhostApiError({ ...common, status: fallbackStatus, message: fallbackMessage(method, url, response, body) });
}
