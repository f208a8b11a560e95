import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../storage/schema.js';

/**
 * Adds `delta` to a project's imported-number count, in the transaction that inserts or
 * deletes the rows, so the count always matches the table.
 */
export async function adjustImportedNumberCount(trx: Transaction<Database>, projectId: string, delta: number): Promise<void> {
  if (delta === 0) {
    return;
  }
  await trx
    .insertInto('project_counters')
    .values({ project_id: projectId, imported_numbers: delta })
    .onConflict((conflict) =>
      conflict.column('project_id').doUpdateSet((eb) => ({ imported_numbers: eb('project_counters.imported_numbers', '+', delta) })),
    )
    .execute();
}

export async function readImportedNumberCount(db: Kysely<Database>, projectId: string): Promise<number> {
  const row = await db.selectFrom('project_counters').select('imported_numbers').where('project_id', '=', projectId).executeTakeFirst();
  return Number(row?.imported_numbers ?? 0);
}
