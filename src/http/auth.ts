import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../app/auth/authenticator.js';
import { unauthenticated } from '../app/auth/authenticator.js';
import type { RateLimiter } from '../app/auth/rate-limiter.js';
import { ApiError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface BasicCredentials {
  keyId: string;
  keySecret: string;
}

/** Parses an `Authorization: Basic` header; returns undefined when it is not one. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) {
    return undefined;
  }
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  // A NUL could not name a stored key, and scrypt would treat "secret" and "secret\0" alike.
  if (separator <= 0 || decoded.includes('\u0000')) {
    return undefined;
  }
  return { keyId: decoded.slice(0, separator), keySecret: decoded.slice(separator + 1) };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Authenticates a request to `/v1/projects/{projectId}/...` with HTTP Basic (rate
 * limited per key) or a bearer token, and checks that the credential belongs to the
 * project in the path. A foreign project gets 403 whether or not it exists.
 */
export async function authenticateProjectRequest(
  request: FastifyRequest,
  authenticator: Authenticator,
  limiter: RateLimiter,
): Promise<void> {
  const header = request.headers.authorization;
  let principal: Principal;
  const token = bearerToken(header);
  if (token !== undefined) {
    principal = await authenticator.verifyBearer(token);
  } else {
    const basic = parseBasicAuthorization(header);
    if (basic === undefined) {
      throw unauthenticated(
        header === undefined
          ? 'Credentials are missing. Send your access key with HTTP Basic, or a bearer token from POST /oauth2/token.'
          : 'The Authorization header is not a valid Basic or Bearer credential.',
      );
    }
    principal = await authenticator.verifyBasic(basic.keyId, basic.keySecret);
    const retryAfterSeconds = limiter.take(principal.keyId);
    if (retryAfterSeconds > 0) {
      throw new ApiError(
        'RESOURCE_EXHAUSTED',
        `Access key ${principal.keyId} exceeded its HTTP Basic request rate. Retry after ${retryAfterSeconds} s, or use OAuth2 bearer tokens, which are not limited this way.`,
        { retryAfterSeconds },
      );
    }
  }
  const projectId = (request.params as { projectId?: string }).projectId;
  if (projectId !== principal.projectId) {
    throw new ApiError('PERMISSION_DENIED', `The credential of access key ${principal.keyId} does not grant access to project ${projectId ?? ''}.`);
  }
  request.principal = principal;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Checks `Authorization: Bearer <admin token>` in constant time. */
export function authenticateAdminRequest(request: FastifyRequest, adminToken: string): void {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined || !timingSafeEqual(digest(token), digest(adminToken))) {
    throw unauthenticated('The admin API needs Authorization: Bearer <NUMBERHOST_ADMIN_TOKEN>.', 'Bearer realm="numberhost-admin"');
  }
}
