import type { FieldViolation } from '../domain/errors.js';
import { describeValue } from '../domain/errors.js';
import { checkRegionCode } from '../domain/request-rules.js';
import { HOSTING_ORDER_STATES, HOSTING_ORDER_TYPES } from '../domain/states.js';
import type { HostingOrderRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import type { Page } from './pagination.js';
import { parsePageRequest, sortColumn, toPage } from './pagination.js';

export interface ListHostingOrdersQuery {
  states?: string;
  type?: string;
  servicePlanId?: string;
  campaignId?: string;
  regionCode?: string;
  orderBy?: string;
  pageToken?: string;
  pageSize?: number | string;
}

export type HostingOrderPage = Page<HostingOrderRow>;

function requireEnumFilter(value: string | undefined, field: string, allowed: readonly string[], violations: FieldViolation[]): string | undefined {
  if (value === undefined) {
    violations.push({ field, description: `is required; give one of ${allowed.join(', ')} (${allowed[0]} matches any).` });
    return undefined;
  }
  if (!allowed.includes(value)) {
    violations.push({ field, description: `${describeValue(value)} is not one of ${allowed.join(', ')}.` });
    return undefined;
  }
  return value === allowed[0] ? undefined : value;
}

function requireIdFilter(value: string | undefined, field: string, violations: FieldViolation[]): string | undefined {
  if (value === undefined) {
    violations.push({ field, description: 'is required; give an id, or an empty value to match any.' });
    return undefined;
  }
  return value === '' ? undefined : value;
}

/**
 * Lists a project's hosting orders. `states`, `type`, `servicePlanId` and `campaignId`
 * are required, as in the spec; an `*_UNSPECIFIED` value or an empty id matches any.
 */
export async function listHostingOrders(ctx: AppContext, projectId: string, query: ListHostingOrdersQuery): Promise<HostingOrderPage> {
  const violations: FieldViolation[] = [];
  const state = requireEnumFilter(query.states, 'states', HOSTING_ORDER_STATES, violations);
  const type = requireEnumFilter(query.type, 'type', HOSTING_ORDER_TYPES, violations);
  const servicePlanId = requireIdFilter(query.servicePlanId, 'servicePlanId', violations);
  const campaignId = requireIdFilter(query.campaignId, 'campaignId', violations);
  const regionCode = query.regionCode === undefined || query.regionCode === '' ? undefined : query.regionCode;
  if (regionCode !== undefined) {
    violations.push(...checkRegionCode(regionCode));
  }
  const page = parsePageRequest(query as Record<string, unknown>, { projectId, state, type, servicePlanId, campaignId, regionCode }, violations);
  const column = sortColumn(page.orderBy);

  let base = ctx.storage.db.selectFrom('hosting_orders').where('project_id', '=', projectId);
  if (state !== undefined) base = base.where('state', '=', state);
  if (type !== undefined) base = base.where('type', '=', type);
  if (servicePlanId !== undefined) base = base.where('service_plan_id', '=', servicePlanId);
  if (campaignId !== undefined) base = base.where('campaign_id', '=', campaignId);
  if (regionCode !== undefined) base = base.where('region_code', '=', regionCode);

  let pageQuery = base.selectAll();
  const cursor = page.cursor;
  if (cursor !== undefined) {
    pageQuery = pageQuery.where((eb) =>
      // Same rows as "after (time, id)", written so the index can seek to the time.
      eb.and([eb(column, '>=', cursor.sortMs), eb.or([eb(column, '>', cursor.sortMs), eb('id', '>', cursor.id)])]),
    );
  }
  const rows = await pageQuery.orderBy(column).orderBy('id').limit(page.pageSize + 1).execute();
  const totalSize = page.carriedTotal ?? Number((await base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count);
  return toPage(rows, page, (row) => row.id, totalSize);
}
