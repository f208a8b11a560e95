import type { FieldViolation } from './errors.js';
import { describeValue } from './errors.js';

/**
 * Checks of the Letter of Authorization objects and the other text-enable fields. The
 * spec marks the LOA fields required but sets no formats; the limits here keep a
 * printed LOA readable and are listed in docs/qualification.md.
 */

export const LOA_KINDS = ['directLoaInfo', 'resellerLoaInfo', 'blanketLoaInfo'] as const;
export type LoaKind = (typeof LOA_KINDS)[number];

export const MAX_NAME_CHARS = 100;
export const MAX_ADDRESS_PART_CHARS = 200;
export const MAX_EMAIL_CHARS = 254;

export interface LoaPerson {
  firstName: string;
  lastName: string;
  email: string;
}

export interface LoaAddress {
  buildingNumber: string;
  street: string;
  city: string;
  state: string;
  postalCode: string;
  country: string;
}

/** A checked LOA object of a request. */
export type LoaInfo =
  | { kind: 'DIRECT'; authorisedPerson: LoaPerson; address: LoaAddress; currentVoiceCarrier: string }
  | { kind: 'RESELLER'; businessName: string; authorisedPerson: LoaPerson; address: LoaAddress; currentVoiceCarrier: string }
  | { kind: 'BLANKET' };

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Format characters (Unicode category Cf): zero-width spaces and joiners, bidirectional controls.
const INVISIBLE_FORMATTING = /\p{Cf}/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the mail server's call.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkText(value: unknown, field: string, maxChars: number, violations: FieldViolation[]): string {
  if (typeof value !== 'string') {
    violations.push({ field, description: `is required and must be a string, got ${describeValue(value)}.` });
    return '';
  }
  const trimmed = value.trim();
  const length = [...trimmed].length;
  if (trimmed === '') {
    violations.push({ field, description: 'must not be empty; it is printed on the Letter of Authorization.' });
  } else if (length > maxChars) {
    violations.push({ field, description: `has ${length} characters; at most ${maxChars} are allowed.` });
  } else if (CONTROL_CHARACTERS.test(trimmed)) {
    violations.push({ field, description: `${describeValue(value)} contains a control character or line break; send one line of text.` });
  } else if (LONE_SURROGATE.test(trimmed)) {
    violations.push({ field, description: 'contains a broken UTF-16 surrogate; send valid Unicode text.' });
  } else if (INVISIBLE_FORMATTING.test(trimmed)) {
    violations.push({ field, description: `${describeValue(value)} contains an invisible formatting character (such as a bidirectional control or zero-width space), which can make the text read differently; remove it.` });
  } else if (!/[\p{L}\p{N}]/u.test(trimmed)) {
    violations.push({ field, description: `${describeValue(value)} has no letter or digit; it is printed on the Letter of Authorization.` });
  }
  return trimmed;
}

function checkPerson(value: unknown, field: string, violations: FieldViolation[]): LoaPerson {
  if (!isObject(value)) {
    violations.push({ field, description: `is required: an object with firstName, lastName and email, got ${describeValue(value)}.` });
    return { firstName: '', lastName: '', email: '' };
  }
  const person = {
    firstName: checkText(value.firstName, `${field}.firstName`, MAX_NAME_CHARS, violations),
    lastName: checkText(value.lastName, `${field}.lastName`, MAX_NAME_CHARS, violations),
    email: checkText(value.email, `${field}.email`, MAX_EMAIL_CHARS, violations),
  };
  if (person.email !== '' && !EMAIL.test(person.email)) {
    violations.push({ field: `${field}.email`, description: `${describeValue(value.email)} is not an e-mail address; the LOA is sent there to be signed.` });
  }
  return person;
}

function checkAddress(value: unknown, field: string, violations: FieldViolation[]): LoaAddress {
  const parts = ['buildingNumber', 'street', 'city', 'state', 'postalCode', 'country'] as const;
  if (!isObject(value)) {
    violations.push({ field, description: `is required: an object with ${parts.join(', ')}, got ${describeValue(value)}.` });
    return { buildingNumber: '', street: '', city: '', state: '', postalCode: '', country: '' };
  }
  const address = {} as LoaAddress;
  for (const part of parts) {
    address[part] = checkText(value[part], `${field}.${part}`, MAX_ADDRESS_PART_CHARS, violations);
  }
  return address;
}

/**
 * Checks the LOA objects of a request: exactly one of `allowed` must be present. The
 * toll-free operations allow no blanket LOA, as in the spec.
 */
export function checkLoaInfo(body: Record<string, unknown>, allowed: readonly LoaKind[], violations: FieldViolation[]): LoaInfo | undefined {
  const given = allowed.filter((kind) => body[kind] !== undefined);
  if (given.length !== 1) {
    const description =
      given.length === 0
        ? `is missing: give exactly one of ${allowed.join(', ')}.`
        : `${given.join(' and ')} are both given: send exactly one of ${allowed.join(', ')}.`;
    violations.push({ field: given.length === 0 ? allowed.join('|') : (given[1] as string), description });
    return undefined;
  }
  const kind = given[0] as LoaKind;
  const value = body[kind];
  if (!isObject(value)) {
    violations.push({ field: kind, description: `must be an object, got ${describeValue(value)}.` });
    return undefined;
  }
  if (kind === 'blanketLoaInfo') {
    return { kind: 'BLANKET' };
  }
  const before = violations.length;
  const common = {
    authorisedPerson: checkPerson(value.authorisedPerson, `${kind}.authorisedPerson`, violations),
    address: checkAddress(value.address, `${kind}.address`, violations),
    currentVoiceCarrier: checkText(value.currentVoiceCarrier, `${kind}.currentVoiceCarrier`, MAX_NAME_CHARS, violations),
  };
  const businessName = kind === 'resellerLoaInfo' ? checkText(value.businessName, `${kind}.businessName`, MAX_ADDRESS_PART_CHARS, violations) : '';
  if (violations.length > before) {
    return undefined;
  }
  return kind === 'directLoaInfo' ? { kind: 'DIRECT', ...common } : { kind: 'RESELLER', businessName, ...common };
}

/** Checks an optional NNID (Network Number ID), the 1 to 10 digit number the carrier registry assigns. */
export function checkNnid(value: unknown, field = 'nnid'): FieldViolation[] {
  if (value === undefined || value === '') {
    return [];
  }
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) {
    return [{ field, description: `${describeValue(value)} is not an NNID: give the Network Number ID as 1 to 10 digits, or omit it to use the hosting provider's NNID.` }];
  }
  return [];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const MAX_SCHEDULE_AHEAD_MS = 366 * 86_400_000;

/**
 * True when the date part of an RFC 3339 time names a real day: Date.parse rolls
 * 2027-02-30 over to March 2 instead of refusing it.
 */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (match === null) {
    return false;
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60
  );
}

/** Parses an optional RFC 3339 time that must not be in the past; returns epoch ms or null. */
export function checkScheduledTime(value: unknown, field: string, nowMs: number, violations: FieldViolation[]): number | null {
  if (value === undefined || value === '') {
    return null;
  }
  const epochMs = typeof value === 'string' && RFC3339.test(value) && isCalendarDate(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(epochMs)) {
    violations.push({ field, description: `${describeValue(value)} is not an RFC 3339 time; use a form such as "2026-01-13T14:34:40Z".` });
    return null;
  }
  if (epochMs < nowMs) {
    violations.push({ field, description: `${value} is in the past (now is ${new Date(nowMs).toISOString()}); give a later time, or omit the field to run right after signing.` });
    return null;
  }
  if (epochMs > nowMs + MAX_SCHEDULE_AHEAD_MS) {
    violations.push({ field, description: `${value} is more than 366 days ahead; give an earlier time.` });
    return null;
  }
  return epochMs;
}

/** Returns the person's first and last name, as the LOA prints it. */
export function personName(person: LoaPerson): string {
  return `${person.firstName} ${person.lastName}`;
}

/** Returns the address on one line, as the signing page shows it. */
export function addressLine(address: LoaAddress): string {
  return `${address.buildingNumber} ${address.street}, ${address.city}, ${address.state} ${address.postalCode}, ${address.country}`;
}
