/**
 * Double-submit cookie protection for the LOA signing form. The GET handler sets a fresh
 * random token both in an HttpOnly cookie and in a hidden form field, and the POST handler
 * accepts the form only when the two match. Another site can make the browser post the
 * form, but it can neither read the cookie nor set it, and SameSite=Strict keeps the
 * cookie off cross-site posts in the first place.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Name of the CSRF cookie. It has no `__Host-` prefix because browsers accept such a
 * cookie only with Secure and Path=/. This cookie is scoped to one link's path, and a
 * deployment served over plain http, such as local development, cannot set it Secure.
 */
export const CSRF_COOKIE = 'loa_csrf';

/** Lifetime of the CSRF cookie: long enough to read 500 numbers and an LOA, short enough to expire the same day. */
export const CSRF_COOKIE_MAX_AGE_SECONDS = 2 * 60 * 60;

/** Name of the hidden form field that carries the token back. */
export const CSRF_FORM_FIELD = 'csrfToken';

const CSRF_TOKEN_BYTES = 32;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
/** Path characters that would end the cookie attribute or the header line. */
const UNSAFE_PATH_PATTERN = /[;,\s\u0000-\u001f\u007f]/;

/** Returns a new CSRF token: 32 random bytes, base64url without padding (43 characters). */
export function newCsrfToken(): string {
  return randomBytes(CSRF_TOKEN_BYTES).toString('base64url');
}

export interface CsrfCookieOptions {
  /** Path the browser sends the cookie to, e.g. `/loa/{token}`. */
  path: string;
  /** Adds the Secure attribute; set it whenever the public base URL is https. */
  secure: boolean;
}

/**
 * Builds the Set-Cookie header value that stores `token` in the CSRF cookie.
 * Throws a TypeError when the token is not base64url or the path contains `;`, `,`,
 * whitespace or control characters, since either could inject cookie attributes.
 */
export function csrfCookieHeader(token: string, { path, secure }: CsrfCookieOptions): string {
  if (!BASE64URL_PATTERN.test(token)) {
    throw new TypeError('CSRF token is not base64url; create it with newCsrfToken().');
  }
  if (!path.startsWith('/') || UNSAFE_PATH_PATTERN.test(path)) {
    throw new TypeError(`CSRF cookie path ${JSON.stringify(path)} is invalid; pass an absolute path without ';', ',', whitespace or control characters.`);
  }
  const attributes = [
    `${CSRF_COOKIE}=${token}`,
    `Path=${path}`,
    `Max-Age=${CSRF_COOKIE_MAX_AGE_SECONDS}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (secure) {
    attributes.push('Secure');
  }
  return attributes.join('; ');
}

/**
 * Returns the value of cookie `name` from a Cookie request header, or undefined when the
 * header is missing or has no such cookie. The first occurrence wins, as in browsers,
 * which send the cookie with the longest path first. Percent-encoded values are decoded.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator).trim() !== name) {
      continue;
    }
    const value = pair.slice(separator + 1).trim();
    return decodeCookieValue(value);
  }
  return undefined;
}

function decodeCookieValue(value: string): string {
  const unquoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  try {
    return decodeURIComponent(unquoted);
  } catch {
    // A stray '%' is not an encoding; the value is used as sent.
    return unquoted;
  }
}

/**
 * Returns whether the form's CSRF token matches the cookie's, comparing in constant time.
 * Returns false, and never throws, when either is missing, empty, not a string, or of a
 * different length.
 */
export function isCsrfTokenValid(cookieValue: string | undefined, formValue: unknown): boolean {
  if (typeof cookieValue !== 'string' || typeof formValue !== 'string') {
    return false;
  }
  if (cookieValue === '' || formValue === '') {
    return false;
  }
  const expected = Buffer.from(cookieValue, 'utf8');
  const received = Buffer.from(formValue, 'utf8');
  if (expected.length !== received.length) {
    return false;
  }
  return timingSafeEqual(expected, received);
}
