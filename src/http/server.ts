import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../app/auth/authenticator.js';
import type { RateLimiter } from '../app/auth/rate-limiter.js';
import type { AppContext } from '../app/context.js';
import { newId } from '../app/ids.js';
import { authenticateAdminRequest, authenticateProjectRequest } from './auth.js';
import { BodyValidator } from './body-validation.js';
import { frameworkErrorHandler, installErrorHandlers } from './error-handler.js';
import { installJsonBodyParser } from './json-body.js';
import { rejectNulCharacters } from './nul-characters.js';
import { checkSingleValuedQuery } from './query-validation.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAdminFaultRoutes } from './routes/admin-faults.js';
import { registerAdminQualificationRoutes } from './routes/admin-qualification.js';
import { registerAdminTaskRoutes } from './routes/admin-tasks.js';
import { registerCallbackConfigurationRoutes } from './routes/callback-configuration.js';
import { registerConsoleRoutes, sendConsoleRequestError } from './routes/console.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerHostingOrderRoutes } from './routes/hosting-orders.js';
import { registerImportedNumberRoutes } from './routes/imported-numbers.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { registerQualifiedNumberRoutes } from './routes/qualified-numbers.js';
import { registerLoaSigningRoutes } from './routes/loa-signing.js';
import { createSpecAjv } from './spec.js';

export interface ServerDependencies {
  ctx: AppContext;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  adminToken: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Log fields never written: credentials, secrets and LOA personal data. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.hmacSecret',
  '*.keySecret',
  '*.access_token',
  '*.authorisedPerson',
  '*.address',
];

/**
 * The URL as logged. A signing link's token is a credential, so the segment after
 * `loa/` is masked however the path is spelt: percent-encoded (`/%6Coa/…` reaches the
 * same route), in capitals, or with extra slashes.
 */
export function maskedUrl(url: string): string {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    decoded = url;
  }
  return decoded.replace(/(loa\/+)[^/?#]+/gi, '$1[token]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Serialises a request for the log as Fastify does, with the signing token masked. */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: maskedUrl(request.url ?? ''),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * Turns `%3A` in the path into ":", so that custom verbs such as
 * `hostingOrders%3AimportNumbers` route like `hostingOrders:importNumbers`. The router
 * matches literal path parts before decoding them, so it would otherwise miss them.
 */
export function decodeEncodedColons(url: string): string {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  if (!/%3a/i.test(path)) {
    return url;
  }
  return path.replace(/%3a/gi, ':') + (queryStart === -1 ? '' : url.slice(queryStart));
}

function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

export async function buildServer(deps: ServerDependencies): Promise<FastifyInstance> {
  const { ctx } = deps;
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimitBytes,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : newId();
    },
    trustProxy: false,
    // A client that stops sending its request is cut off instead of holding a socket forever.
    requestTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: { maxParamLength: 256 },
    rewriteUrl: (request) => decodeEncodedColons(request.url ?? '/'),
    frameworkErrors: (error, request, reply) =>
      /^\/console(?:[/?]|$)/.test(request.url) ? void sendConsoleRequestError(reply, ctx.config.mode) : frameworkErrorHandler(ctx.config.bodyLimitBytes)(error, request, reply),
  });
  installErrorHandlers(app, ctx.config.bodyLimitBytes);
  // Fastify parses text/plain bodies by default. The API takes JSON only, so a text
  // body gets 415 like any other media type.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);
  const bodyValidator = new BodyValidator(createSpecAjv());

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request);
    ctx.metrics.httpRequests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url ?? '';
    if (url.startsWith('/v1/projects/')) {
      await authenticateProjectRequest(request, deps.authenticator, deps.rateLimiter);
    } else if (url.startsWith('/admin/')) {
      authenticateAdminRequest(request, deps.adminToken);
    }
  });
  app.addHook('preHandler', async (request) => {
    rejectNulCharacters(request);
    const url = request.routeOptions.url ?? '';
    if (url.startsWith('/v1/projects/') || url.startsWith('/admin/')) {
      checkSingleValuedQuery(request);
    }
    bodyValidator.check(request);
  });

  registerHealthRoutes(app, ctx);
  await registerOAuthRoutes(app, deps.authenticator);
  registerImportedNumberRoutes(app, ctx);
  registerHostingOrderRoutes(app, ctx);
  registerQualifiedNumberRoutes(app, ctx);
  await registerLoaSigningRoutes(app, ctx);
  await registerConsoleRoutes(app, ctx, deps.adminToken, deps.authenticator);
  registerCallbackConfigurationRoutes(app, ctx);
  registerAdminRoutes(app, ctx, deps.authenticator);
  registerAdminQualificationRoutes(app, ctx);
  registerAdminTaskRoutes(app, ctx);
  registerAdminFaultRoutes(app, ctx);
  return app;
}
