import type { FastifyRequest } from 'fastify';
import type { FieldViolation } from '../domain/errors.js';
import { invalidArgument } from '../domain/errors.js';

/**
 * Rejects a query parameter given more than once. Every query parameter of the API
 * takes one value, and the query parser turns a repeated one into an array, which the
 * use cases would otherwise receive where they expect a string.
 */
export function checkSingleValuedQuery(request: FastifyRequest): void {
  const query = request.query;
  if (typeof query !== 'object' || query === null) {
    return;
  }
  const violations: FieldViolation[] = [];
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      violations.push({ field: name, description: `is given ${value.length} times; give it once.` });
    }
  }
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
}
