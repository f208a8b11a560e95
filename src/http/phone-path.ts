import { invalidArgument } from '../domain/errors.js';
import { isFieldViolation, parseNanpNumber } from '../domain/phone-number.js';

/**
 * Reads a phone number from a path segment. Fastify has already percent-decoded it, so
 * `%2B` and a raw `+` both arrive as "+"; a leading space means a client encoded "+" as
 * a space, which the error message explains.
 */
export function phoneNumberFromPath(raw: string, field = 'phoneNumber'): string {
  const parsed = parseNanpNumber(raw, field, undefined);
  if (isFieldViolation(parsed)) {
    throw invalidArgument([parsed]);
  }
  return parsed.e164;
}
