import { invalidArgument } from '../domain/errors.js';
import { isFieldViolation, parseNanpNumber } from '../domain/phone-number.js';

/**
 * Reads a phone number from a path segment. Fastify has already percent-decoded it, so
 * `%2B` and a raw `+` both arrive as "+"; a leading space means a client encoded "+" as
 * a space, which the error message explains.
 */
export function phoneNumberFromPath(raw: string, field = 'phoneNumber'): string {
  // A number in a path only names a stored number, which was fully checked when it was
  // imported, so the format check is enough and the numbering metadata is skipped.
  const parsed = parseNanpNumber(raw, field, undefined, false);
  if (isFieldViolation(parsed)) {
    throw invalidArgument([parsed]);
  }
  return parsed.e164;
}
