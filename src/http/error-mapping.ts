import type { ErrorCode } from '../domain/errors.js';
import { ApiError } from '../domain/errors.js';

/** HTTP status and the Google API status name sent for each error code. */
export const ERROR_HTTP_MAPPING: Readonly<Record<ErrorCode, { httpStatus: number; status: string }>> = {
  INVALID_ARGUMENT: { httpStatus: 400, status: 'INVALID_ARGUMENT' },
  FAILED_PRECONDITION: { httpStatus: 400, status: 'FAILED_PRECONDITION' },
  UNAUTHENTICATED: { httpStatus: 401, status: 'UNAUTHENTICATED' },
  PERMISSION_DENIED: { httpStatus: 403, status: 'PERMISSION_DENIED' },
  NOT_FOUND: { httpStatus: 404, status: 'NOT_FOUND' },
  ALREADY_EXISTS: { httpStatus: 409, status: 'ALREADY_EXISTS' },
  RESOURCE_EXHAUSTED: { httpStatus: 429, status: 'RESOURCE_EXHAUSTED' },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, status: 'INVALID_ARGUMENT' },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, status: 'INVALID_ARGUMENT' },
  INTERNAL: { httpStatus: 500, status: 'INTERNAL' },
};

function details(error: ApiError): unknown[] | undefined {
  if (error.fieldViolations.length === 0) {
    return undefined;
  }
  return [{ type: 'BadRequest', fieldViolations: error.fieldViolations }];
}

/** Builds the spec's `ErrorResponse`: flat, with the HTTP code as a string. */
export function flatErrorBody(error: ApiError): Record<string, unknown> {
  const { httpStatus, status } = ERROR_HTTP_MAPPING[error.code];
  const errorDetails = details(error);
  return {
    code: String(httpStatus),
    message: error.message,
    status,
    ...(errorDetails === undefined ? {} : { details: errorDetails }),
  };
}

/** Builds the wrapped shape of the callbackConfiguration operations, with the HTTP code as an integer. */
export function wrappedErrorBody(error: ApiError): Record<string, unknown> {
  const { httpStatus, status } = ERROR_HTTP_MAPPING[error.code];
  return { error: { code: httpStatus, message: error.message, status, details: details(error) ?? [] } };
}

export { ApiError };
