import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../domain/errors.js';
import { ERROR_HTTP_MAPPING } from '../error-mapping.js';
import type { AppContext } from '../../app/context.js';
import type { SigningLinkState } from '../../app/loa-signing.js';
import { declineLoa, openSigningLink, signLoa, signingLinkDocument } from '../../app/loa-signing.js';
import { CSRF_COOKIE, CSRF_FORM_FIELD, csrfCookieHeader, isCsrfTokenValid, newCsrfToken, readCookie } from '../../web/csrf.js';
import { PDF_SECURITY_HEADERS, SECURITY_HEADERS, html, renderPage } from '../../web/html.js';
import type { LinkProblem } from '../../web/signing-pages.js';
import { renderDeclinedPage, renderLinkProblemPage, renderSignedPage, renderSigningPage } from '../../web/signing-pages.js';

interface TokenParams {
  token: string;
}

type SigningForm = Record<string, string | string[] | undefined>;

const PROBLEM_STATUS: Record<LinkProblem, number> = { unknown: 404, expired: 410, signed: 200, declined: 410, closed: 410 };

function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(page);
}

function sendProblem(reply: FastifyReply, state: Exclude<SigningLinkState, { kind: 'open' }>): FastifyReply {
  const problem: LinkProblem = state.kind;
  return sendPage(reply, PROBLEM_STATUS[problem], renderLinkProblemPage(problem, state.kind === 'expired' ? { expiredAt: state.expiredAt } : {}));
}

function firstValue(form: SigningForm, field: string): string | undefined {
  const value = form[field];
  return typeof value === 'string' ? value : undefined;
}

function signer(request: FastifyRequest): { ipAddress: string; userAgent: string } {
  const userAgent = request.headers['user-agent'];
  return { ipAddress: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : '' };
}

/**
 * The LOA signing pages a signer reaches from the e-mailed link. Server-rendered, no
 * scripts, a double-submit CSRF cookie scoped to the link's path.
 */
export async function registerLoaSigningRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const isSecure = new URL(ctx.config.publicBaseUrl).protocol === 'https:';

  await app.register(async (scope) => {
    await scope.register(formBody, { bodyLimit: 16_384 });
    // The signing form posts application/x-www-form-urlencoded only; other bodies get 415.
    scope.removeContentTypeParser('application/json');

    // A signer sees a page, never the API's JSON: errors raised before a handler runs
    // (body type, body size, NUL characters) get a short explanation with the fix.
    scope.setErrorHandler(async (error, request, reply) => {
      const statusCode = error instanceof ApiError ? ERROR_HTTP_MAPPING[error.code].httpStatus : typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
      if (statusCode >= 500) {
        request.log.error({ err: error }, 'signing page request failed');
      } else {
        request.log.info({ err: { message: error instanceof Error ? error.message : String(error) } }, 'signing page request rejected');
      }
      const message =
        statusCode === 413
          ? 'The form was too large to read. Go back, shorten what you typed, and send it again.'
          : statusCode >= 500
            ? 'Something went wrong on our side. Open the link from the e-mail again in a few minutes.'
            : 'The form could not be read, so nothing was signed or declined. Open the link from the e-mail again and use the form on that page.';
      return sendPage(reply, statusCode, renderPage({ title: 'Request not accepted', body: html`<h1>Request not accepted</h1><p>${message}</p>` }));
    });

    const renderForm = async (reply: FastifyReply, token: string, status: number, error?: string, fullName?: string) => {
      const state = await openSigningLink(ctx, token);
      if (state.kind !== 'open') {
        return sendProblem(reply, state);
      }
      const csrfToken = newCsrfToken();
      void reply.header('set-cookie', csrfCookieHeader(csrfToken, { path: `/loa/${token}`, secure: isSecure }));
      return sendPage(
        reply,
        status,
        renderSigningPage({ token, ...state.summary }, { csrfToken, ...(error === undefined ? {} : { error }), ...(fullName === undefined ? {} : { fullName }) }),
      );
    };

    scope.get<{ Params: TokenParams }>('/loa/:token', async (request, reply) => renderForm(reply, request.params.token, 200));

    scope.get<{ Params: TokenParams }>('/loa/:token/document.pdf', async (request, reply) => {
      const pdf = await signingLinkDocument(ctx, request.params.token);
      if (pdf === undefined) {
        return sendPage(reply, 404, renderLinkProblemPage('unknown'));
      }
      return reply
        .headers(PDF_SECURITY_HEADERS)
        .type('application/pdf')
        .header('content-disposition', 'inline; filename="letter-of-authorization.pdf"')
        .send(Buffer.from(pdf));
    });

    scope.post<{ Params: TokenParams; Body: SigningForm | undefined }>('/loa/:token', async (request, reply) => {
      const { token } = request.params;
      const form: SigningForm = typeof request.body === 'object' && request.body !== null ? request.body : {};
      if (!isCsrfTokenValid(readCookie(request.headers.cookie, CSRF_COOKIE), firstValue(form, CSRF_FORM_FIELD))) {
        return sendPage(
          reply,
          403,
          renderPage({
            title: 'Form expired',
            body: html`<h1>Form expired</h1>
              <p>The form could not be verified: it may have been open too long, or cookies are blocked. Open the link from the e-mail again and retry.</p>`,
          }),
        );
      }
      const action = firstValue(form, 'action');
      if (action === 'decline') {
        const declined = await declineLoa(ctx, token, firstValue(form, 'declineReason'), signer(request));
        return declined.kind === 'declined' ? sendPage(reply, 200, renderDeclinedPage(declined)) : sendProblem(reply, declined.state as never);
      }
      if (action !== 'sign') {
        return renderForm(reply, token, 400, 'Choose Sign or Decline.');
      }
      const fullName = firstValue(form, 'fullName');
      const signed = await signLoa(ctx, token, fullName, firstValue(form, 'consent'), signer(request));
      if (signed.kind === 'invalid') {
        return renderForm(reply, token, 400, signed.error, fullName?.slice(0, 200));
      }
      if (signed.kind === 'refused') {
        return sendProblem(reply, signed.state as never);
      }
      return sendPage(reply, 200, renderSignedPage(signed));
    });
  });
}
