/**
 * The contract between the console's page modules and the HTTP layer. A page module
 * registers pages (GET, rendered in the console shell), actions (POST forms that change
 * something and redirect) and downloads. The HTTP layer checks the session, the CSRF
 * token and the mode before any handler runs, so page modules never receive an
 * unauthenticated request.
 */
import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../../app/auth/authenticator.js';
import type { ConsoleSession } from '../../app/console-sessions.js';
import type { AppContext } from '../../app/context.js';
import type { SafeHtml } from '../html.js';
import type { ConsoleSection } from './ui.js';

export interface ConsoleRequest {
  ctx: AppContext;
  session: ConsoleSession;
  /** Path parameters, decoded. */
  params: Readonly<Record<string, string>>;
  /** Query parameters: the first value of each, as a string. */
  query: Readonly<Record<string, string>>;
  /** Form fields of an action: the first value of each. Empty for pages. */
  form: Readonly<Record<string, string>>;
  request: FastifyRequest;
  /** The API's key verifier, so that a revoked access key stops working in this process at once. */
  authenticator: Pick<Authenticator, 'forget'>;
}

export interface ConsolePage {
  /** Plain text for `<title>`; the body carries its own heading. */
  title: string;
  section: ConsoleSection | undefined;
  body: SafeHtml;
  /** HTTP status; 200 by default. */
  status?: number;
  /** Reload the page every this many seconds while the operator watches. */
  refreshSeconds?: number;
}

export interface ConsoleRedirect {
  /** Console path to redirect to (303) after the action. */
  redirect: string;
  /** Shown once on the next page. */
  notice?: string;
}

/**
 * A page sent as the action's own response instead of a redirect. It is for a result that
 * must be shown once and kept nowhere else, such as a new access key's secret, because a
 * redirect would have to carry it in the URL or in the stored flash message.
 */
export interface ConsoleActionPage {
  page: ConsolePage;
}

export type ConsoleActionResult = ConsoleRedirect | ConsoleActionPage;

export interface ConsoleDownload {
  contentType: string;
  filename: string;
  body: Uint8Array;
}

export interface RouteOptions {
  /** The route responds with 404 in production mode (virtual clock, call log, fault rules). */
  isSandboxOnly?: boolean;
  /**
   * Form fields of an action that the router adds to the `returnTo` query string when the
   * action fails, so the page can fill its form again. Only short values (64 characters or
   * fewer) go into the URL; list short choices here, never free text.
   */
  returnFields?: readonly string[];
}

export type PageHandler = (request: ConsoleRequest) => Promise<ConsolePage>;
/**
 * An action handler. Errors in the spec's shape (ApiError) become an error message on
 * the page named by the form's `returnTo` field, so the operator sees why nothing changed.
 */
export type ActionHandler = (request: ConsoleRequest) => Promise<ConsoleActionResult>;
export type DownloadHandler = (request: ConsoleRequest) => Promise<ConsoleDownload>;

export interface ConsoleRouter {
  page(path: string, handler: PageHandler, options?: RouteOptions): void;
  action(path: string, handler: ActionHandler, options?: RouteOptions): void;
  download(path: string, handler: DownloadHandler, options?: RouteOptions): void;
}

/** A module of console pages, e.g. the hosting order pages. */
export type ConsoleModule = (router: ConsoleRouter) => void;
