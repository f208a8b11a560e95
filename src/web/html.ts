/**
 * HTML building blocks for the server-rendered LOA pages: escaping, a `html` tagged
 * template that escapes every interpolated value, the page shell, and the response
 * headers that go with it. The pages load nothing from other origins and run no script.
 */
import { createHash } from 'node:crypto';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes `& < > " '`, so the result is safe both as element text and inside a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** Markup that is already safe to output as is: built by `html`, or wrapped with `raw`. */
export class SafeHtml {
  constructor(readonly markup: string) {}

  toString(): string {
    return this.markup;
  }
}

/** Marks a trusted fragment as markup, so `html` outputs it without escaping. Never pass user input. */
export function raw(trustedMarkup: string): SafeHtml {
  return new SafeHtml(trustedMarkup);
}

/** Value types that `html` accepts in a `${}` slot. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function renderValue(value: HtmlValue): string {
  if (value instanceof SafeHtml) {
    return value.markup;
  }
  if (Array.isArray(value)) {
    return value.map((item: HtmlValue) => renderValue(item)).join('');
  }
  // null, undefined and false render as nothing, so `${condition && html`...`}` works.
  if (value === null || value === undefined || value === false) {
    return '';
  }
  return escapeHtml(String(value));
}

/**
 * Builds markup from a template literal. Every `${}` value is escaped unless it is a
 * `SafeHtml`; arrays are rendered item by item; null, undefined and false render as nothing.
 *
 * @example
 * html`<p>Signed by ${signerName}</p>` // "<p>Signed by &lt;b&gt;Ann&lt;/b&gt;</p>" for "<b>Ann</b>"
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += renderValue(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(markup);
}

/**
 * The only CSS the pages have. The Content-Security-Policy allows exactly this text by its
 * SHA-256 hash, so changing it needs no other edit, but `style=""` attributes stay blocked.
 */
const PAGE_STYLE = `
:root { color-scheme: light dark; --text: #1b1b1b; --muted: #4a4a4a; --back: #ffffff; --panel: #f3f4f6; --line: #8a8f98; --accent: #0b57d0; --danger: #a4161a; }
@media (prefers-color-scheme: dark) { :root { --text: #ececec; --muted: #c2c2c2; --back: #16181c; --panel: #23262b; --line: #70757d; --accent: #8ab4f8; --danger: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--back); color: var(--text); font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0; }
.summary dt { font-weight: 600; }
.summary dd { margin: 0; overflow-wrap: anywhere; }
.numbers { columns: 11rem; column-gap: 2rem; margin: 0; padding-left: 3.5rem; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.95rem; }
.document { width: 100%; height: 70vh; min-height: 24rem; border: 1px solid var(--line); background: var(--panel); }
.sign-form { display: grid; gap: 0.75rem; margin-top: 1rem; padding: 1rem; border: 1px solid var(--line); border-radius: 0.5rem; background: var(--panel); }
.sign-form label { font-weight: 600; }
.sign-form input[type="text"], .sign-form textarea { width: 100%; padding: 0.5rem; font: inherit; color: inherit; background: var(--back); border: 1px solid var(--line); border-radius: 0.25rem; }
.consent { display: flex; gap: 0.5rem; align-items: flex-start; }
.consent input { margin-top: 0.35rem; width: 1.1rem; height: 1.1rem; flex: none; }
.consent label { font-weight: normal; }
.hint { margin: 0; color: var(--muted); font-size: 0.9rem; }
.decline { border-top: 1px solid var(--line); padding-top: 0.75rem; display: grid; gap: 0.5rem; }
button { font: inherit; padding: 0.55rem 1.4rem; border-radius: 0.25rem; border: 1px solid var(--line); cursor: pointer; justify-self: start; background: var(--back); color: var(--text); }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--back); font-weight: 600; }
.error { margin: 0; padding: 0.75rem; border-left: 4px solid var(--danger); background: var(--back); color: var(--danger); font-weight: 600; }
`;

const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(PAGE_STYLE, 'utf8').digest('base64')}'`;

export interface PageContent {
  /** Plain text for `<title>` and nothing else; the body carries its own heading. */
  title: string;
  body: SafeHtml;
  /** BCP 47 language tag of the page text. Defaults to "en". */
  lang?: string;
}

/** Renders a complete HTML5 document around `body`: charset, viewport, title and the inline style. */
export function renderPage({ title, body, lang = 'en' }: PageContent): string {
  const page = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(PAGE_STYLE)}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  return page.markup;
}

/**
 * Content-Security-Policy of the HTML pages. Everything is denied unless listed: the one
 * inline style (by hash), same-origin frames for the embedded LOA PDF, and form posts
 * back to this origin. No script runs, and no other site may frame the page.
 */
const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${PAGE_STYLE_HASH}`,
  "frame-src 'self'",
  "script-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers that every response carrying the link token in its URL needs. */
const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // The link token is in the URL, so no request may carry it off in a Referer header.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Robots-Tag': 'noindex, nofollow',
} as const;

/** Response headers for the HTML signing pages, including the problem pages. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
});

/**
 * Response headers for the LOA PDF (`/loa/{token}/document.pdf`). They differ from
 * SECURITY_HEADERS because the signing page frames the PDF: with `frame-ancestors 'none'`
 * or `X-Frame-Options: DENY` Chromium refuses to show it in the page's iframe. The route
 * still sets Content-Type and Content-Disposition itself.
 */
export const PDF_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'self'",
  'X-Frame-Options': 'SAMEORIGIN',
});
