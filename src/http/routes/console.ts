import { createHash, timingSafeEqual } from 'node:crypto';
import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../app/auth/authenticator.js';
import type { ConsoleSession } from '../../app/console-sessions.js';
import {
  CONSOLE_SESSION_LIFETIME_MS,
  endConsoleSession,
  findConsoleSession,
  setConsoleFlash,
  startConsoleSession,
  takeConsoleFlash,
} from '../../app/console-sessions.js';
import type { AppContext } from '../../app/context.js';
import { ApiError } from '../../domain/errors.js';
import { ERROR_HTTP_MAPPING } from '../error-mapping.js';
import { CONSOLE_SCRIPT, CONSOLE_STYLESHEET } from '../../web/console/assets.js';
import { renderLoginPage, renderProblemBody } from '../../web/console/login-page.js';
import { CONSOLE_MODULES } from '../../web/console/pages/index.js';
import type { ActionHandler, ConsoleRequest, ConsoleRouter, DownloadHandler, PageHandler, RouteOptions } from '../../web/console/router.js';
import { renderConsoleShell } from '../../web/console/ui.js';
import { CSRF_FORM_FIELD, csrfCookieHeader, isCsrfTokenValid, newCsrfToken, readCookie } from '../../web/csrf.js';

/** The session cookie. Path=/console keeps it off the API and the signing pages. */
export const CONSOLE_SESSION_COOKIE = 'numberhost_console';
/** The login form's double-submit CSRF cookie, scoped to the login path. */
const LOGIN_CSRF_COOKIE = 'loa_csrf';

const FORM_BODY_LIMIT_BYTES = 65_536;
/** Failed logins allowed per client address within LOGIN_FAILURE_WINDOW_MS before 429. */
const MAX_LOGIN_FAILURES = 10;
const LOGIN_FAILURE_WINDOW_MS = 5 * 60 * 1000;

/**
 * Content-Security-Policy of the console: its own stylesheet and script only, no inline
 * code, forms only to this origin, and no framing by any site.
 */
const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'X-Robots-Tag': 'noindex, nofollow',
});

type FormBody = Record<string, string | string[] | undefined>;

function firstValues(source: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (typeof source !== 'object' || source === null) {
    return values;
  }
  for (const [name, value] of Object.entries(source as FormBody)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') {
      values[name] = first;
    }
  }
  return values;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Returns the console path to go back to after login or an action. Anything else falls
 * back to the dashboard, so no redirect can leave the console: another origin, `//host`,
 * backslashes, dot segments plain or percent-encoded, control characters, and characters
 * outside printable ASCII, which a Location header cannot carry.
 */
export function safeConsolePath(candidate: string | undefined): string {
  if (
    candidate === undefined ||
    candidate.length > 2000 ||
    !/^\/console(?:[/?#]|$)/.test(candidate) ||
    /[^\x21-\x7e]|\\|\/\/|%2e|%2f|%5c|\/\.\.?(?:[/?#]|$)/i.test(candidate)
  ) {
    return '/console';
  }
  return candidate;
}

/** Characters of a form field that an action's returnFields may carry back in the URL. */
const MAX_RETURN_FIELD_CHARS = 64;

/**
 * Adds the named form fields to the query string of `location`, so the page a failed
 * action returns to can fill its form again. Empty values and values longer than
 * MAX_RETURN_FIELD_CHARS are left out, so free text never travels in a URL.
 */
export function withReturnFields(location: string, form: Readonly<Record<string, string>>, names: readonly string[]): string {
  const url = new URL(location, 'http://console.invalid');
  for (const name of names) {
    const value = form[name]?.trim() ?? '';
    if (value !== '' && value.length <= MAX_RETURN_FIELD_CHARS) {
      url.searchParams.set(name, value);
    }
  }
  return safeConsolePath(`${url.pathname}${url.search}`);
}

/**
 * Sends a console page, instead of the API's JSON error, for a console request that the
 * router could not read (a bad percent escape in the path).
 */
export function sendConsoleRequestError(reply: FastifyReply, mode: 'sandbox' | 'production'): FastifyReply {
  const body = renderProblemBody('Request rejected', 'Nothing was changed: the address could not be read. Check its percent escapes, or go back and follow a link.');
  return reply
    .code(400)
    .headers(CONSOLE_SECURITY_HEADERS)
    .type('text/html; charset=utf-8')
    .send(renderConsoleShell({ title: 'Request rejected', section: undefined, body, mode, csrfToken: undefined }));
}

/** Counts failed logins per client address, so the admin token cannot be guessed at speed. */
class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  isBlocked(address: string, nowMs: number): boolean {
    return this.recent(address, nowMs).length >= MAX_LOGIN_FAILURES;
  }

  recordFailure(address: string, nowMs: number): void {
    const recent = this.recent(address, nowMs);
    recent.push(nowMs);
    this.failures.set(address, recent);
    if (this.failures.size > 10_000) {
      this.failures.clear();
    }
  }

  private recent(address: string, nowMs: number): number[] {
    return (this.failures.get(address) ?? []).filter((atMs) => nowMs - atMs < LOGIN_FAILURE_WINDOW_MS);
  }
}

/**
 * Registers the operator console under `/console`: login with the admin token, a session
 * cookie (HttpOnly, SameSite=Strict, Secure over https), a CSRF token in every form,
 * strict security headers, and the page modules of src/web/console/pages.
 */
export async function registerConsoleRoutes(app: FastifyInstance, ctx: AppContext, adminToken: string, authenticator: Authenticator): Promise<void> {
  const isSecure = new URL(ctx.config.publicBaseUrl).protocol === 'https:';
  const publicOrigin = new URL(ctx.config.publicBaseUrl).origin;
  const adminTokenDigest = sha256(adminToken);
  // Sessions record which admin token opened them; a different prefix keeps this digest
  // from matching any other stored hash of the token.
  const sessionTokenDigest = createHash('sha256').update(`numberhost console session\u0000${adminToken}`, 'utf8').digest('hex');
  // Sessions opened with an earlier admin token end for good, even if that token returns.
  await ctx.storage.db.deleteFrom('console_sessions').where('admin_token_digest', '!=', sessionTokenDigest).execute();
  const throttle = new LoginThrottle();

  const sessionCookie = (value: string, maxAgeSeconds: number): string =>
    [`${CONSOLE_SESSION_COOKIE}=${value}`, 'Path=/console', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict', ...(isSecure ? ['Secure'] : [])].join(
      '; ',
    );

  const sendHtml = (reply: FastifyReply, status: number, markup: string): FastifyReply =>
    reply.code(status).headers(CONSOLE_SECURITY_HEADERS).type('text/html; charset=utf-8').send(markup);

  const sendProblem = (reply: FastifyReply, status: number, title: string, message: string, session?: ConsoleSession): FastifyReply =>
    sendHtml(
      reply,
      status,
      renderConsoleShell({ title, section: undefined, body: renderProblemBody(title, message), mode: ctx.config.mode, csrfToken: session?.csrfToken }),
    );

  /** Returns whether a post comes from another site, by its Origin or Sec-Fetch-Site header, before the CSRF token is read. */
  const isCrossSite = (request: FastifyRequest): boolean => {
    const fetchSite = request.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
      return true;
    }
    const origin = request.headers.origin;
    if (origin === undefined) {
      return false;
    }
    // Behind a TLS-terminating proxy the request arrives as http while the browser's
    // Origin is https, so the public base URL's origin counts as this site too.
    return origin !== `${request.protocol}://${request.headers.host ?? ''}` && origin !== publicOrigin;
  };

  const consoleRequest = (request: FastifyRequest, session: ConsoleSession): ConsoleRequest => ({
    ctx,
    session,
    params: firstValues(request.params),
    query: firstValues(request.query),
    form: request.method === 'POST' ? firstValues(request.body) : {},
    request,
    authenticator,
  });

  await app.register(async (scope) => {
    await scope.register(formBody, { bodyLimit: FORM_BODY_LIMIT_BYTES });
    // Console forms post application/x-www-form-urlencoded only; other bodies get 415.
    scope.removeContentTypeParser('application/json');

    // Errors raised before a handler runs (body type, body size, NUL characters), and
    // handler failures, get a console page instead of the API's JSON.
    scope.setErrorHandler(async (error, request, reply) => {
      request.log.info({ err: { message: error instanceof Error ? error.message : String(error) }, url: request.routeOptions.url }, 'console request rejected with an error page');
      if (error instanceof ApiError) {
        return sendProblem(reply, ERROR_HTTP_MAPPING[error.code].httpStatus, 'Request rejected', `Nothing was changed: ${error.message}`);
      }
      const statusCode = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
      if (statusCode === 415) {
        return sendProblem(reply, 415, 'Request rejected', 'Nothing was changed: console forms are sent as application/x-www-form-urlencoded, and this request had another body type.');
      }
      if (statusCode === 413) {
        return sendProblem(reply, 413, 'Request rejected', `Nothing was changed: the form is larger than ${FORM_BODY_LIMIT_BYTES / 1024} KB.`);
      }
      if (statusCode >= 400 && statusCode < 500) {
        return sendProblem(reply, statusCode, 'Request rejected', 'Nothing was changed: the request could not be read. Reload the page and try again.');
      }
      request.log.error({ err: error }, 'console request failed');
      return sendProblem(reply, 500, 'Something went wrong', `The server could not answer this request. Its log has the details under request id ${request.id}.`);
    });

    scope.get('/console/assets/console.css', async (_request, reply) =>
      reply.headers(CONSOLE_SECURITY_HEADERS).header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(CONSOLE_STYLESHEET),
    );
    scope.get('/console/assets/console.js', async (_request, reply) =>
      reply.headers(CONSOLE_SECURITY_HEADERS).header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(CONSOLE_SCRIPT),
    );

    const renderLogin = (reply: FastifyReply, status: number, next: string, error?: string): FastifyReply => {
      const csrfToken = newCsrfToken();
      void reply.header('set-cookie', csrfCookieHeader(csrfToken, { path: '/console/login', secure: isSecure }));
      return sendHtml(reply, status, renderLoginPage({ csrfToken, next, mode: ctx.config.mode, ...(error === undefined ? {} : { error }) }));
    };

    scope.get('/console/login', async (request, reply) => renderLogin(reply, 200, safeConsolePath(firstValues(request.query).next)));

    scope.post('/console/login', async (request, reply) => {
      const form = firstValues(request.body);
      const next = safeConsolePath(form.next);
      if (isCrossSite(request) || !isCsrfTokenValid(readCookie(request.headers.cookie, LOGIN_CSRF_COOKIE), form[CSRF_FORM_FIELD])) {
        return renderLogin(reply, 403, next, 'The login form expired or came from another site. Enter the token again.');
      }
      const nowMs = Date.now();
      if (throttle.isBlocked(request.ip, nowMs)) {
        return renderLogin(reply, 429, next, 'Too many failed logins from this address. Wait five minutes and try again.');
      }
      const token = form.adminToken ?? '';
      if (token === '' || !timingSafeEqual(sha256(token), adminTokenDigest)) {
        throttle.recordFailure(request.ip, nowMs);
        ctx.logger.warn({ remoteAddress: request.ip }, 'console login rejected: wrong admin token');
        return renderLogin(reply, 401, next, 'That is not the admin token (NUMBERHOST_ADMIN_TOKEN). Check it and try again.');
      }
      const { cookieValue } = await startConsoleSession(ctx, sessionTokenDigest);
      ctx.logger.info({ remoteAddress: request.ip }, 'console login');
      return reply
        .code(303)
        .headers(CONSOLE_SECURITY_HEADERS)
        .header('set-cookie', sessionCookie(cookieValue, Math.floor(CONSOLE_SESSION_LIFETIME_MS / 1000)))
        .header('location', next)
        .send();
    });

    const requireSession = async (request: FastifyRequest): Promise<ConsoleSession | undefined> =>
      findConsoleSession(ctx, readCookie(request.headers.cookie, CONSOLE_SESSION_COOKIE), sessionTokenDigest);

    /** Checks the session and, for posts, the origin and the CSRF token. Sends the rejection when a check fails. */
    const guard = async (request: FastifyRequest, reply: FastifyReply, isPost: boolean): Promise<ConsoleSession | undefined> => {
      const session = await requireSession(request);
      if (session === undefined) {
        if (isPost) {
          void sendProblem(reply, 401, 'Session ended', 'Nothing was changed: your console session has ended. Log in again and repeat the action.');
        } else {
          void reply.code(303).headers(CONSOLE_SECURITY_HEADERS).header('location', `/console/login?next=${encodeURIComponent(request.url)}`).send();
        }
        return undefined;
      }
      if (isPost && (isCrossSite(request) || !isCsrfTokenValid(session.csrfToken, firstValues(request.body)[CSRF_FORM_FIELD]))) {
        ctx.logger.warn({ remoteAddress: request.ip, url: request.routeOptions.url }, 'console post rejected: CSRF check failed');
        void sendProblem(reply, 403, 'Form rejected', 'Nothing was changed: the form did not carry this session’s security token. Reload the page and try again.', session);
        return undefined;
      }
      return session;
    };

    const isAvailable = (options: RouteOptions | undefined): boolean => options?.isSandboxOnly !== true || ctx.config.mode === 'sandbox';

    scope.post('/console/logout', async (request, reply) => {
      const session = await guard(request, reply, true);
      if (session === undefined) {
        return reply;
      }
      await endConsoleSession(ctx, session);
      return reply.code(303).headers(CONSOLE_SECURITY_HEADERS).header('set-cookie', sessionCookie('', 0)).header('location', '/console/login').send();
    });

    const router: ConsoleRouter = {
      page(path: string, handler: PageHandler, options?: RouteOptions) {
        scope.get(path, async (request, reply) => {
          const session = await guard(request, reply, false);
          if (session === undefined) {
            return reply;
          }
          if (!isAvailable(options)) {
            return sendProblem(reply, 404, 'Not in production', 'This page exists in sandbox mode only.', session);
          }
          try {
            const page = await handler(consoleRequest(request, session));
            const flash = await takeConsoleFlash(ctx, session);
            return sendHtml(
              reply,
              page.status ?? 200,
              renderConsoleShell({
                title: page.title,
                section: page.section,
                body: page.body,
                mode: ctx.config.mode,
                csrfToken: session.csrfToken,
                flash,
                refreshSeconds: page.refreshSeconds,
              }),
            );
          } catch (error) {
            if (error instanceof ApiError) {
              const status = ERROR_HTTP_MAPPING[error.code].httpStatus;
              return sendProblem(reply, status, status === 404 ? 'Not found' : 'Cannot show this page', error.message, session);
            }
            throw error;
          }
        });
      },

      action(path: string, handler: ActionHandler, options?: RouteOptions) {
        scope.post(path, async (request, reply) => {
          const session = await guard(request, reply, true);
          if (session === undefined) {
            return reply;
          }
          if (!isAvailable(options)) {
            return sendProblem(reply, 404, 'Not in production', 'This action exists in sandbox mode only.', session);
          }
          const input = consoleRequest(request, session);
          let location: string;
          try {
            const result = await handler(input);
            if ('page' in result) {
              // Sent as this response and never stored, because the page may contain a secret shown once.
              const { page } = result;
              return sendHtml(
                reply,
                page.status ?? 200,
                renderConsoleShell({ title: page.title, section: page.section, body: page.body, mode: ctx.config.mode, csrfToken: session.csrfToken }),
              );
            }
            location = safeConsolePath(result.redirect);
            if (result.notice !== undefined) {
              await setConsoleFlash(ctx, session, { kind: 'notice', text: result.notice });
            }
          } catch (error) {
            if (!(error instanceof ApiError)) {
              throw error;
            }
            request.log.info({ err: { message: error.message }, url: request.routeOptions.url }, 'console action rejected');
            location = withReturnFields(safeConsolePath(input.form.returnTo), input.form, options?.returnFields ?? []);
            await setConsoleFlash(ctx, session, { kind: 'error', text: `Nothing was changed: ${error.message}` });
          }
          return reply.code(303).headers(CONSOLE_SECURITY_HEADERS).header('location', location).send();
        });
      },

      download(path: string, handler: DownloadHandler, options?: RouteOptions) {
        scope.get(path, async (request, reply) => {
          const session = await guard(request, reply, false);
          if (session === undefined) {
            return reply;
          }
          if (!isAvailable(options)) {
            return sendProblem(reply, 404, 'Not in production', 'This file exists in sandbox mode only.', session);
          }
          try {
            const file = await handler(consoleRequest(request, session));
            return reply
              .headers(CONSOLE_SECURITY_HEADERS)
              .type(file.contentType)
              .header('content-disposition', `attachment; filename="${file.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
              .send(Buffer.from(file.body));
          } catch (error) {
            if (error instanceof ApiError) {
              return sendProblem(reply, ERROR_HTTP_MAPPING[error.code].httpStatus, 'Cannot download this file', error.message, session);
            }
            throw error;
          }
        });
      },
    };

    for (const register of CONSOLE_MODULES) {
      register(router);
    }

    // Any other console path gets the console's own 404 page, not the API's JSON one.
    // Fastify tries static and parametric routes before a wildcard, so these catch
    // only paths no module registered. A post is checked like an action first.
    const notFoundMessage = 'No console page has this address. It may be mistyped, or a form was opened by its link instead of being posted.';
    scope.get('/console/*', async (request, reply) => {
      const session = await guard(request, reply, false);
      return session === undefined ? reply : sendProblem(reply, 404, 'Not found', notFoundMessage, session);
    });
    scope.post('/console/*', async (request, reply) => {
      const session = await guard(request, reply, true);
      return session === undefined ? reply : sendProblem(reply, 404, 'Not found', `Nothing was changed. ${notFoundMessage}`, session);
    });
  });
}
