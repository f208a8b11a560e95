import type { Transaction } from 'kysely';
import { nextHostingOrderState } from '../domain/states.js';
import type { Database } from '../storage/schema.js';
import type { AppContext } from './context.js';

const FINAL_PLATFORM_STATES = ['DONE', 'FAILED'];
const FINAL_CAMPAIGN_STATES = ['DONE', 'FAILED', 'STATE_UNSPECIFIED'];

/**
 * Completes an IN_PROGRESS order once every number's steps have ended. Failed numbers
 * do not hold the order back: their results are in their states and callbacks. The
 * caller holds the order's row lock, so two numbers ending at once cannot both miss
 * the completion.
 */
export async function finishHostingOrderIfDone(trx: Transaction<Database>, ctx: AppContext, hostingOrderId: string): Promise<boolean> {
  const unfinished = await trx
    .selectFrom('hosting_order_numbers')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('hosting_order_id', '=', hostingOrderId)
    .where((eb) =>
      eb.or([eb('platform_state', 'not in', FINAL_PLATFORM_STATES), eb('campaign_state', 'not in', FINAL_CAMPAIGN_STATES)]),
    )
    .executeTakeFirstOrThrow();
  if (Number(unfinished.count) > 0) {
    return false;
  }
  const completed = nextHostingOrderState('IN_PROGRESS', 'finish');
  if (completed === undefined) {
    return false;
  }
  const result = await trx
    .updateTable('hosting_orders')
    .set({ state: completed, updated_ms: ctx.clock.now() })
    .where('id', '=', hostingOrderId)
    .where('state', '=', 'IN_PROGRESS')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
