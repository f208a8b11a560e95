import type { Insertable } from 'kysely';
import type { HostingOrderNumbersTable } from '../storage/schema.js';

export interface NewOrderNumbers {
  hostingOrderId: string;
  projectId: string;
  /** E.164 numbers in request order; the position of each is its index. */
  phoneNumbers: readonly string[];
  nnid: string;
  /** DONE for import orders, whose numbers already point at the hosting NNID; WAITING for text-enable orders. */
  osrState: 'DONE' | 'WAITING';
  servicePlanId: string;
  /** Empty when the order links no campaign: the campaign step is then STATE_UNSPECIFIED. */
  campaignId: string;
  nowMs: number;
}

/** Builds the hosting_order_numbers rows of a new order: every step not yet run, no failure, no task. */
export function newOrderNumberRows(input: NewOrderNumbers): Insertable<HostingOrderNumbersTable>[] {
  return input.phoneNumbers.map((phoneNumber, position) => ({
    hosting_order_id: input.hostingOrderId,
    project_id: input.projectId,
    phone_number: phoneNumber,
    position,
    osr_nnid: input.nnid,
    osr_state: input.osrState,
    platform_service_plan_id: input.servicePlanId,
    platform_state: 'WAITING',
    campaign_id: input.campaignId,
    campaign_state: input.campaignId === '' ? 'STATE_UNSPECIFIED' : 'WAITING',
    carriers: '{}',
    failure_code: '',
    is_manual_action: 0,
    created_ms: input.nowMs,
    updated_ms: input.nowMs,
  }));
}
