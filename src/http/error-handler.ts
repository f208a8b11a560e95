import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, invalidArgument } from '../domain/errors.js';
import { ERROR_HTTP_MAPPING, flatErrorBody, wrappedErrorBody } from './error-mapping.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Send errors in the wrapped `{error: {...}}` shape (callbackConfiguration). */
    isWrappedErrorShape?: boolean;
  }
}

/** Converts what Fastify itself rejects (parsing, content type, size) into an ApiError. */
function fromFastifyError(error: FastifyError, limitBytes: number): ApiError {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON: send it with Content-Type: application/json.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', `The request body is larger than the ${error.message.match(/\d+/)?.[0] ?? limitBytes} bytes this operation accepts. Send a smaller body, for example fewer numbers per request.`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidArgument([{ field: '(body)', description: 'is empty; send a JSON object, or no Content-Type header when there is no body.' }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidArgument([{ field: '(body)', description: 'does not match its Content-Length header.' }]);
    case 'FST_ERR_BAD_URL':
      return invalidArgument([{ field: '(path)', description: 'contains an invalid percent-escape; a "%" must start a UTF-8 escape such as %2B for "+".' }]);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return invalidArgument([{ field: '(path)', description: 'has a segment too long to be a phone number or an id; check the path against /openapi.yaml.' }]);
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return invalidArgument([{ field: '(body)', description: `is not valid JSON: ${error.message}` }]);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('INVALID_ARGUMENT', error.message);
  }
  return new ApiError('INTERNAL', 'The server failed to handle the request. It has been logged; retry later.');
}

export function sendApiError(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  const { httpStatus } = ERROR_HTTP_MAPPING[error.code];
  if (error.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(error.retryAfterSeconds));
  }
  if (error.authenticateChallenge !== undefined) {
    void reply.header('www-authenticate', error.authenticateChallenge);
  }
  const body = request.routeOptions.config?.isWrappedErrorShape === true ? wrappedErrorBody(error) : flatErrorBody(error);
  return reply.code(httpStatus).type('application/json').send(body);
}

/**
 * Handles what Fastify rejects before routing (a bad percent-escape in the path, an
 * over-long path segment), which would otherwise get Fastify's own error body.
 */
export function frameworkErrorHandler(bodyLimitBytes: number): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    void sendApiError(request, reply, fromFastifyError(error, bodyLimitBytes));
  };
}

export function installErrorHandlers(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = error instanceof ApiError ? error : fromFastifyError(error, bodyLimitBytes);
    if (apiError.code === 'INTERNAL') {
      request.log.error({ err: error }, 'request failed');
    }
    return sendApiError(request, reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(
      'NOT_FOUND',
      `No operation matches ${request.method} ${request.url.split('?')[0]}. Check the path against /openapi.yaml; custom verbs follow a colon, as in /hostingOrders:importNumbers.`,
    );
    return sendApiError(request, reply, error);
  });
}
