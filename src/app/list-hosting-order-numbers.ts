import type { FieldViolation } from '../domain/errors.js';
import { describeValue } from '../domain/errors.js';
import { STEP_STATES } from '../domain/states.js';
import type { HostingOrderNumberRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { getHostingOrder } from './get-hosting-order.js';
import type { Page } from './pagination.js';
import { parsePageRequest, sortColumn, toPage } from './pagination.js';

export interface ListHostingOrderNumbersQuery {
  osrUpdateState?: string;
  campaignProvisioningState?: string;
  platformProvisioningState?: string;
  orderBy?: string;
  pageToken?: string;
  pageSize?: number | string;
}

export type HostingOrderNumberPage = Page<HostingOrderNumberRow>;

function parseStateFilter(value: string | undefined, field: string, violations: FieldViolation[]): string | undefined {
  if (value === undefined || value === '' || value === 'STATE_UNSPECIFIED') {
    return undefined;
  }
  if (!(STEP_STATES as readonly string[]).includes(value)) {
    violations.push({ field, description: `${describeValue(value)} is not one of ${STEP_STATES.join(', ')}.` });
    return undefined;
  }
  return value;
}

/** Lists the numbers of one hosting order, filtered by step state. */
export async function listHostingOrderNumbers(
  ctx: AppContext,
  projectId: string,
  hostingOrderId: string,
  query: ListHostingOrderNumbersQuery,
): Promise<HostingOrderNumberPage> {
  const violations: FieldViolation[] = [];
  const osrState = parseStateFilter(query.osrUpdateState, 'osrUpdateState', violations);
  const campaignState = parseStateFilter(query.campaignProvisioningState, 'campaignProvisioningState', violations);
  const platformState = parseStateFilter(query.platformProvisioningState, 'platformProvisioningState', violations);
  const page = parsePageRequest(query as Record<string, unknown>, { projectId, hostingOrderId, osrState, campaignState, platformState }, violations);
  await getHostingOrder(ctx, projectId, hostingOrderId);
  const column = sortColumn(page.orderBy);

  let base = ctx.storage.db.selectFrom('hosting_order_numbers').where('hosting_order_id', '=', hostingOrderId);
  if (osrState !== undefined) base = base.where('osr_state', '=', osrState);
  if (campaignState !== undefined) base = base.where('campaign_state', '=', campaignState);
  if (platformState !== undefined) base = base.where('platform_state', '=', platformState);

  let pageQuery = base.selectAll();
  const cursor = page.cursor;
  if (cursor !== undefined) {
    pageQuery = pageQuery.where((eb) =>
      // Same rows as "after (time, id)", written so the index can seek to the time.
      eb.and([eb(column, '>=', cursor.sortMs), eb.or([eb(column, '>', cursor.sortMs), eb('phone_number', '>', cursor.id)])]),
    );
  }
  const rows = await pageQuery.orderBy(column).orderBy('phone_number').limit(page.pageSize + 1).execute();
  const totalSize = page.carriedTotal ?? Number((await base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count);
  return toPage(rows, page, (row) => row.phone_number, totalSize);
}
