import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { FieldViolation } from './errors.js';
import { describeValue } from './errors.js';

export const SUPPORTED_REGION_CODES = ['US', 'CA'] as const;
export type RegionCode = (typeof SUPPORTED_REGION_CODES)[number];

/** Toll-free area codes of the North American Numbering Plan. */
export const TOLL_FREE_AREA_CODES = new Set(['800', '833', '844', '855', '866', '877', '888']);

const E164_NANP = /^\+1([2-9]\d{2})([2-9]\d{2})(\d{4})$/;
const E164_ANY = /^\+[1-9]\d{1,14}$/;

export interface ParsedNumber {
  e164: string;
  areaCode: string;
  isTollFree: boolean;
}

export function isRegionCode(value: unknown): value is RegionCode {
  return typeof value === 'string' && (SUPPORTED_REGION_CODES as readonly string[]).includes(value);
}

/**
 * Guesses the E.164 form a caller probably meant, for the hint in an error message.
 * Returns undefined when no confident guess exists.
 */
export function suggestE164(raw: string): string | undefined {
  const normalized = raw.normalize('NFKC');
  const digits = normalized.replace(/\D/g, '');
  let candidate: string | undefined;
  if (digits.length === 10) {
    candidate = `+1${digits}`;
  } else if (digits.length === 11 && digits.startsWith('1')) {
    candidate = `+${digits}`;
  } else if (digits.length === 12 && digits.startsWith('11')) {
    candidate = `+${digits.slice(1)}`;
  }
  return candidate !== undefined && E164_NANP.test(candidate) ? candidate : undefined;
}

function withSuggestion(message: string, raw: string): string {
  const suggestion = suggestE164(raw);
  return suggestion !== undefined && suggestion !== raw ? `${message} Did you mean ${suggestion}?` : message;
}

/**
 * Checks that `raw` is a strict E.164 NANP number usable in `regionCode`. Returns the
 * parsed number, or a field violation that names the value and the fix. With
 * `isMetadataRead` false only the format is checked: no region match, and toll-free by
 * area code alone.
 */
export function parseNanpNumber(
  raw: unknown,
  field: string,
  regionCode: RegionCode | undefined,
  isMetadataRead = true,
): ParsedNumber | FieldViolation {
  if (typeof raw !== 'string') {
    return { field, description: `must be a string in E.164 format such as "+12025550134", got ${describeValue(raw)}.` };
  }
  if (raw.length === 0) {
    return { field, description: 'must not be empty; give a number in E.164 format such as "+12025550134".' };
  }
  if (raw.startsWith(' ') && E164_ANY.test(`+${raw.slice(1)}`)) {
    return {
      field,
      description: `${describeValue(raw)} starts with a space where "+" was expected: a "+" in a URL decodes to a space. Encode it as %2B.`,
    };
  }
  if (!raw.startsWith('+')) {
    return { field, description: withSuggestion(`${describeValue(raw)} is not in E.164 format: it must start with "+" and the country code.`, raw) };
  }
  if (!/^\+\d+$/.test(raw)) {
    const isOtherCountry = /^\+[\s().-]*[02-9]/.test(raw);
    const countryNote = isOtherCountry ? ' Only North American (+1) numbers can be hosted.' : '';
    return {
      field,
      description: withSuggestion(
        `${describeValue(raw)} is not in E.164 format: only "+" followed by ASCII digits is allowed, with no spaces or punctuation.${countryNote}`,
        raw,
      ),
    };
  }
  if (!raw.startsWith('+1')) {
    return { field, description: `${describeValue(raw)} is not a North American (+1) number; only US and CA numbers can be hosted.` };
  }
  if (raw.startsWith('+11') && raw.length === 13) {
    return { field, description: withSuggestion(`${describeValue(raw)} repeats the country code 1.`, raw) };
  }
  if (raw.length !== 12) {
    return {
      field,
      description: `${describeValue(raw)} has ${raw.length - 2} digits after +1; a North American number has exactly 10 (area code, exchange, line).`,
    };
  }
  const match = E164_NANP.exec(raw);
  if (!match) {
    return {
      field,
      description: `${describeValue(raw)} is not a valid North American number: the area code and the exchange must each start with a digit from 2 to 9.`,
    };
  }
  const areaCode = match[1] as string;
  const exchange = match[2] as string;
  if (/^[2-9]11$/.test(areaCode) || /^[2-9]11$/.test(exchange)) {
    return {
      field,
      description: `${describeValue(raw)} is not a valid North American number: ${areaCode.endsWith('11') ? 'area code' : 'exchange'} ${areaCode.endsWith('11') ? areaCode : exchange} is an N11 service code (such as 911), never assigned to numbers.`,
    };
  }
  if (!isMetadataRead) {
    return { e164: raw, areaCode, isTollFree: TOLL_FREE_AREA_CODES.has(areaCode) };
  }
  const metadata = parsePhoneNumberFromString(raw);
  // The area code decides for the known toll-free codes; the metadata catches any it adds.
  const isTollFree = TOLL_FREE_AREA_CODES.has(areaCode) || metadata?.getType() === 'TOLL_FREE';
  if (!isTollFree && regionCode !== undefined) {
    const metadataRegion = metadata?.country;
    if (metadataRegion !== undefined && metadataRegion !== regionCode) {
      const hint = isRegionCode(metadataRegion)
        ? `Set regionCode to "${metadataRegion}" or use a ${regionCode} number.`
        : `Only US and CA numbers can be hosted.`;
      return { field, description: `${raw} belongs to region ${metadataRegion}, not ${regionCode}. ${hint}` };
    }
  }
  return { e164: raw, areaCode, isTollFree };
}

export function isFieldViolation(value: ParsedNumber | FieldViolation): value is FieldViolation {
  return 'description' in value;
}

/** The region the numbering plan assigns to a +1 number (US, CA, JM, ...), or undefined when none does. */
export function numberingRegion(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}
