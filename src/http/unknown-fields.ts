import type { FieldViolation } from '../domain/errors.js';
import { specDocument } from './spec.js';

interface SchemaNode {
  $ref?: string;
  allOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  type?: string;
}

const MAX_DEPTH = 16;

let componentSchemas: Record<string, SchemaNode> | undefined;

function schemas(): Record<string, SchemaNode> {
  componentSchemas ??= (specDocument() as unknown as { components: { schemas: Record<string, SchemaNode> } }).components.schemas;
  return componentSchemas;
}

/** Returns the properties a schema declares, following `$ref` and `allOf`; undefined when it declares none. */
function declaredProperties(node: SchemaNode | undefined, depth = 0): Record<string, SchemaNode> | undefined {
  if (node === undefined || depth > MAX_DEPTH) {
    return undefined;
  }
  if (node.$ref !== undefined) {
    return declaredProperties(schemas()[node.$ref.split('/').at(-1) as string], depth + 1);
  }
  let merged: Record<string, SchemaNode> | undefined = node.properties === undefined ? undefined : { ...node.properties };
  for (const part of node.allOf ?? []) {
    const properties = declaredProperties(part, depth + 1);
    if (properties !== undefined) {
      merged = { ...merged, ...properties };
    }
  }
  return merged;
}

function collectUnknownFields(value: unknown, node: SchemaNode | undefined, path: string, depth: number, violations: FieldViolation[]): void {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null || Array.isArray(value)) {
    return;
  }
  const properties = declaredProperties(node);
  if (properties === undefined) {
    return;
  }
  const known = Object.keys(properties);
  for (const [key, item] of Object.entries(value)) {
    const field = path === '' ? key : `${path}.${key}`;
    const property = properties[key];
    if (property === undefined) {
      const similar = known.find((name) => name.toLowerCase() === key.toLowerCase());
      const knownList = known.length === 0 ? 'This object takes no fields.' : `Known fields here: ${known.join(', ')}.`;
      const hint = similar === undefined ? knownList : `Did you mean "${similar}"?`;
      violations.push({ field, description: `is not a field of this request. ${hint}` });
      continue;
    }
    collectUnknownFields(item, property, field, depth + 1, violations);
  }
}

/**
 * Lists body fields that the spec's schema does not declare, because a misspelt field
 * ignored with a 200 would hide a client's mistake.
 */
export function unknownFields(body: unknown, schemaName: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  collectUnknownFields(body, { $ref: `#/components/schemas/${schemaName}` }, '', 0, violations);
  return violations;
}
