import { createHash } from 'node:crypto';
import type { FieldViolation } from '../domain/errors.js';
import { describeValue, invalidArgument } from '../domain/errors.js';
import type { OrderByField } from '../domain/states.js';
import { ORDER_BY_FIELDS } from '../domain/states.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** totalSize is an int32 in the spec. */
const MAX_TOTAL_SIZE = 2 ** 31 - 1;

/** The position after the last item of a page: its sort time and its id, which breaks ties. */
export interface Cursor {
  sortMs: number;
  id: string;
}

export interface PageRequest {
  pageSize: number;
  orderBy: OrderByField;
  cursor: Cursor | undefined;
  /**
   * totalSize as counted for the first page. Later pages repeat it instead of counting
   * again, so deep pages cost the same as the first.
   */
  carriedTotal: number | undefined;
  /** Fingerprint of the filters, stored in the token so that it cannot be reused with other filters. */
  filterKey: string;
}

interface TokenBody {
  v: 1;
  o: OrderByField;
  f: string;
  t: number;
  i: string;
  n?: number;
}

export function filterFingerprint(filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.entries(filters).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

function parsePageSize(raw: unknown, violations: FieldViolation[]): number {
  if (raw === undefined || raw === '') {
    return DEFAULT_PAGE_SIZE;
  }
  const value = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw)) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 0) {
    violations.push({ field: 'pageSize', description: `${describeValue(raw)} is not a non-negative integer.` });
    return DEFAULT_PAGE_SIZE;
  }
  if (value === 0) {
    return DEFAULT_PAGE_SIZE;
  }
  return Math.min(value, MAX_PAGE_SIZE);
}

function parseOrderBy(raw: unknown, violations: FieldViolation[]): OrderByField {
  if (raw === undefined || raw === '') {
    return 'createdTime';
  }
  if (typeof raw === 'string' && (ORDER_BY_FIELDS as readonly string[]).includes(raw)) {
    return raw as OrderByField;
  }
  violations.push({ field: 'orderBy', description: `${describeValue(raw)} is not supported; use "createdTime" or "updatedTime".` });
  return 'createdTime';
}

function decodeToken(
  raw: string,
  orderBy: OrderByField,
  filterKey: string,
  violations: FieldViolation[],
): (Cursor & { total: number | undefined }) | undefined {
  let body: TokenBody | undefined;
  try {
    body = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    body = undefined;
  }
  const isWellFormed =
    body !== undefined &&
    body !== null &&
    body.v === 1 &&
    Number.isSafeInteger(body.t) &&
    body.t >= 0 &&
    typeof body.i === 'string' &&
    /^\+?[A-Za-z0-9]{1,64}$/.test(body.i) &&
    (body.n === undefined || (Number.isInteger(body.n) && body.n >= 0 && body.n <= MAX_TOTAL_SIZE)) &&
    /^[A-Za-z0-9_-]+$/.test(raw) &&
    Buffer.from(raw, 'base64url').toString('base64url') === raw;
  if (!isWellFormed || body === undefined) {
    violations.push({ field: 'pageToken', description: `${describeValue(raw)} is not a page token from this server; use the nextPageToken of the previous page.` });
    return undefined;
  }
  if (body.o !== orderBy || body.f !== filterKey) {
    violations.push({
      field: 'pageToken',
      description: 'was issued for a list with other filters or another orderBy; repeat the same query parameters as the previous page.',
    });
    return undefined;
  }
  return { sortMs: body.t, id: body.i, total: body.n };
}

/** Parses `pageSize`, `orderBy` and `pageToken`, throwing a 400 that names each bad one. */
export function parsePageRequest(query: Record<string, unknown>, filters: Record<string, unknown>, extraViolations: FieldViolation[] = []): PageRequest {
  const violations: FieldViolation[] = [...extraViolations];
  const pageSize = parsePageSize(query.pageSize, violations);
  const orderBy = parseOrderBy(query.orderBy, violations);
  const filterKey = filterFingerprint(filters);
  const rawToken = query.pageToken;
  const decoded =
    typeof rawToken === 'string' && rawToken !== '' ? decodeToken(rawToken, orderBy, filterKey, violations) : undefined;
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
  const cursor = decoded === undefined ? undefined : { sortMs: decoded.sortMs, id: decoded.id };
  return { pageSize, orderBy, cursor, carriedTotal: decoded?.total, filterKey };
}

export function encodePageToken(page: PageRequest, last: Cursor, total: number): string {
  const body: TokenBody = { v: 1, o: page.orderBy, f: page.filterKey, t: last.sortMs, i: last.id, n: total };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export interface Page<Row> {
  rows: Row[];
  nextPageToken: string;
  totalSize: number;
}

/**
 * Builds a page from up to `pageSize + 1` rows read in sort order: the extra row only
 * shows that another page exists, and the token points after the last row kept.
 */
export function toPage<Row extends Record<'created_ms' | 'updated_ms', number>>(
  rows: Row[],
  page: PageRequest,
  idOf: (row: Row) => string,
  totalSize: number,
): Page<Row> {
  const hasMore = rows.length > page.pageSize;
  const pageRows = hasMore ? rows.slice(0, page.pageSize) : rows;
  const last = pageRows.at(-1);
  let nextPageToken = '';
  if (hasMore && last !== undefined) {
    nextPageToken = encodePageToken(page, { sortMs: last[sortColumn(page.orderBy)], id: idOf(last) }, totalSize);
  }
  return { rows: pageRows, nextPageToken, totalSize };
}

/** Returns the column of the sort field in the listed table. */
export function sortColumn(orderBy: OrderByField): 'created_ms' | 'updated_ms' {
  return orderBy === 'updatedTime' ? 'updated_ms' : 'created_ms';
}
