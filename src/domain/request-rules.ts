/**
 * Field rules the spec's schemas cannot express: strict E.164 NANP numbers, region
 * consistency, limits, duplicates, identifier and URL syntax. Each check returns field
 * violations that name the value and the fix; an empty list means the field is valid.
 */
import type { FieldViolation } from './errors.js';
import { describeValue } from './errors.js';
import type { ParsedNumber, RegionCode } from './phone-number.js';
import { isFieldViolation, isRegionCode, parseNanpNumber } from './phone-number.js';

export const MAX_DISPLAY_NAME_CHARS = 256;
export const MAX_ID_CHARS = 64;
export const MAX_CALLBACK_URL_CHARS = 2048;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export function checkRegionCode(value: unknown, field = 'regionCode'): FieldViolation[] {
  if (isRegionCode(value)) {
    return [];
  }
  return [{ field, description: `${describeValue(value)} is not supported; use "US" or "CA".` }];
}

export interface NumberListCheck {
  numbers: ParsedNumber[];
  violations: FieldViolation[];
}

/** Checks a list of numbers: each strict E.164 NANP in the region, none repeated, at most `limit`. */
export function checkNumberList(
  values: unknown,
  field: string,
  regionCode: RegionCode | undefined,
  limit: number,
  limitHint: string,
): NumberListCheck {
  if (!Array.isArray(values)) {
    return { numbers: [], violations: [{ field, description: `must be an array of E.164 numbers, got ${describeValue(values)}.` }] };
  }
  if (values.length === 0) {
    return { numbers: [], violations: [{ field, description: 'must contain at least one number.' }] };
  }
  if (values.length > limit) {
    return {
      numbers: [],
      violations: [{ field, description: `contains ${values.length} numbers; at most ${limit} are allowed per request. ${limitHint}` }],
    };
  }
  const numbers: ParsedNumber[] = [];
  const violations: FieldViolation[] = [];
  const firstIndexByNumber = new Map<string, number>();
  values.forEach((value, index) => {
    const parsed = parseNanpNumber(value, `${field}[${index}]`, regionCode);
    if (isFieldViolation(parsed)) {
      violations.push(parsed);
      return;
    }
    const firstIndex = firstIndexByNumber.get(parsed.e164);
    if (firstIndex !== undefined) {
      violations.push({
        field: `${field}[${index}]`,
        description: `${parsed.e164} is listed twice (also at ${field}[${firstIndex}]); list each number once.`,
      });
      return;
    }
    firstIndexByNumber.set(parsed.e164, index);
    numbers.push(parsed);
  });
  return { numbers, violations };
}

/** Checks a service plan or campaign id. `allowEmpty` is for PATCH, where "" unlinks. */
export function checkIdentifier(value: unknown, field: string, allowEmpty: boolean): FieldViolation[] {
  if (typeof value !== 'string') {
    return [{ field, description: `must be a string, got ${describeValue(value)}.` }];
  }
  if (value === '') {
    return allowEmpty ? [] : [{ field, description: 'must not be empty.' }];
  }
  if (value.length > MAX_ID_CHARS || !ID_PATTERN.test(value)) {
    return [
      {
        field,
        description: `${describeValue(value)} is not a valid id: use 1 to ${MAX_ID_CHARS} ASCII letters, digits, "_", "-", "." or ":", starting with a letter or digit.`,
      },
    ];
  }
  return [];
}

export function checkDisplayName(value: unknown, field = 'displayName'): FieldViolation[] {
  if (value === undefined) {
    return [];
  }
  if (typeof value !== 'string') {
    return [{ field, description: `must be a string, got ${describeValue(value)}.` }];
  }
  if (value.length > MAX_DISPLAY_NAME_CHARS) {
    return [{ field, description: `is ${value.length} characters long; at most ${MAX_DISPLAY_NAME_CHARS} are allowed.` }];
  }
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    return [{ field, description: 'must not contain control characters or line breaks.' }];
  }
  return [];
}

/**
 * Checks the syntax of a callback URL. Whether its host resolves to an allowed address
 * is decided at delivery time, after DNS resolution.
 */
export function checkCallbackUrl(
  value: unknown,
  field: string,
  isHttpsRequired: boolean,
  refusedHostReason: (hostname: string) => string | undefined = () => undefined,
): FieldViolation[] {
  if (value === undefined || value === '') {
    return [];
  }
  if (typeof value !== 'string') {
    return [{ field, description: `must be a string, got ${describeValue(value)}.` }];
  }
  if (value.length > MAX_CALLBACK_URL_CHARS) {
    return [{ field, description: `is ${value.length} characters long; at most ${MAX_CALLBACK_URL_CHARS} are allowed.` }];
  }
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    return [{ field, description: 'must not contain spaces or control characters; percent-encode them.' }];
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [{ field, description: `${describeValue(value)} is not an absolute URL such as "https://example.com/callbacks".` }];
  }
  const allowedProtocols = isHttpsRequired ? ['https:'] : ['https:', 'http:'];
  if (!allowedProtocols.includes(url.protocol)) {
    const expected = isHttpsRequired ? 'https' : 'http or https';
    return [{ field, description: `${describeValue(value)} uses ${url.protocol.replace(':', '')}; only ${expected} URLs are allowed.` }];
  }
  if (url.username !== '' || url.password !== '') {
    return [{ field, description: 'must not contain a user name or password; authenticate callbacks with the HMAC signature instead.' }];
  }
  if (!/^[a-z]+:\/\/[^/?#]/i.test(value) || url.hostname === '') {
    return [{ field, description: `${describeValue(value)} has no host name; write it as "https://host/path".` }];
  }
  if (url.port === '0') {
    return [{ field, description: `${describeValue(value)} uses port 0, which cannot receive requests.` }];
  }
  const refusal = refusedHostReason(url.hostname);
  if (refusal !== undefined) {
    return [{ field, description: `${describeValue(value)} cannot receive callbacks: ${refusal}` }];
  }
  return [];
}
