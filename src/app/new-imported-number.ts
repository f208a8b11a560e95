import { CARRIERS } from '../domain/ports.js';
import type { NewImportedNumberRow } from '../storage/schema.js';
import type { CarrierStates } from './views.js';

export interface NewImportedNumber {
  projectId: string;
  phoneNumber: string;
  regionCode: string;
  displayName: string;
  callbackUrl: string | null;
  servicePlanId: string;
  campaignId: string;
  migrateToSinchTmo: boolean;
  isTollFree: boolean;
  hostingOrderId: string | null;
  nowMs: number;
}

/**
 * Builds the row of a newly imported number: SMS provisioning WAITING, and the campaign link
 * WAITING when a campaign is given, STATE_UNSPECIFIED otherwise.
 */
export function newImportedNumberRow(input: NewImportedNumber): NewImportedNumberRow {
  const hasCampaign = input.campaignId !== '';
  const nowIso = new Date(input.nowMs).toISOString();
  const carriers: CarrierStates = {};
  for (const carrier of CARRIERS) {
    carriers[carrier] = {
      state: hasCampaign ? 'WAITING' : 'STATE_UNSPECIFIED',
      errorCode: '',
      errorMessage: '',
      updateTime: nowIso,
      operation: hasCampaign ? 'PROVISIONING' : 'OPERATION_UNSPECIFIED',
    };
  }
  return {
    project_id: input.projectId,
    phone_number: input.phoneNumber,
    region_code: input.regionCode,
    display_name: input.displayName,
    callback_url: input.callbackUrl,
    service_plan_id: input.servicePlanId,
    campaign_id: input.campaignId,
    migrate_to_sinch_tmo: input.migrateToSinchTmo ? 1 : 0,
    is_toll_free: input.isTollFree ? 1 : 0,
    hosting_order_id: input.hostingOrderId,
    sms_service_id: input.servicePlanId,
    sms_type: 'PROVISIONING',
    sms_state: 'WAITING',
    sms_error_code: '',
    sms_error_message: '',
    sms_update_ms: input.nowMs,
    campaign_service_id: input.campaignId,
    campaign_type: 'PROVISIONING',
    campaign_state: hasCampaign ? 'WAITING' : 'STATE_UNSPECIFIED',
    campaign_error_code: '',
    campaign_error_message: '',
    campaign_update_ms: hasCampaign ? input.nowMs : null,
    mno_configuration: JSON.stringify(carriers),
    created_ms: input.nowMs,
    updated_ms: input.nowMs,
  };
}
