import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import { csrfField, renderConsoleShell } from './ui.js';

export interface LoginPageOptions {
  /** The login form's CSRF token (double-submit: also in the login cookie). */
  csrfToken: string;
  /** Console path to open after login. */
  next: string;
  mode: 'sandbox' | 'production';
  error?: string;
}

/** Renders the login page: one field for the admin token. */
export function renderLoginPage(options: LoginPageOptions): string {
  const error = options.error === undefined ? '' : html`<p class="flash error" role="alert">${options.error}</p>`;
  const body = html`<section class="login">
<h1>numberhost console</h1>
<p class="muted">Log in with the admin token: the value of NUMBERHOST_ADMIN_TOKEN${
    options.mode === 'sandbox' ? html`, or the one <code>npm start</code> printed in sandbox mode` : ''
  }.</p>
${error}
<form class="stack" method="post" action="/console/login">
${csrfField(options.csrfToken)}
<input type="hidden" name="next" value="${options.next}">
<label for="admin-token">Admin token<input id="admin-token" name="adminToken" type="password" autocomplete="current-password" required autofocus></label>
<button type="submit" class="primary">Log in</button>
</form>
</section>`;
  return renderConsoleShell({ title: 'Log in', section: undefined, body, mode: options.mode, csrfToken: undefined });
}

/** Renders the body of a page that explains why a request was rejected or found nothing. */
export function renderProblemBody(title: string, message: string): SafeHtml {
  return html`<h1>${title}</h1><p>${message}</p><p><a href="/console">Back to the dashboard</a></p>`;
}
