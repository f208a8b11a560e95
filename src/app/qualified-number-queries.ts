import type { FieldViolation } from '../domain/errors.js';
import { describeValue, notFound } from '../domain/errors.js';
import { QUALIFIED_NUMBER_STATES } from '../domain/qualification.js';
import { checkRegionCode } from '../domain/request-rules.js';
import type { QualifiedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import type { Page } from './pagination.js';
import { parsePageRequest, sortColumn, toPage } from './pagination.js';

export async function getQualifiedNumber(ctx: AppContext, projectId: string, phoneNumber: string): Promise<QualifiedNumberRow> {
  const row = await ctx.storage.db
    .selectFrom('qualified_numbers')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('phone_number', '=', phoneNumber)
    .executeTakeFirst();
  if (row === undefined) {
    throw notFound(`${phoneNumber} is not a qualified number of project ${projectId}. Add it with qualifiedNumbers:addNumbers first.`);
  }
  return row;
}

export interface ListQualifiedNumbersQuery {
  states?: string;
  regionCode?: string;
  orderBy?: string;
  pageToken?: string;
  pageSize?: number | string;
}

/**
 * Lists a project's qualified numbers. `states` is required, as in the spec;
 * GLOBAL_PROCESS_STATE_UNSPECIFIED matches every state.
 */
export async function listQualifiedNumbers(ctx: AppContext, projectId: string, query: ListQualifiedNumbersQuery): Promise<Page<QualifiedNumberRow>> {
  const violations: FieldViolation[] = [];
  let state: string | undefined;
  if (query.states === undefined) {
    violations.push({ field: 'states', description: `is required; give one of ${QUALIFIED_NUMBER_STATES.join(', ')} (GLOBAL_PROCESS_STATE_UNSPECIFIED matches any).` });
  } else if (!(QUALIFIED_NUMBER_STATES as readonly string[]).includes(query.states)) {
    violations.push({ field: 'states', description: `${describeValue(query.states)} is not one of ${QUALIFIED_NUMBER_STATES.join(', ')}.` });
  } else if (query.states !== 'GLOBAL_PROCESS_STATE_UNSPECIFIED') {
    state = query.states;
  }
  const regionCode = query.regionCode === undefined || query.regionCode === '' ? undefined : query.regionCode;
  if (regionCode !== undefined) {
    violations.push(...checkRegionCode(regionCode));
  }
  const page = parsePageRequest(query as Record<string, unknown>, { projectId, list: 'qualified', state, regionCode }, violations);
  const column = sortColumn(page.orderBy);

  let base = ctx.storage.db.selectFrom('qualified_numbers').where('project_id', '=', projectId);
  if (state !== undefined) {
    base = base.where('state', '=', state);
  }
  if (regionCode !== undefined) {
    base = base.where('region_code', '=', regionCode);
  }
  let rowsQuery = base.selectAll();
  const cursor = page.cursor;
  if (cursor !== undefined) {
    rowsQuery = rowsQuery.where((eb) =>
      eb.or([eb(column, '>', cursor.sortMs), eb.and([eb(column, '=', cursor.sortMs), eb('phone_number', '>', cursor.id)])]),
    );
  }
  const rows = await rowsQuery.orderBy(column).orderBy('phone_number').limit(page.pageSize + 1).execute();
  let total = page.carriedTotal;
  if (total === undefined) {
    const counted = await base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    total = Number(counted.count);
  }
  return toPage(rows, page, (row) => row.phone_number, total);
}
