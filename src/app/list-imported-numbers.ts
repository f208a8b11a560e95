import type { FieldViolation } from '../domain/errors.js';
import { describeValue } from '../domain/errors.js';
import { checkRegionCode } from '../domain/request-rules.js';
import type { SearchPattern } from '../domain/states.js';
import { SEARCH_PATTERNS } from '../domain/states.js';
import type { ImportedNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { readImportedNumberCount } from './number-counter.js';
import type { Page } from './pagination.js';
import { parsePageRequest, sortColumn, toPage } from './pagination.js';

export interface ListImportedNumbersQuery {
  regionCode?: string;
  'numberPattern.pattern'?: string;
  'numberPattern.searchPattern'?: string;
  servicePlanId?: string;
  campaignId?: string;
  pageSize?: number | string;
  pageToken?: string;
  orderBy?: string;
}

export type ImportedNumberPage = Page<ImportedNumberRow>;

interface NumberPattern {
  likePattern: string;
}

function parseNumberPattern(query: ListImportedNumbersQuery, violations: FieldViolation[]): NumberPattern | undefined {
  const given = query['numberPattern.pattern'];
  // An unencoded "+" in a query string decodes to a space, and a pattern has no other
  // use for a leading space, so " 1202" is read as "+1202".
  const pattern = given !== undefined && /^ \d{1,15}$/.test(given) ? `+${given.slice(1)}` : given;
  const rawSearch = query['numberPattern.searchPattern'];
  if (rawSearch !== undefined && rawSearch !== '' && !(SEARCH_PATTERNS as readonly string[]).includes(rawSearch)) {
    violations.push({ field: 'numberPattern.searchPattern', description: `${describeValue(rawSearch)} is not supported; use START, CONTAIN or END.` });
    return undefined;
  }
  if (pattern === undefined || pattern === '') {
    return undefined;
  }
  if (!/^\+?\d{1,15}$/.test(pattern)) {
    const hint = pattern.startsWith(' ') ? ' A "+" in a query string decodes to a space; encode it as %2B.' : '';
    violations.push({
      field: 'numberPattern.pattern',
      description: `${describeValue(pattern)} is not a digit sequence; use up to 15 digits, optionally after a leading "+".${hint}`,
    });
    return undefined;
  }
  const search = (rawSearch === undefined || rawSearch === '' ? 'START' : rawSearch) as SearchPattern;
  if (search === 'START') {
    return { likePattern: `${pattern.startsWith('+') ? pattern : `+${pattern}`}%` };
  }
  if (pattern.startsWith('+') && search === 'END') {
    violations.push({ field: 'numberPattern.pattern', description: 'must not contain "+" with END; give the last digits only.' });
    return undefined;
  }
  return { likePattern: search === 'END' ? `%${pattern}` : `%${pattern}%` };
}

/** Lists a project's imported numbers with the spec's filters and keyset pagination. */
export async function listImportedNumbers(ctx: AppContext, projectId: string, query: ListImportedNumbersQuery): Promise<ImportedNumberPage> {
  const violations: FieldViolation[] = [];
  const regionCode = query.regionCode === undefined || query.regionCode === '' ? undefined : query.regionCode;
  if (regionCode !== undefined) {
    violations.push(...checkRegionCode(regionCode));
  }
  const numberPattern = parseNumberPattern(query, violations);
  const servicePlanId = query.servicePlanId === '' ? undefined : query.servicePlanId;
  const campaignId = query.campaignId === '' ? undefined : query.campaignId;
  const filters = { regionCode, numberPattern: numberPattern?.likePattern, servicePlanId, campaignId };
  const page = parsePageRequest(query as Record<string, unknown>, { projectId, ...filters }, violations);
  const column = sortColumn(page.orderBy);

  let base = ctx.storage.db.selectFrom('imported_numbers').where('project_id', '=', projectId);
  if (regionCode !== undefined) base = base.where('region_code', '=', regionCode);
  if (numberPattern !== undefined) base = base.where('phone_number', 'like', numberPattern.likePattern);
  if (servicePlanId !== undefined) base = base.where('service_plan_id', '=', servicePlanId);
  if (campaignId !== undefined) base = base.where('campaign_id', '=', campaignId);

  let pageQuery = base.selectAll();
  const cursor = page.cursor;
  if (cursor !== undefined) {
    pageQuery = pageQuery.where((eb) =>
      // Same rows as "after (time, id)", written so the index can seek to the time.
      eb.and([eb(column, '>=', cursor.sortMs), eb.or([eb(column, '>', cursor.sortMs), eb('phone_number', '>', cursor.id)])]),
    );
  }
  const rows = await pageQuery
    .orderBy(column)
    .orderBy('phone_number')
    .limit(page.pageSize + 1)
    .execute();
  const isUnfiltered = Object.values(filters).every((value) => value === undefined);
  const totalSize =
    page.carriedTotal ??
    (isUnfiltered
      ? await readImportedNumberCount(ctx.storage.db, projectId)
      : Number((await base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count));

  return toPage(rows, page, (row) => row.phone_number, totalSize);
}
