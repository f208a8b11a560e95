import type { FastifyRequest } from 'fastify';
import { invalidArgument } from '../domain/errors.js';
import type { FieldViolation } from '../domain/errors.js';

const MAX_SCAN_DEPTH = 64;

function collectNulFields(value: unknown, path: string, depth: number, violations: FieldViolation[]): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      violations.push({ field: path || '(body)', description: 'contains a NUL character (U+0000), which no field accepts. Remove it.' });
    }
    return;
  }
  if (depth > MAX_SCAN_DEPTH || typeof value !== 'object' || value === null) {
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) {
      violations.push({ field: path || '(body)', description: 'has a key with a NUL character (U+0000). Remove it.' });
    }
    let childPath = path === '' ? key : `${path}.${key}`;
    if (Array.isArray(value)) {
      childPath = `${path}[${key}]`;
    }
    collectNulFields(item, childPath, depth + 1, violations);
  }
}

/**
 * Rejects NUL characters in the path, query and body. No field accepts one, and
 * PostgreSQL cannot store one in text, so letting it through would end in a 500 there.
 */
export function rejectNulCharacters(request: FastifyRequest): void {
  const violations: FieldViolation[] = [];
  collectNulFields(request.params, '', 0, violations);
  collectNulFields(request.query, '', 0, violations);
  collectNulFields(request.body, '', 0, violations);
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
}
