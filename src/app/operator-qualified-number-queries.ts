/**
 * Read-only query of the console's qualified number list: every project's qualified
 * numbers or one project's, newest first, with keyset paging.
 */
import type { QualifiedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { CONSOLE_PAGE_SIZE } from './operator-order-queries.js';

export interface QualifiedNumberListFilter {
  projectId?: string | undefined;
  /** A `GLOBAL_PROCESS_STATE_*` value. */
  state?: string | undefined;
  /** The start of the E.164 number, with its "+" (such as "+1206"). */
  numberPrefix?: string | undefined;
}

/** The position after the last number of a page, in the list's sort order. */
export interface QualifiedNumberCursor {
  createdMs: number;
  phoneNumber: string;
  projectId: string;
}

export interface QualifiedNumberListPage {
  rows: QualifiedNumberRow[];
  next: QualifiedNumberCursor | undefined;
}

/** Lists qualified numbers for the console, newest first, after `cursor` when given. */
export async function listQualifiedNumbersForConsole(
  ctx: AppContext,
  filter: QualifiedNumberListFilter,
  cursor: QualifiedNumberCursor | undefined,
): Promise<QualifiedNumberListPage> {
  let query = ctx.storage.db.selectFrom('qualified_numbers').selectAll();
  if (filter.projectId !== undefined) {
    query = query.where('project_id', '=', filter.projectId);
  }
  if (filter.state !== undefined) {
    query = query.where('state', '=', filter.state);
  }
  if (filter.numberPrefix !== undefined) {
    query = query.where('phone_number', 'like', `${filter.numberPrefix}%`);
  }
  if (cursor !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('created_ms', '<', cursor.createdMs),
        eb.and([eb('created_ms', '=', cursor.createdMs), eb('phone_number', '<', cursor.phoneNumber)]),
        eb.and([eb('created_ms', '=', cursor.createdMs), eb('phone_number', '=', cursor.phoneNumber), eb('project_id', '<', cursor.projectId)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('created_ms', 'desc')
    .orderBy('phone_number', 'desc')
    .orderBy('project_id', 'desc')
    .limit(CONSOLE_PAGE_SIZE + 1)
    .execute();
  const pageRows = rows.slice(0, CONSOLE_PAGE_SIZE);
  const last = pageRows.at(-1);
  return {
    rows: pageRows,
    next:
      rows.length > CONSOLE_PAGE_SIZE && last !== undefined
        ? { createdMs: last.created_ms, phoneNumber: last.phone_number, projectId: last.project_id }
        : undefined,
  };
}
