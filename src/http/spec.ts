import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import type { FieldViolation } from '../domain/errors.js';
import { describeValue } from '../domain/errors.js';

export const SPEC_PATH = fileURLToPath(new URL('../../spec/imported-hosting.openapi.yaml', import.meta.url));
const SPEC_ID = 'imported-hosting.openapi.yaml';

let specText: string | undefined;

/** Returns the OpenAPI description, as served at `GET /openapi.yaml`. */
export function specYaml(): string {
  specText ??= readFileSync(SPEC_PATH, 'utf8');
  return specText;
}

/** Name of our reading of the toll-free request schema, which the spec writes with a property named `allOf`. */
export const TOLL_FREE_REQUEST_SCHEMA = 'NumberhostTextEnableTollFreeNumbersRequest';

let document: Record<string, unknown> | undefined;

/**
 * The parsed spec plus our reading of the toll-free text-enable request (BEHAVIOR.md
 * item 12): the shared fields at the top level, with regionCode, numbers and
 * servicePlanId required. The spec served at `/openapi.yaml` stays as published.
 */
export function specDocument(): Record<string, unknown> {
  if (document === undefined) {
    const parsed = parse(specYaml()) as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    const common = parsed.components.schemas.TextEnableTollFreeNumbersLoaInfoCommon;
    parsed.components.schemas[TOLL_FREE_REQUEST_SCHEMA] = {
      type: 'object',
      required: ['regionCode', 'numbers', 'servicePlanId'],
      properties: {
        ...common?.properties,
        directLoaInfo: { $ref: '#/components/schemas/DirectLoaInfo' },
        resellerLoaInfo: { $ref: '#/components/schemas/ResellerLoaInfo' },
      },
    } as never;
    document = parsed as unknown as Record<string, unknown>;
  }
  return document;
}

// ajv-formats is published as CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

/** Creates an Ajv instance that contains the whole spec, so that schemas can be referenced by JSON pointer. */
export function createSpecAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 });
  ajv.addFormat('enum', true);
  ajv.addSchema({ ...specDocument(), $id: SPEC_ID });
  return ajv;
}

export function schemaRef(componentName: string): { $ref: string } {
  return { $ref: `${SPEC_ID}#/components/schemas/${componentName}` };
}

function valueAt(data: unknown, instancePath: string): unknown {
  let current: unknown = data;
  for (const segment of instancePath.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('')
    .replace(/^\./, '');
}

/** Turns Ajv errors into field violations naming the field, the value seen and what is expected. */
export function toFieldViolations(errors: ErrorObject[], data: unknown): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const base = fieldName(error.instancePath);
    let violation: FieldViolation;
    if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      violation = { field: base === '' ? missing : `${base}.${missing}`, description: 'is required.' };
    } else if (error.keyword === 'type') {
      const expected = (error.params as { type: string }).type;
      violation = { field: base || '(body)', description: `must be ${expected === 'array' || expected === 'object' || expected === 'integer' ? 'an' : 'a'} ${expected}, got ${describeValue(valueAt(data, error.instancePath))}.` };
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ');
      violation = { field: base, description: `${describeValue(valueAt(data, error.instancePath))} is not one of ${allowed}.` };
    } else {
      violation = { field: base || '(body)', description: `${describeValue(valueAt(data, error.instancePath))} ${error.message ?? 'is invalid'}.` };
    }
    const key = `${violation.field}|${violation.description}`;
    if (!seen.has(key)) {
      seen.add(key);
      violations.push(violation);
    }
  }
  return violations;
}

export type BodyValidator = ValidateFunction;
