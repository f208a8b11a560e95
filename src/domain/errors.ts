/**
 * The error catalogue. Every error the API returns is an `ApiError` carrying one of
 * these codes; `src/http/error-mapping.ts` maps each code to its HTTP status, and
 * `docs/errors.md` lists them. A test keeps the three in step.
 */

export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'FAILED_PRECONDITION',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'RESOURCE_EXHAUSTED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One rejected field of a request, as the `BadRequest` detail lists it. */
export interface FieldViolation {
  field: string;
  description: string;
}

export interface ApiErrorOptions {
  fieldViolations?: FieldViolation[];
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  retryAfterSeconds?: number;
  /** Challenge sent in `WWW-Authenticate` with a 401. */
  authenticateChallenge?: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly fieldViolations: FieldViolation[];
  readonly retryAfterSeconds: number | undefined;
  readonly authenticateChallenge: string | undefined;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.fieldViolations = options.fieldViolations ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.authenticateChallenge = options.authenticateChallenge;
  }
}

/**
 * Builds the 400 for a request with one or more invalid fields. The message repeats
 * the first violation so that clients that show only `message` still see the cause.
 */
/** At most this many field violations are listed in one error, so a huge bad request gets a small response. */
export const MAX_LISTED_VIOLATIONS = 100;

export function invalidArgument(allViolations: FieldViolation[]): ApiError {
  const violations =
    allViolations.length > MAX_LISTED_VIOLATIONS
      ? [
          ...allViolations.slice(0, MAX_LISTED_VIOLATIONS),
          { field: '(request)', description: `${allViolations.length - MAX_LISTED_VIOLATIONS} more violations are not listed; fix the ones above and retry.` },
        ]
      : allViolations;
  const first = violations[0];
  const summary = first ? `${first.field}: ${first.description}` : 'The request is invalid.';
  const more = allViolations.length > 1 ? ` (and ${allViolations.length - 1} more; see details)` : '';
  return new ApiError('INVALID_ARGUMENT', `Invalid request. ${summary}${more}`, {
    fieldViolations: violations,
  });
}

export function failedPrecondition(field: string, description: string): ApiError {
  return new ApiError('FAILED_PRECONDITION', description, {
    fieldViolations: [{ field, description }],
  });
}

export function notFound(message: string): ApiError {
  return new ApiError('NOT_FOUND', message);
}

export function alreadyExists(message: string): ApiError {
  return new ApiError('ALREADY_EXISTS', message);
}

/** Renders a received value for an error message: quoted, truncated, control characters escaped. */
export function describeValue(value: unknown): string {
  const MAX_SHOWN_CHARS = 64;
  let text: string;
  if (typeof value === 'string') {
    text = JSON.stringify(value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value);
  } else if (value === undefined) {
    text = 'nothing';
  } else {
    let json: string;
    try {
      json = JSON.stringify(value) ?? String(value);
    } catch {
      // JSON.stringify throws a RangeError on very deep nesting.
      json = Array.isArray(value) ? '(a deeply nested array)' : '(a deeply nested object)';
    }
    text = json.length > MAX_SHOWN_CHARS ? `${json.slice(0, MAX_SHOWN_CHARS)}…` : json;
  }
  // Escape invisible and direction-changing characters so the value cannot render reordered.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
