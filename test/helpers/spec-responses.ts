import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { createSpecAjv, specYaml } from '../../src/http/spec.js';

interface Operation {
  method: string;
  pathTemplate: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema?: unknown }>; $ref?: string }>;
}

const ajv = createSpecAjv();
const document = parse(specYaml()) as {
  paths: Record<string, Record<string, { responses: Operation['responses'] }>>;
  components: { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
};

function templateToPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/:]+(?::[^/:]+)?');
  return new RegExp(`^${escaped}$`);
}

const operations: Operation[] = [];
for (const [pathTemplate, methods] of Object.entries(document.paths)) {
  for (const [method, operation] of Object.entries(methods)) {
    operations.push({ method: method.toUpperCase(), pathTemplate, pattern: templateToPattern(pathTemplate), responses: operation.responses });
  }
}
// Literal custom-verb paths must win over the {phoneNumber}/{hostingOrderId} templates.
operations.sort((a, b) => (a.pathTemplate.includes('{') ? 1 : 0) - (b.pathTemplate.includes('{') ? 1 : 0) || b.pathTemplate.length - a.pathTemplate.length);

const validators = new Map<string, ValidateFunction>();

/**
 * Checks a response body against the spec's schema for its operation and status. Throws
 * with Ajv's errors when it does not match, or when the spec lists no such status.
 */
export function assertMatchesSpec(method: string, path: string, status: number, body: unknown): void {
  const cleanPath = decodeURIComponent(path.split('?')[0] as string);
  const operation = operations.find((candidate) => candidate.method === method && candidate.pattern.test(cleanPath));
  if (operation === undefined) {
    throw new Error(`No spec operation matches ${method} ${cleanPath}`);
  }
  let response = operation.responses[String(status)];
  if (response === undefined) {
    throw new Error(`The spec lists no ${status} response for ${method} ${operation.pathTemplate}`);
  }
  if (response.$ref !== undefined) {
    response = document.components.responses[response.$ref.split('/').at(-1) as string] as Operation['responses'][string];
  }
  const schema = response.content?.['application/json']?.schema;
  if (schema === undefined) {
    return;
  }
  const key = `${method} ${operation.pathTemplate} ${status}`;
  let validator = validators.get(key);
  if (validator === undefined) {
    const resolved = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"imported-hosting.openapi.yaml#/components/'));
    validator = ajv.compile(resolved);
    validators.set(key, validator);
  }
  if (!validator(body)) {
    throw new Error(`${key} does not match the spec: ${ajv.errorsText(validator.errors)}\n${JSON.stringify(body)}`);
  }
}
