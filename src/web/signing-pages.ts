/**
 * Server-rendered pages behind the single-use LOA link `/loa/{token}`: the signing page
 * with the order summary, the numbers, the LOA PDF and the sign/decline form, and the
 * pages shown after signing, after declining, or when the link cannot be used.
 * Every value is escaped, and the link token appears only inside URLs.
 */
import type { SigningSummary } from '../app/loa-signing.js';
import { CSRF_FORM_FIELD } from './csrf.js';
import type { SafeHtml } from './html.js';
import { html, renderPage } from './html.js';

/** Maximum length of the typed signer name. The browser enforces it with `maxlength`, and the route must check it too. */
export const FULL_NAME_MAX_LENGTH = 200;
/** Maximum length of the decline reason. The browser enforces it with `maxlength`, and the route must check it too. */
export const DECLINE_REASON_MAX_LENGTH = 500;

/** Data the signing page shows about one hosting order's LOA, and the link's token. */
export type SigningView = SigningSummary & { token: string };

export interface SigningPageOptions {
  /** Token for the hidden `csrfToken` field; the same value goes in the CSRF cookie. */
  csrfToken: string;
  /** Message shown above the form after a rejected post, e.g. "Type your full name to sign." */
  error?: string;
  /** Name typed before a rejected post, so the signer need not type it again. */
  fullName?: string;
}

export type LinkProblem = 'unknown' | 'expired' | 'signed' | 'declined' | 'closed';

function signingUrl(token: string): string {
  return `/loa/${encodeURIComponent(token)}`;
}

function documentUrl(token: string): string {
  return `${signingUrl(token)}/document.pdf`;
}

/** Formats an ISO time as "2026-05-04 14:30 UTC" in a `<time>` element; an unparsable value is shown as given. */
function formatTime(iso: string): SafeHtml {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return html`${iso}`;
  }
  const normalised = date.toISOString();
  const text = `${normalised.slice(0, 10)} ${normalised.slice(11, 16)} UTC`;
  return html`<time datetime="${normalised}">${text}</time>`;
}

function countPhoneNumbers(count: number): string {
  return count === 1 ? '1 phone number' : `${count} phone numbers`;
}

function renderSummary(view: SigningView): SafeHtml {
  const loaType = view.loaType === 'DIRECT' ? 'Direct' : 'Reseller';
  const scheduledUpdate = view.scheduledUpdateTime === undefined ? 'Not scheduled' : formatTime(view.scheduledUpdateTime);
  const businessRow = view.businessName === undefined ? '' : html`<dt>Business</dt><dd>${view.businessName}</dd>`;
  return html`<dl class="summary">
<dt>Hosting order</dt><dd>${view.hostingOrderId}</dd>
<dt>LOA type</dt><dd>${loaType}</dd>
${businessRow}
<dt>Authorized person</dt><dd>${view.authorisedPersonName}</dd>
<dt>Address</dt><dd>${view.address}</dd>
<dt>Current voice carrier</dt><dd>${view.currentVoiceCarrier}</dd>
<dt>Service provider</dt><dd>${view.providerName}</dd>
<dt>NNID</dt><dd>${view.nnid}</dd>
<dt>Number type</dt><dd>${view.isTollFree ? 'Toll-free' : 'Local'}</dd>
<dt>Scheduled OSR update</dt><dd>${scheduledUpdate}</dd>
</dl>`;
}

function renderNumbers(phoneNumbers: readonly string[]): SafeHtml {
  const items = phoneNumbers.map((phoneNumber) => html`<li>${phoneNumber}</li>`);
  return html`<h2 id="numbers-heading">Phone numbers (${phoneNumbers.length})</h2>
<ol class="numbers" aria-labelledby="numbers-heading">
${items}
</ol>`;
}

function renderDocument(view: SigningView): SafeHtml {
  const url = documentUrl(view.token);
  return html`<h2>Letter of Authorization</h2>
<iframe class="document" src="${url}" title="Letter of Authorization for hosting order ${view.hostingOrderId} (PDF)"></iframe>
<p>If the LOA does not show above, <a href="${url}" download="LOA-${view.hostingOrderId}.pdf">download the LOA (PDF)</a> and read it before you sign.</p>`;
}

function renderForm(view: SigningView, options: SigningPageOptions): SafeHtml {
  const error = options.error === undefined ? '' : html`<p class="error" id="form-error" role="alert">${options.error}</p>`;
  const describedBy = options.error === undefined ? 'fullName-hint' : 'form-error fullName-hint';
  const signingFor = view.businessName === undefined ? 'these phone numbers' : view.businessName;
  return html`<h2>Sign or decline</h2>
<form class="sign-form" method="post" action="${signingUrl(view.token)}">
<input type="hidden" name="${CSRF_FORM_FIELD}" value="${options.csrfToken}">
${error}
<label for="fullName">Your full name</label>
<input type="text" id="fullName" name="fullName" required maxlength="${FULL_NAME_MAX_LENGTH}" autocomplete="name" value="${options.fullName ?? ''}" aria-describedby="${describedBy}">
<p class="hint" id="fullName-hint">The name you type is your signature.</p>
<div class="consent">
<input type="checkbox" id="consent" name="consent" value="yes" required>
<label for="consent">I confirm that I am authorised to sign this Letter of Authorization for ${signingFor}, and I agree to the LOA shown above.</label>
</div>
<button type="submit" class="primary" name="action" value="sign">Sign</button>
<div class="decline">
<label for="declineReason">Reason for declining (optional)</label>
<textarea id="declineReason" name="declineReason" maxlength="${DECLINE_REASON_MAX_LENGTH}" rows="3"></textarea>
<button type="submit" name="action" value="decline" formnovalidate>Decline</button>
</div>
</form>`;
}

/**
 * Renders the signing page: order summary, every phone number, the LOA PDF in a frame
 * with a download link, and the form that posts `csrfToken`, `fullName`, `consent=yes`,
 * `declineReason` and `action=sign` or `action=decline` to `/loa/{token}`.
 */
export function renderSigningPage(view: SigningView, options: SigningPageOptions): string {
  const body = html`<h1>Sign the Letter of Authorization</h1>
<p>${view.providerName} asks you to sign a Letter of Authorization (LOA) so that it can host text messaging for the ${countPhoneNumbers(view.phoneNumbers.length)} listed below. Read the LOA, then sign or decline it at the end of this page.</p>
<p class="hint">You can sign or decline only once, and this link expires at ${formatTime(view.expiresAt)}.</p>
<h2>Order summary</h2>
${renderSummary(view)}
${renderNumbers(view.phoneNumbers)}
${renderDocument(view)}
${renderForm(view, options)}`;
  return renderPage({ title: 'Sign the Letter of Authorization', body });
}

/** Renders the confirmation shown after a successful signature. */
export function renderSignedPage(info: { hostingOrderId: string; signerName: string; signedAt: string; numberCount: number }): string {
  const body = html`<h1>Letter of Authorization signed</h1>
<p>${info.signerName} signed the Letter of Authorization for hosting order ${info.hostingOrderId} at ${formatTime(info.signedAt)}. It covers ${countPhoneNumbers(info.numberCount)}.</p>
<p>Thank you. There is nothing more to do, and you can close this page.</p>`;
  return renderPage({ title: 'Letter of Authorization signed', body });
}

/** Renders the confirmation shown after the signer declined. */
export function renderDeclinedPage(info: { hostingOrderId: string }): string {
  const body = html`<h1>Letter of Authorization declined</h1>
<p>You declined the Letter of Authorization for hosting order ${info.hostingOrderId}, so nothing was signed.</p>
<p>The hosting order is closed. If you declined by mistake, contact the sender: they need to send a new request, which brings a new e-mail.</p>`;
  return renderPage({ title: 'Letter of Authorization declined', body });
}

interface LinkProblemText {
  title: string;
  /** Paragraphs saying what happened and what to do next. */
  paragraphs: (info: { expiredAt?: string }) => readonly SafeHtml[];
}

const LINK_PROBLEM_TEXT: Readonly<Record<LinkProblem, LinkProblemText>> = {
  unknown: {
    title: 'Signing link not valid',
    paragraphs: () => [
      html`This signing link is not valid. Check that you opened the whole link from the e-mail, since some mail programs split long links.`,
      html`If it still does not work, ask the sender of the e-mail for a new link.`,
    ],
  },
  expired: {
    title: 'Signing link expired',
    paragraphs: ({ expiredAt }) => [
      expiredAt === undefined ? html`This signing link has expired.` : html`This signing link expired at ${formatTime(expiredAt)}.`,
      html`Ask the sender of the e-mail for a new link.`,
    ],
  },
  signed: {
    title: 'Letter of Authorization already signed',
    paragraphs: () => [html`This Letter of Authorization has already been signed. There is nothing more to do, and you can close this page.`],
  },
  declined: {
    title: 'Letter of Authorization declined',
    paragraphs: () => [
      html`This Letter of Authorization was declined, so it can no longer be signed with this link.`,
      html`The hosting order is closed. If it was declined by mistake, contact the sender: they need to send a new request, which brings a new e-mail.`,
    ],
  },
  closed: {
    title: 'Hosting order closed',
    paragraphs: () => [
      html`The hosting order for this Letter of Authorization was withdrawn or rejected, so there is nothing to sign.`,
      html`If you expected to sign it, contact the sender of the e-mail.`,
    ],
  },
};

/** Renders the page for a link that cannot be used to sign; it has no form. */
export function renderLinkProblemPage(problem: LinkProblem, info: { expiredAt?: string } = {}): string {
  const text = LINK_PROBLEM_TEXT[problem];
  const paragraphs = text.paragraphs(info).map((paragraph) => html`<p>${paragraph}</p>`);
  const body = html`<h1>${text.title}</h1>
${paragraphs}`;
  return renderPage({ title: text.title, body });
}
