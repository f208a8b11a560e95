import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CSRF_COOKIE, csrfCookieHeader, isCsrfTokenValid, newCsrfToken, readCookie } from '../src/web/csrf.js';
import { escapeHtml, html, PDF_SECURITY_HEADERS, raw, renderPage, SECURITY_HEADERS } from '../src/web/html.js';
import type { LinkProblem, SigningView } from '../src/web/signing-pages.js';
import { renderDeclinedPage, renderLinkProblemPage, renderSignedPage, renderSigningPage } from '../src/web/signing-pages.js';
import { launchBrowser } from './helpers/browser.js';

const HOSTILE_MARKUP = '<img src=x onerror=alert(1)>';
const NUMBER_COUNT = 500;
const PHONE_NUMBERS = Array.from({ length: NUMBER_COUNT }, (_, index) => `+1202555${String(index).padStart(4, '0')}`);
const LINK_PROBLEMS: readonly LinkProblem[] = ['unknown', 'expired', 'signed', 'declined', 'closed'];
/** Page script, run through the DevTools protocol (which the page's CSP does not restrict), that resolves after two rendered frames. */
const WAIT_FOR_TWO_FRAMES = 'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))';

function signingView(token: string, overrides: Partial<SigningView> = {}): SigningView {
  return {
    token,
    hostingOrderId: '01J9ZQ3K8M4T6V2W5X7Y9A1B3C',
    providerName: 'Sinch America Inc.',
    loaType: 'DIRECT',
    businessName: 'Acme, Inc.',
    authorisedPersonName: 'John Smith',
    address: '2433 Vesta Drive, Chicago, IL 60647, US',
    currentVoiceCarrier: 'Verizon',
    nnid: '104029',
    isTollFree: false,
    phoneNumbers: PHONE_NUMBERS,
    scheduledUpdateTime: '2026-05-04T14:30:00.000Z',
    expiresAt: '2026-05-11T09:00:00.000Z',
    ...overrides,
  };
}

async function buildLoaPdf(): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  document.addPage([612, 792]).drawText('Letter of Authorization', { x: 72, y: 700, size: 20, font });
  return document.save();
}

interface RecordedPost {
  path: string;
  form: URLSearchParams;
  cookieHeader: string | undefined;
}

interface SiteResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array;
}

/** Loopback site that serves the rendered pages with the headers the real routes set. */
interface TestSite {
  baseUrl: string;
  linkToken: string;
  csrfToken: string;
  /** Token whose page has a hostile typed name and business name. */
  hostileToken: string;
  /** Token whose PDF is served with SECURITY_HEADERS instead of PDF_SECURITY_HEADERS. */
  wrongPdfHeadersToken: string;
  posts: RecordedPost[];
  close(): Promise<void>;
}

function htmlResponse(body: string, extraHeaders: Record<string, string> = {}): SiteResponse {
  return { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', ...extraHeaders }, body };
}

function pdfResponse(pdf: Uint8Array, headers: Readonly<Record<string, string>>): SiteResponse {
  return { status: 200, headers: { ...headers, 'Content-Type': 'application/pdf', 'Content-Disposition': 'inline; filename="loa.pdf"' }, body: pdf };
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function startTestSite(): Promise<TestSite> {
  const pdf = await buildLoaPdf();
  const linkToken = newCsrfToken();
  const hostileToken = newCsrfToken();
  const wrongPdfHeadersToken = newCsrfToken();
  const csrfToken = newCsrfToken();
  const posts: RecordedPost[] = [];

  const getRoutes = new Map<string, () => SiteResponse>([
    [`/loa/${linkToken}`, () => htmlResponse(renderSigningPage(signingView(linkToken), { csrfToken }), { 'Set-Cookie': csrfCookieHeader(csrfToken, { path: `/loa/${linkToken}`, secure: false }) })],
    [`/loa/${linkToken}/document.pdf`, () => pdfResponse(pdf, PDF_SECURITY_HEADERS)],
    [
      `/loa/${hostileToken}`,
      () => htmlResponse(renderSigningPage(signingView(hostileToken, { businessName: HOSTILE_MARKUP }), { csrfToken, error: 'Tick the consent box to sign.', fullName: HOSTILE_MARKUP })),
    ],
    [`/loa/${hostileToken}/document.pdf`, () => pdfResponse(pdf, PDF_SECURITY_HEADERS)],
    [`/loa/${wrongPdfHeadersToken}`, () => htmlResponse(renderSigningPage(signingView(wrongPdfHeadersToken), { csrfToken }))],
    [`/loa/${wrongPdfHeadersToken}/document.pdf`, () => pdfResponse(pdf, SECURITY_HEADERS)],
    ['/signed', () => htmlResponse(renderSignedPage({ hostingOrderId: 'HO-1', signerName: 'Jane Doe', signedAt: '2026-05-04T14:30:00.000Z', numberCount: NUMBER_COUNT }))],
    ['/declined', () => htmlResponse(renderDeclinedPage({ hostingOrderId: 'HO-1' }))],
    ...LINK_PROBLEMS.map((problem): [string, () => SiteResponse] => [`/problem/${problem}`, () => htmlResponse(renderLinkProblemPage(problem, { expiredAt: '2026-05-11T09:00:00.000Z' }))]),
  ]);

  async function respondToPost(request: IncomingMessage, path: string): Promise<SiteResponse> {
    const form = await readForm(request);
    posts.push({ path, form, cookieHeader: request.headers.cookie });
    if (form.get('action') === 'sign') {
      const signerName = form.get('fullName') ?? '';
      return htmlResponse(renderSignedPage({ hostingOrderId: 'HO-1', signerName, signedAt: '2026-05-04T14:30:00.000Z', numberCount: NUMBER_COUNT }));
    }
    return htmlResponse(renderDeclinedPage({ hostingOrderId: 'HO-1' }));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    let reply: SiteResponse = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'not found' };
    if (request.method === 'POST' && path.startsWith('/loa/')) {
      reply = await respondToPost(request, path);
    } else if (request.method === 'GET') {
      reply = getRoutes.get(path)?.() ?? reply;
    }
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    linkToken,
    csrfToken,
    hostileToken,
    wrongPdfHeadersToken,
    posts,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error)))),
  };
}

function countOccurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('escapeHtml', () => {
  it.each([
    ['&', '&amp;'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
  ])('escapes %s', (character, entity) => {
    expect(escapeHtml(`a${character}b`)).toBe(`a${entity}b`);
  });

  it('escapes a whole tag', () => {
    expect(escapeHtml(HOSTILE_MARKUP)).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes an existing entity again', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('keeps other text unchanged', () => {
    expect(escapeHtml('Zoë +12025550134 (LOA) #1')).toBe('Zoë +12025550134 (LOA) #1');
  });
});

describe('html template', () => {
  it('escapes interpolated strings', () => {
    expect(html`<p>${HOSTILE_MARKUP}</p>`.markup).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('outputs raw fragments unchanged', () => {
    expect(html`<p>${raw('<b>bold</b>')}</p>`.markup).toBe('<p><b>bold</b></p>');
  });

  it('renders arrays item by item', () => {
    expect(html`<ul>${['<a>', html`<li>b</li>`]}</ul>`.markup).toBe('<ul>&lt;a&gt;<li>b</li></ul>');
  });

  it('renders null, undefined and false as nothing', () => {
    expect(html`[${null}${undefined}${false}]`.markup).toBe('[]');
  });

  it('renders numbers and true as text', () => {
    expect(html`${0} ${500} ${true}`.markup).toBe('0 500 true');
  });
});

describe('renderPage', () => {
  const page = renderPage({ title: 'A <title>', body: html`<h1>Hello</h1>` });

  it('starts with the HTML5 doctype', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
  });

  it('declares charset and viewport', () => {
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it('defaults lang to en and accepts another', () => {
    expect(page).toContain('<html lang="en">');
    expect(renderPage({ title: 't', body: html``, lang: 'fr-CA' })).toContain('<html lang="fr-CA">');
  });

  it('escapes the title', () => {
    expect(page).toContain('<title>A &lt;title&gt;</title>');
  });

  it('loads no script and nothing external', () => {
    expect(page).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
  });

  it('has a style the CSP hash allows', () => {
    const style = /<style>([\s\S]*)<\/style>/.exec(page)?.[1] ?? '';
    const hash = createHash('sha256').update(style, 'utf8').digest('base64');
    expect(style.length).toBeGreaterThan(0);
    expect(SECURITY_HEADERS['Content-Security-Policy']).toContain(`style-src 'sha256-${hash}'`);
  });
});

describe('security headers', () => {
  const pagePolicy = SECURITY_HEADERS['Content-Security-Policy'] ?? '';

  it.each(["default-src 'none'", "script-src 'none'", "object-src 'none'", "frame-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"])(
    'page policy contains %s',
    (directive) => {
      expect(pagePolicy.split('; ')).toContain(directive);
    },
  );

  it('page policy allows no inline style by unsafe-inline', () => {
    expect(pagePolicy).not.toContain('unsafe-inline');
  });

  it.each([
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cache-Control', 'no-store'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
  ])('pages set %s: %s', (name, value) => {
    expect(SECURITY_HEADERS[name]).toBe(value);
  });

  it.each([
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cache-Control', 'no-store'],
    ['X-Frame-Options', 'SAMEORIGIN'],
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'self'"],
  ])('PDF sets %s: %s', (name, value) => {
    expect(PDF_SECURITY_HEADERS[name]).toBe(value);
  });

  it('header sets are frozen', () => {
    expect(Object.isFrozen(SECURITY_HEADERS)).toBe(true);
    expect(Object.isFrozen(PDF_SECURITY_HEADERS)).toBe(true);
  });
});

describe('csrf helpers', () => {
  it('newCsrfToken returns 32 bytes as base64url', () => {
    const token = newCsrfToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('newCsrfToken differs on each call', () => {
    expect(newCsrfToken()).not.toBe(newCsrfToken());
  });

  it('cookie header has the attributes', () => {
    const header = csrfCookieHeader('abc_-1', { path: '/loa/xyz', secure: false });
    expect(header).toBe(`${CSRF_COOKIE}=abc_-1; Path=/loa/xyz; Max-Age=7200; HttpOnly; SameSite=Strict`);
  });

  it('cookie header adds Secure when asked', () => {
    expect(csrfCookieHeader('abc', { path: '/', secure: true }).endsWith('; Secure')).toBe(true);
  });

  it.each(['/loa/x; Domain=evil.example', '/loa/x\r\nSet-Cookie: a=b', 'loa/relative', '/loa/a b', '/loa/a,b'])('cookie header rejects path %j', (path) => {
    expect(() => csrfCookieHeader('abc', { path, secure: false })).toThrow(TypeError);
  });

  it('cookie header rejects a token that is not base64url', () => {
    expect(() => csrfCookieHeader('abc; Path=/', { path: '/', secure: false })).toThrow(TypeError);
  });

  it('readCookie finds the named cookie', () => {
    expect(readCookie(`a=1; ${CSRF_COOKIE}=tok; b=2`, CSRF_COOKIE)).toBe('tok');
  });

  it('readCookie takes the first of repeated cookies', () => {
    expect(readCookie(`${CSRF_COOKIE}=first; ${CSRF_COOKIE}=second`, CSRF_COOKIE)).toBe('first');
  });

  it('readCookie ignores names that only share a prefix or suffix', () => {
    expect(readCookie(`x${CSRF_COOKIE}=1; ${CSRF_COOKIE}x=2`, CSRF_COOKIE)).toBeUndefined();
  });

  it('readCookie returns undefined without a header', () => {
    expect(readCookie(undefined, CSRF_COOKIE)).toBeUndefined();
    expect(readCookie('', CSRF_COOKIE)).toBeUndefined();
  });

  it('readCookie decodes percent-encoding and tolerates a stray percent', () => {
    expect(readCookie('a=%41b', 'a')).toBe('Ab');
    expect(readCookie('a=100%', 'a')).toBe('100%');
  });

  it('readCookie keeps = inside the value', () => {
    expect(readCookie('a=b=c', 'a')).toBe('b=c');
  });

  const token = newCsrfToken();
  const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;

  it('accepts matching tokens', () => {
    expect(isCsrfTokenValid(token, token)).toBe(true);
  });

  it.each<[string, string | undefined, unknown]>([
    ['missing cookie', undefined, token],
    ['missing form value', token, undefined],
    ['empty cookie', '', token],
    ['empty form value', token, ''],
    ['both empty', '', ''],
    ['different length', token, `${token}x`],
    ['same length in characters but not bytes', 'éb', 'ab'],
    ['tampered last character', token, tampered],
    ['number form value', '123', 123],
    ['array form value', token, [token]],
    ['object form value', token, { toString: () => token }],
    ['null form value', token, null],
  ])('rejects %s', (_case, cookieValue, formValue) => {
    expect(isCsrfTokenValid(cookieValue, formValue)).toBe(false);
  });
});

describe('signing page markup', () => {
  const token = newCsrfToken();
  const page = renderSigningPage(signingView(token), { csrfToken: 'csrf-value' });

  it('puts the link token only in the three URLs', () => {
    expect(countOccurrences(page, token)).toBe(3);
    expect(countOccurrences(page, `action="/loa/${token}"`)).toBe(1);
    expect(countOccurrences(page, `/loa/${token}/document.pdf"`)).toBe(2);
  });

  it('percent-encodes a token with URL characters', () => {
    const oddPage = renderSigningPage(signingView('a/b?c'), { csrfToken: 'x' });
    expect(oddPage).toContain('action="/loa/a%2Fb%3Fc"');
  });

  it('leaves out the business row without a business name', () => {
    const direct = renderSigningPage(signingView(token, { businessName: undefined }), { csrfToken: 'x' });
    expect(direct).not.toContain('<dt>Business</dt>');
    expect(direct).toContain('for these phone numbers');
  });

  it('formats times in UTC', () => {
    expect(page).toContain('<time datetime="2026-05-11T09:00:00.000Z">2026-05-11 09:00 UTC</time>');
  });

  it('shows an unparsable time as given', () => {
    expect(renderLinkProblemPage('expired', { expiredAt: 'soon <b>' })).toContain('expired at soon &lt;b&gt;.');
  });

  it('says when no OSR update is scheduled', () => {
    expect(renderSigningPage(signingView(token, { scheduledUpdateTime: undefined }), { csrfToken: 'x' })).toContain('<dd>Not scheduled</dd>');
  });

  it('counts one number in the singular', () => {
    expect(renderSignedPage({ hostingOrderId: 'HO-1', signerName: 'A', signedAt: '2026-05-04T14:30:00.000Z', numberCount: 1 })).toContain('It covers 1 phone number.');
  });
});

describe('signing pages in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleMessages: string[];
  let failedRequests: string[];

  beforeAll(async () => {
    site = await startTestSite();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  beforeEach(async () => {
    site.posts.length = 0;
    consoleMessages = [];
    failedRequests = [];
    context = await browser.newContext();
    // Everything here is local, so a 10 s wait only ever ends in a failure worth reporting sooner.
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleMessages.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => failedRequests.push(`${request.url()} ${request.failure()?.errorText ?? ''}`));
  });

  afterEach(async () => {
    await context.close();
  });

  async function openSigningPage(token = site.linkToken): Promise<void> {
    const response = await page.goto(`${site.baseUrl}/loa/${token}`);
    expect(response?.status()).toBe(200);
  }

  /**
   * Scrolls the element into view and waits until Chromium has rendered it there. Headless
   * Chromium 156 routes the first click after a scroll by hit-test data from before it, so
   * without the wait a click on the form often landed in the PDF viewer's frame instead.
   */
  async function scrollIntoViewAndRender(locator: Locator): Promise<Locator> {
    await locator.scrollIntoViewIfNeeded();
    await page.evaluate(WAIT_FOR_TWO_FRAMES);
    return locator;
  }

  async function clickButton(buttonName: string): Promise<void> {
    const button = await scrollIntoViewAndRender(page.getByRole('button', { name: buttonName, exact: true }));
    await button.click();
  }

  async function tickConsent(): Promise<void> {
    const checkbox = await scrollIntoViewAndRender(page.getByLabel(/I confirm that I am authorised/));
    await checkbox.check();
  }

  /** Clicks a submit button and waits for the test site's response to the POST. */
  async function submitWith(buttonName: string): Promise<void> {
    const posted = page.waitForResponse((response) => response.request().method() === 'POST');
    await clickButton(buttonName);
    await posted;
  }

  it('lists every one of 500 numbers', async () => {
    await openSigningPage();

    const listed = await page.locator('ol.numbers li').allTextContents();
    expect(listed).toHaveLength(NUMBER_COUNT);
    expect(listed).toEqual(PHONE_NUMBERS);
    expect(await page.getByRole('heading', { name: `Phone numbers (${NUMBER_COUNT})` }).count()).toBe(1);
  });

  it('shows the LOA PDF in the frame without errors', async () => {
    const pdfResponse = page.waitForResponse((response) => response.url().endsWith('/document.pdf'));
    const download = page.waitForEvent('download').catch(() => undefined);
    await openSigningPage();
    const response = await pdfResponse;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('application/pdf');

    const isPdfViewerEnabled = (await page.evaluate('navigator.pdfViewerEnabled')) === true;
    if (isPdfViewerEnabled) {
      // Chromium's viewer is an extension frame inside the PDF's frame.
      await expect.poll(() => page.frames().some((frame) => frame.url().startsWith('chrome-extension://'))).toBe(true);
      expect(failedRequests).toEqual([]);
    } else {
      // chrome-headless-shell (the @sparticuz/chromium binary) has no PDF viewer and
      // downloads the framed PDF, which Playwright reports as an aborted request.
      expect((await download)?.url()).toBe(`${site.baseUrl}/loa/${site.linkToken}/document.pdf`);
    }
    expect(consoleMessages).toEqual([]);
  });

  it('offers the PDF as a download link', async () => {
    await openSigningPage();

    const link = page.getByRole('link', { name: 'download the LOA (PDF)' });
    expect(await link.getAttribute('href')).toBe(`/loa/${site.linkToken}/document.pdf`);
    expect(await link.getAttribute('download')).toBe('LOA-01J9ZQ3K8M4T6V2W5X7Y9A1B3C.pdf');
  });

  it('PDF with page headers is refused in the frame', async ({ skip }) => {
    await openSigningPage(site.wrongPdfHeadersToken);
    const isPdfViewerEnabled = (await page.evaluate('navigator.pdfViewerEnabled')) === true;
    skip(!isPdfViewerEnabled, 'without a PDF viewer the browser downloads the PDF before any framing check');

    await expect.poll(() => failedRequests.some((failure) => failure.endsWith('/document.pdf net::ERR_BLOCKED_BY_RESPONSE'))).toBe(true);
    expect(consoleMessages.some((message) => message.includes("frame-ancestors 'none'"))).toBe(true);
  });

  it('sign posts name, consent and CSRF token', async () => {
    await openSigningPage();

    await page.getByLabel('Your full name').fill('Jane Q. Doe');
    await tickConsent();
    await submitWith('Sign');

    expect(site.posts).toHaveLength(1);
    const [post] = site.posts;
    expect(post?.path).toBe(`/loa/${site.linkToken}`);
    expect(post?.form.get('action')).toBe('sign');
    expect(post?.form.get('fullName')).toBe('Jane Q. Doe');
    expect(post?.form.get('consent')).toBe('yes');
    expect(post?.form.get('csrfToken')).toBe(site.csrfToken);
    expect(readCookie(post?.cookieHeader, CSRF_COOKIE)).toBe(site.csrfToken);
    expect(isCsrfTokenValid(readCookie(post?.cookieHeader, CSRF_COOKIE), post?.form.get('csrfToken'))).toBe(true);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Letter of Authorization signed');
  });

  it('decline posts without name or consent', async () => {
    await openSigningPage();

    await page.getByLabel('Reason for declining (optional)').fill('Two of these numbers are not ours.');
    await submitWith('Decline');

    expect(site.posts).toHaveLength(1);
    const form = site.posts[0]?.form;
    expect(form?.get('action')).toBe('decline');
    expect(form?.get('fullName')).toBe('');
    expect(form?.has('consent')).toBe(false);
    expect(form?.get('declineReason')).toBe('Two of these numbers are not ours.');
    expect(form?.get('csrfToken')).toBe(site.csrfToken);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Letter of Authorization declined');
  });

  it('browser validation stops sign without consent', async () => {
    await openSigningPage();

    await page.getByLabel('Your full name').fill('Jane Q. Doe');
    await clickButton('Sign');
    expect(await page.locator('#consent:invalid').count()).toBe(1);
    // Decline always posts; had Sign posted first, it would be the first recorded post.
    await submitWith('Decline');

    expect(site.posts.map((post) => post.form.get('action'))).toEqual(['decline']);
  });

  it('browser validation stops sign without a name', async () => {
    await openSigningPage();

    await tickConsent();
    await clickButton('Sign');
    expect(await page.locator('#fullName:invalid').count()).toBe(1);
    await submitWith('Decline');

    expect(site.posts.map((post) => post.form.get('action'))).toEqual(['decline']);
  });

  it('name field stops at 200 characters', async () => {
    await openSigningPage();

    await page.getByLabel('Your full name').pressSequentially('x'.repeat(205));

    expect(await page.getByLabel('Your full name').inputValue()).toHaveLength(200);
  });

  it('hostile values render as text', async () => {
    await openSigningPage(site.hostileToken);

    expect(await page.getByLabel('Your full name').inputValue()).toBe(HOSTILE_MARKUP);
    expect(await page.getByRole('alert').textContent()).toBe('Tick the consent box to sign.');
    expect(await page.locator('dd', { hasText: HOSTILE_MARKUP }).count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
  });

  it('signed page shows a hostile name as text', async () => {
    await openSigningPage();

    await page.getByLabel('Your full name').fill(HOSTILE_MARKUP);
    await tickConsent();
    await submitWith('Sign');

    expect(site.posts[0]?.form.get('fullName')).toBe(HOSTILE_MARKUP);
    expect(await page.locator('main p').first().textContent()).toContain(`${HOSTILE_MARKUP} signed the Letter of Authorization`);
    expect(await page.locator('img').count()).toBe(0);
    expect(consoleMessages).toEqual([]);
  });

  it.each(LINK_PROBLEMS)('%s link page has no form', async (problem) => {
    const response = await page.goto(`${site.baseUrl}/problem/${problem}`);
    expect(response?.status()).toBe(200);

    expect(await page.locator('form, input, button, textarea').count()).toBe(0);
    expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
    expect((await page.locator('main').textContent())?.trim().length).toBeGreaterThan(40);
    expect(consoleMessages).toEqual([]);
  });

  it('expired link page says when it expired', async () => {
    await page.goto(`${site.baseUrl}/problem/expired`);

    expect(await page.locator('main').textContent()).toContain('expired at 2026-05-11 09:00 UTC');
    expect(await page.locator('main').textContent()).toContain('Ask the sender of the e-mail for a new link.');
  });

  it.each(['/signed', '/declined'])('%s confirmation has no form', async (path) => {
    await page.goto(`${site.baseUrl}${path}`);

    expect(await page.locator('form, input, button, textarea').count()).toBe(0);
    expect(consoleMessages).toEqual([]);
  });
});
