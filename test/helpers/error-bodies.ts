import { expect } from 'vitest';
import { createSpecAjv, schemaRef } from '../../src/http/spec.js';

export interface FieldViolationBody {
  field: string;
  description: string;
}

export interface FlatErrorBody {
  code: string;
  message: string;
  status: string;
  details?: Array<{ type: string; fieldViolations: FieldViolationBody[] }>;
}

export interface WrappedErrorBody {
  error: { code: number; message: string; status: string; details: Array<{ type: string; fieldViolations?: FieldViolationBody[] }> };
}

const ajv = createSpecAjv();
const validateErrorResponse = ajv.compile(schemaRef('ErrorResponse'));
const validateBadRequest = ajv.compile(schemaRef('BadRequest'));

/** Field names of every violation in a 400 body, in the order sent. */
export function violatedFields(body: FlatErrorBody | WrappedErrorBody['error']): string[] {
  return (body.details ?? []).flatMap((detail) => (detail.fieldViolations ?? []).map((violation) => violation.field));
}

/**
 * Reads a response that must carry the flat `ErrorResponse` shape and checks the parts
 * every such body shares: HTTP status, JSON type, string code, status name, a message,
 * and for 400 a `BadRequest` detail whose violations each name a field.
 */
export async function expectFlatError(response: Response, httpStatus: number, status: string): Promise<FlatErrorBody> {
  const text = await response.text();
  expect(response.status, text).toBe(httpStatus);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as FlatErrorBody;
  expect(validateErrorResponse(body), ajv.errorsText(validateErrorResponse.errors)).toBe(true);
  expect(body.code).toBe(String(httpStatus));
  expect(body.status).toBe(status);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  if (httpStatus === 400) {
    expect(body.details).toHaveLength(1);
    const detail = body.details?.[0];
    expect(detail?.type).toBe('BadRequest');
    expect(validateBadRequest(detail), ajv.errorsText(validateBadRequest.errors)).toBe(true);
    expect(detail?.fieldViolations.length).toBeGreaterThan(0);
    for (const violation of detail?.fieldViolations ?? []) {
      expect(violation.field.length).toBeGreaterThan(0);
      expect(violation.description.length).toBeGreaterThan(0);
    }
  }
  return body;
}

/** Like `expectFlatError` for the wrapped `{error: {...}}` shape of the callbackConfiguration operations. */
export async function expectWrappedError(response: Response, httpStatus: number, status: string): Promise<WrappedErrorBody> {
  const text = await response.text();
  expect(response.status, text).toBe(httpStatus);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as WrappedErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(httpStatus);
  expect(body.error.status).toBe(status);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.error.details)).toBe(true);
  return body;
}
