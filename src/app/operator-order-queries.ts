/**
 * Read-only queries of the console's hosting order pages. The order list shows every
 * project's orders or one project's, newest first, with keyset paging: at most
 * CONSOLE_PAGE_SIZE rows per page and a cursor to the next. The list also counts failed
 * numbers per order, and the order page reads its numbers' step error messages.
 */
import type { HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';

/** Rows per console list page. */
export const CONSOLE_PAGE_SIZE = 100;

/**
 * Order type filters of the console. The stored `type` is IMPORT or TYPE_TEXT_ENABLE,
 * and a toll-free text-enable order is TYPE_TEXT_ENABLE with `is_toll_free` set. So
 * TYPE_TEXT_ENABLE here means the standard (not toll-free) ones.
 */
export const ORDER_TYPE_FILTERS = ['IMPORT', 'TYPE_TEXT_ENABLE', 'TOLL_FREE'] as const;
export type OrderTypeFilter = (typeof ORDER_TYPE_FILTERS)[number];

export interface OrderListFilter {
  projectId?: string | undefined;
  state?: string | undefined;
  type?: OrderTypeFilter | undefined;
  /** Digits of a phone number in the order (a leading "+" means a prefix), or the start of an order id. */
  search?: string | undefined;
  /** Orders created at or after this time. */
  createdFromMs?: number | undefined;
  /** Orders created before this time. */
  createdBeforeMs?: number | undefined;
}

/** The position after the last order of a page: newest first, so the next page has older orders. */
export interface OrderCursor {
  createdMs: number;
  id: string;
}

export interface OrderListPage {
  rows: HostingOrderRow[];
  /** The cursor of the next page, or undefined on the last page. */
  next: OrderCursor | undefined;
}

/** Search text the order list accepts: digits with an optional leading "+", or letters and digits of an order id. */
export const ORDER_SEARCH_PATTERN = /^(?:\+?\d{1,15}|[0-9A-Za-z]{1,26})$/;

/** Encodes a keyset cursor for a console URL: base64url of a JSON array of strings and numbers. */
export function encodeConsoleCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by encodeConsoleCursor whose items have the given types.
 * Returns undefined for anything else, so a hand-edited cursor restarts at the first page.
 */
export function decodeConsoleCursor(raw: string | undefined, types: readonly ('string' | 'number')[]): (string | number)[] | undefined {
  if (raw === undefined || raw === '' || raw.length > 512 || !/^[A-Za-z0-9_-]+$/.test(raw)) {
    return undefined;
  }
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(values) || values.length !== types.length) {
    return undefined;
  }
  const isWellTyped = values.every((value, index) =>
    types[index] === 'number' ? Number.isSafeInteger(value) : typeof value === 'string' && value.length <= 128,
  );
  return isWellTyped ? (values as (string | number)[]) : undefined;
}

/** Lists hosting orders for the console, newest first, after `cursor` when given. */
export async function listOrdersForConsole(ctx: AppContext, filter: OrderListFilter, cursor: OrderCursor | undefined): Promise<OrderListPage> {
  let query = ctx.storage.db.selectFrom('hosting_orders').selectAll();
  if (filter.projectId !== undefined) {
    query = query.where('project_id', '=', filter.projectId);
  }
  if (filter.state !== undefined) {
    query = query.where('state', '=', filter.state);
  }
  if (filter.type === 'IMPORT') {
    query = query.where('type', '=', 'IMPORT');
  } else if (filter.type !== undefined) {
    query = query.where('type', '=', 'TYPE_TEXT_ENABLE').where('is_toll_free', '=', filter.type === 'TOLL_FREE' ? 1 : 0);
  }
  if (filter.createdFromMs !== undefined) {
    query = query.where('created_ms', '>=', filter.createdFromMs);
  }
  if (filter.createdBeforeMs !== undefined) {
    query = query.where('created_ms', '<', filter.createdBeforeMs);
  }

  const search = filter.search;
  if (search !== undefined && ORDER_SEARCH_PATTERN.test(search)) {
    const isNumberSearch = /^\+?\d+$/.test(search);
    // Ids are lowercase ULIDs and PostgreSQL's LIKE is case-sensitive, so the search is lowercased.
    const idPrefix = `${search.toLowerCase()}%`;
    const numberPattern = search.startsWith('+') ? `${search}%` : `%${search}%`;
    query = query.where((eb) =>
      isNumberSearch
        ? eb.or([
            eb('id', 'like', idPrefix),
            eb('id', 'in', eb.selectFrom('hosting_order_numbers').select('hosting_order_id').where('phone_number', 'like', numberPattern)),
          ])
        : eb('id', 'like', idPrefix),
    );
  }

  if (cursor !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('created_ms', '<', cursor.createdMs), eb.and([eb('created_ms', '=', cursor.createdMs), eb('id', '<', cursor.id)])]),
    );
  }

  const rows = await query
    .orderBy('created_ms', 'desc')
    .orderBy('id', 'desc')
    .limit(CONSOLE_PAGE_SIZE + 1)
    .execute();
  const pageRows = rows.slice(0, CONSOLE_PAGE_SIZE);
  const last = pageRows.at(-1);
  return {
    rows: pageRows,
    next: rows.length > CONSOLE_PAGE_SIZE && last !== undefined ? { createdMs: last.created_ms, id: last.id } : undefined,
  };
}

/**
 * Counts, per order, the numbers with a failed step: a failure code or any step FAILED.
 * One grouped query for all the orders of a list page; orders without such numbers are
 * absent from the map.
 */
export async function countFailedNumbers(ctx: AppContext, hostingOrderIds: readonly string[]): Promise<Map<string, number>> {
  if (hostingOrderIds.length === 0) {
    return new Map();
  }
  const rows = await ctx.storage.db
    .selectFrom('hosting_order_numbers')
    .select((eb) => ['hosting_order_id', eb.fn.countAll<number | string | bigint>().as('failed_count')])
    .where('hosting_order_id', 'in', [...hostingOrderIds])
    .where((eb) =>
      eb.or([eb('failure_code', '!=', ''), eb('osr_state', '=', 'FAILED'), eb('platform_state', '=', 'FAILED'), eb('campaign_state', '=', 'FAILED')]),
    )
    .groupBy('hosting_order_id')
    .execute();
  return new Map(rows.map((row) => [row.hosting_order_id, Number(row.failed_count)]));
}

/** The error messages of an imported number's SMS platform and campaign steps; empty when the step has none. */
export interface StepErrorMessages {
  sms: string;
  campaign: string;
}

/**
 * Reads the step error messages of an order's numbers, keyed by phone number. Only
 * imported numbers whose hosting_order_id is this order count, because the steps of a
 * number deleted and imported again belong to the later order.
 */
export async function loadStepErrorMessages(ctx: AppContext, projectId: string, hostingOrderId: string): Promise<Map<string, StepErrorMessages>> {
  const rows = await ctx.storage.db
    .selectFrom('imported_numbers')
    .select(['phone_number', 'sms_error_message', 'campaign_error_message'])
    .where('project_id', '=', projectId)
    .where('hosting_order_id', '=', hostingOrderId)
    .where((eb) => eb.or([eb('sms_error_message', '!=', ''), eb('campaign_error_message', '!=', '')]))
    .execute();
  return new Map(rows.map((row) => [row.phone_number, { sms: row.sms_error_message, campaign: row.campaign_error_message }]));
}
