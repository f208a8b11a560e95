/**
 * Read-only queries of the console's imported number pages: the search across projects
 * with keyset paging, and what one number's page shows besides the number itself (its
 * qualification, the orders it was in, its callback events, its open operator tasks).
 */
import type { CallbackEventRow, ImportedNumberRow, OperatorTaskRow, QualifiedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { CONSOLE_PAGE_SIZE } from './operator-order-queries.js';

/** Max callback events one number's page lists, newest first. */
const MAX_NUMBER_EVENTS = 200;

export interface ImportedNumberListFilter {
  projectId?: string | undefined;
  /** Digits of the number; with a leading "+" they must start it, without one they may appear anywhere in it. */
  pattern?: string | undefined;
}

/** The position after the last number of a page: numbers sort by phone number, then project. */
export interface ImportedNumberCursor {
  phoneNumber: string;
  projectId: string;
}

export interface ImportedNumberListPage {
  rows: ImportedNumberRow[];
  next: ImportedNumberCursor | undefined;
}

/** Patterns the search accepts: up to 15 digits, optionally after a leading "+". */
export const NUMBER_SEARCH_PATTERN = /^\+?\d{1,15}$/;

/** Lists imported numbers for the console in phone number order, after `cursor` when given. */
export async function listImportedNumbersForConsole(
  ctx: AppContext,
  filter: ImportedNumberListFilter,
  cursor: ImportedNumberCursor | undefined,
): Promise<ImportedNumberListPage> {
  let query = ctx.storage.db.selectFrom('imported_numbers').selectAll();
  if (filter.projectId !== undefined) {
    query = query.where('project_id', '=', filter.projectId);
  }
  const pattern = filter.pattern;
  if (pattern !== undefined && NUMBER_SEARCH_PATTERN.test(pattern)) {
    query = query.where('phone_number', 'like', pattern.startsWith('+') ? `${pattern}%` : `%${pattern}%`);
  }
  if (cursor !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('phone_number', '>', cursor.phoneNumber),
        eb.and([eb('phone_number', '=', cursor.phoneNumber), eb('project_id', '>', cursor.projectId)]),
      ]),
    );
  }
  const rows = await query.orderBy('phone_number').orderBy('project_id').limit(CONSOLE_PAGE_SIZE + 1).execute();
  const pageRows = rows.slice(0, CONSOLE_PAGE_SIZE);
  const last = pageRows.at(-1);
  return {
    rows: pageRows,
    next: rows.length > CONSOLE_PAGE_SIZE && last !== undefined ? { phoneNumber: last.phone_number, projectId: last.project_id } : undefined,
  };
}

/** A hosting order a number was part of, with the number's step states in it. */
export interface NumberOrderEntry {
  hostingOrderId: string;
  orderType: string;
  orderState: string;
  isTollFree: boolean;
  osrState: string;
  platformState: string;
  campaignState: string;
  failureCode: string;
  createdMs: number;
}

export interface NumberRecords {
  importedNumber: ImportedNumberRow | undefined;
  qualifiedNumber: QualifiedNumberRow | undefined;
  orders: NumberOrderEntry[];
  /** Newest first, at most MAX_NUMBER_EVENTS. */
  callbackEvents: CallbackEventRow[];
  openTasks: OperatorTaskRow[];
}

/** Loads everything the console shows about one phone number of a project. Missing records are undefined or empty, and the caller decides what that means. */
export async function loadNumberRecords(ctx: AppContext, projectId: string, phoneNumber: string): Promise<NumberRecords> {
  const db = ctx.storage.db;
  const importedNumber = await db
    .selectFrom('imported_numbers')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('phone_number', '=', phoneNumber)
    .executeTakeFirst();
  const qualifiedNumber = await db
    .selectFrom('qualified_numbers')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('phone_number', '=', phoneNumber)
    .executeTakeFirst();
  const orderRows = await db
    .selectFrom('hosting_order_numbers as n')
    .innerJoin('hosting_orders as o', 'o.id', 'n.hosting_order_id')
    .select(['o.id', 'o.type', 'o.state', 'o.is_toll_free', 'n.osr_state', 'n.platform_state', 'n.campaign_state', 'n.failure_code', 'o.created_ms'])
    .where('n.project_id', '=', projectId)
    .where('n.phone_number', '=', phoneNumber)
    .orderBy('o.created_ms', 'desc')
    .execute();
  const callbackEvents = await db
    .selectFrom('callback_events')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('resource_id', '=', phoneNumber)
    .orderBy('created_ms', 'desc')
    .orderBy('id', 'desc')
    .limit(MAX_NUMBER_EVENTS)
    .execute();
  const openTasks = await db
    .selectFrom('operator_tasks')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('phone_number', '=', phoneNumber)
    .where('state', '=', 'OPEN')
    .orderBy('created_ms')
    .execute();
  return {
    importedNumber,
    qualifiedNumber,
    orders: orderRows.map((row) => ({
      hostingOrderId: row.id,
      orderType: row.type,
      orderState: row.state,
      isTollFree: row.is_toll_free === 1,
      osrState: row.osr_state,
      platformState: row.platform_state,
      campaignState: row.campaign_state,
      failureCode: row.failure_code,
      createdMs: row.created_ms,
    })),
    callbackEvents,
    openTasks,
  };
}
