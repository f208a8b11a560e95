import type { FastifyRequest } from 'fastify';
import { ApiError } from '../domain/errors.js';

/**
 * Reads the id from a path segment of the form `{id}:{verb}`, split on its last colon.
 * Fastify 5.12 does not honour the "::" escape right after a parameter, because
 * `/:keyId::revoke` registers one parameter named "keyId::revoke" that matches any
 * segment. Such routes take the whole segment as one parameter and split it here. A
 * `%3A` for the colon arrives decoded and works the same. Any other verb gets a 404.
 */
export function idBeforeVerb(request: FastifyRequest, segment: string, verb: string): string {
  const colon = segment.lastIndexOf(':');
  if (colon <= 0 || segment.slice(colon + 1) !== verb) {
    throw new ApiError('NOT_FOUND', `No operation matches ${request.method} ${request.url.split('?')[0]}. The last path segment must be {id}:${verb}.`);
  }
  return segment.slice(0, colon);
}
