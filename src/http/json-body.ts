import type { FastifyInstance } from 'fastify';
import { invalidArgument } from '../domain/errors.js';

const MAX_SCAN_DEPTH = 64;

function hasPrototypeKey(value: unknown, depth: number): boolean {
  if (depth > MAX_SCAN_DEPTH || typeof value !== 'object' || value === null) {
    return false;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__' || (key === 'constructor' && typeof item === 'object' && item !== null && 'prototype' in item)) {
      return true;
    }
    if (hasPrototypeKey(item, depth + 1)) {
      return true;
    }
  }
  return false;
}

/**
 * Parses JSON bodies with errors in the API's shape, where a syntax error names its
 * position. The keys "__proto__" and "constructor.prototype" are rejected by name,
 * because no field of the API uses them and they could pollute object prototypes.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(invalidArgument([{ field: '(body)', description: 'is empty; send a JSON object, or no Content-Type header when there is no body.' }]), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      done(invalidArgument([{ field: '(body)', description: `is not valid JSON: ${reason}` }]), undefined);
      return;
    }
    if (hasPrototypeKey(parsed, 0)) {
      done(invalidArgument([{ field: '(body)', description: 'must not contain the keys "__proto__" or "constructor.prototype"; no field of the API has those names.' }]), undefined);
      return;
    }
    done(null, parsed);
  });
}
