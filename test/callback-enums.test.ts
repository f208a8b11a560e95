/**
 * The callback enums exist twice: in src/domain, which the server sends, and in the SDK,
 * which may import no server code. Both must equal the spec's CallbackPayload enums.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_STATUSES, EVENT_TYPES, FAILURE_CODES, RESOURCE_TYPES } from '../src/domain/events.js';
import { specDocument } from '../src/http/spec.js';
import { CallbackPayloadError, parseCallbackPayload } from '../src/sdk/callback-payload.js';

interface EnumProperty {
  enum?: string[];
}

function specEnum(property: string): string[] {
  const components = specDocument().components as { schemas: Record<string, { properties: Record<string, EnumProperty> }> };
  return components.schemas.CallbackPayload?.properties[property]?.enum ?? [];
}

function payload(overrides: Record<string, string>): string {
  return JSON.stringify({
    resourceType: 'HOSTING_ORDER_NUMBER',
    eventType: 'HOSTING_PROCESS',
    eventId: '01jz0000000000000000000000',
    timestamp: '2026-12-05T00:00:00Z',
    projectId: 'p',
    resourceId: '+12065550100',
    status: 'FAILED',
    ...overrides,
  });
}

const ENUMS = [
  ['resourceType', RESOURCE_TYPES],
  ['eventType', EVENT_TYPES],
  ['status', EVENT_STATUSES],
  ['failureCode', FAILURE_CODES],
] as const;

describe('callback enums', () => {
  it.each(ENUMS)('domain %s equals the spec', (property, values) => {
    expect([...values].sort()).toEqual(specEnum(property).sort());
  });

  it.each(ENUMS)('SDK accepts every domain %s', (property, values) => {
    for (const value of values) {
      expect(parseCallbackPayload(payload({ [property]: value }))[property]).toBe(value);
    }
  });

  it.each(ENUMS)('SDK rejects an unknown %s', (property) => {
    expect(() => parseCallbackPayload(payload({ [property]: 'NOT_IN_THE_SPEC' }))).toThrow(CallbackPayloadError);
  });
});
