import { notFound } from '../domain/errors.js';
import type { ImportedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';

export async function getImportedNumber(ctx: AppContext, projectId: string, phoneNumber: string): Promise<ImportedNumberRow> {
  const row = await ctx.storage.db
    .selectFrom('imported_numbers')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('phone_number', '=', phoneNumber)
    .executeTakeFirst();
  if (row === undefined) {
    throw notFound(`Imported number ${phoneNumber} was not found in project ${projectId}. Import it first, or list importedNumbers to see the numbers there.`);
  }
  return row;
}
