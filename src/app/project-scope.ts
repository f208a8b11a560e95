import type { FieldViolation } from '../domain/errors.js';
import { describeValue } from '../domain/errors.js';

/** A body's optional `projectId` must name the project of the path when given. */
export function checkProjectIdField(value: unknown, projectId: string, field = 'projectId'): FieldViolation[] {
  if (value === undefined || value === '' || value === projectId) {
    return [];
  }
  return [{ field, description: `${describeValue(value)} does not match the project in the path (${projectId}); omit it or use the same id.` }];
}
