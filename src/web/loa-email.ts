import type { LoaMailData } from '../domain/ports.js';
import { html } from './html.js';
import type { SafeHtml } from './html.js';

/** How many numbers the mail lists before it sums up the rest as "and N more". */
export const LOA_EMAIL_LISTED_NUMBERS = 10;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export type LoaEmailInput = LoaMailData;

export interface LoaEmail {
  subject: string;
  text: string;
  html: string;
}

/** Facts shared by the text and the HTML part, worded once. */
interface LoaEmailWording {
  request: string;
  listedNumbers: readonly string[];
  /** "and N more", or undefined when every number is listed. */
  moreNumbers: string | undefined;
  expiry: string;
}

/**
 * Renders the mail that requests the authorized person to review and e-sign an LOA. The text
 * part has the signing URL alone on one line. In the HTML part every input value is
 * escaped, styles are inline and nothing is loaded from elsewhere. The subject contains
 * only the provider name and the hosting order id.
 *
 * @throws Error when `signingUrl` is not an http: or https: URL or `expiresAt` is not a valid date.
 */
export function renderLoaEmail(input: LoaEmailInput): LoaEmail {
  checkSigningUrl(input.signingUrl);
  const wording = wordLoaEmail(input);
  const subject = oneLine(`Please review and sign the Letter of Authorization for ${input.providerName}, hosting order ${input.hostingOrderId}`);
  return { subject, text: renderText(input, wording), html: renderHtml(input, wording) };
}

function checkSigningUrl(signingUrl: string): void {
  let protocol: string;
  try {
    protocol = new URL(signingUrl).protocol;
  } catch {
    throw new Error('The LOA signing URL is invalid because it is not an absolute URL. Check PUBLIC_BASE_URL.');
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new Error(`The LOA signing URL has protocol ${protocol}, but only https: and http: links can be mailed.`);
  }
}

function wordLoaEmail(input: LoaEmailInput): LoaEmailWording {
  const kind = input.isTollFree ? 'toll-free number' : 'number';
  const numbers = `${input.numberCount} ${kind}${input.numberCount === 1 ? '' : 's'}`;
  const holder = input.businessName === undefined || input.businessName.trim() === '' ? 'the holder of these numbers' : oneLine(input.businessName);
  const request =
    `As the person authorized to act for ${holder}, please review and e-sign the Letter of Authorization (LOA) ` +
    `that allows ${oneLine(input.providerName)} to text-enable ${numbers} (hosting order ${oneLine(input.hostingOrderId)}).`;
  const listedNumbers = input.firstNumbers.slice(0, LOA_EMAIL_LISTED_NUMBERS);
  const remaining = input.numberCount - listedNumbers.length;
  return {
    request,
    listedNumbers,
    moreNumbers: remaining > 0 ? `and ${remaining} more` : undefined,
    expiry: formatUtc(input.expiresAt),
  };
}

function renderText(input: LoaEmailInput, wording: LoaEmailWording): string {
  const lines = [
    `Hello ${oneLine(input.recipientName)},`,
    '',
    wording.request,
    '',
    'Numbers:',
    ...wording.listedNumbers.map((number) => `  ${number}`),
    ...(wording.moreNumbers === undefined ? [] : [`  ${wording.moreNumbers}`]),
    '',
    'Review and sign the LOA at:',
    input.signingUrl,
    '',
    `The link expires on ${wording.expiry}. It works only once, so do not forward this mail.`,
    'If you do not want to sign, you can decline on the same page.',
    '',
    'The LOA is attached to this mail as a PDF.',
    '',
  ];
  return lines.join('\n');
}

function renderHtml(input: LoaEmailInput, wording: LoaEmailWording): string {
  const paragraph = 'margin:0 0 16px;';
  const items: SafeHtml[] = wording.listedNumbers.map((number) => html`<li>${number}</li>`);
  if (wording.moreNumbers !== undefined) {
    items.push(html`<li style="list-style:none;font-family:Arial,Helvetica,sans-serif;">${wording.moreNumbers}</li>`);
  }
  const body = html`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Letter of Authorization</title></head>
<body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1b1b1b;background:#ffffff;">
<p style="${paragraph}">Hello ${input.recipientName},</p>
<p style="${paragraph}">${wording.request}</p>
<p style="margin:0 0 4px;">Numbers:</p>
<ul style="margin:0 0 16px;padding-left:24px;font-family:Consolas,Menlo,monospace;">${items}</ul>
<p style="${paragraph}"><a href="${input.signingUrl}" style="display:inline-block;padding:10px 20px;background:#0b57d0;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold;">Review and sign the LOA</a></p>
<p style="${paragraph}">If the button does not work, open this link: <a href="${input.signingUrl}" style="color:#0b57d0;word-break:break-all;">${input.signingUrl}</a></p>
<p style="${paragraph}">The link expires on ${wording.expiry}. It works only once, so do not forward this mail. If you do not want to sign, you can decline on the same page.</p>
<p style="${paragraph}">The LOA is attached to this mail as a PDF.</p>
</body>
</html>
`;
  return body.markup;
}

/** Formats a time as "Tuesday, March 17, 2026 at 15:30 UTC", independent of the server's locale. */
function formatUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new Error('The LOA link expiry is not a valid date.');
  }
  const hours = String(date.getUTCHours()).padStart(2, '0');
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[date.getUTCDay()]}, ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} at ${hours}:${minutes} UTC`;
}

/** Collapses line breaks and runs of white space, so a value cannot start a new line of the text or a header. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
