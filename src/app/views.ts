/**
 * Conversions from stored rows to the API's response shapes. Field order follows the
 * spec so that responses read like its examples.
 */
import type { Carrier } from '../domain/ports.js';
import { CARRIERS } from '../domain/ports.js';
import { toIsoTime } from '../domain/time.js';
import type { HostingOrderNumberRow, HostingOrderRow, ImportedNumberRow, QualifiedNumberRow } from '../storage/schema.js';

export interface CarrierStateView {
  state: string;
  errorCode: string;
  errorMessage: string;
  updateTime: string;
  operation?: string;
}

export type CarrierStates = Partial<Record<Carrier, CarrierStateView>>;

export function parseCarrierStates(json: string): CarrierStates {
  return JSON.parse(json) as CarrierStates;
}

/** Builds the spec's `ImportedNumber`, which POST and PATCH return. */
export function importedNumberView(row: ImportedNumberRow) {
  return {
    phoneNumber: row.phone_number,
    projectId: row.project_id,
    regionCode: row.region_code,
    displayName: row.display_name,
    smsConfiguration: {
      servicePlanId: row.service_plan_id,
      campaignId: row.campaign_id,
      migrateToSinchTmo: row.migrate_to_sinch_tmo === 1,
    },
    callbackUrl: row.callback_url ?? '',
  };
}

function provisioningView(
  serviceType: 'SMS' | 'CAMPAIGN',
  serviceId: string,
  type: string,
  state: string,
  updateMs: number | null,
  errorMessage: string,
  errorCode: string,
) {
  return {
    serviceType,
    serviceId,
    type,
    state,
    updateTime: updateMs === null ? '' : toIsoTime(updateMs),
    errorMessage,
    errorCode,
  };
}

/** Builds the spec's `ImportedNumberResponse`, which GET and list return. */
export function importedNumberResponseView(row: ImportedNumberRow) {
  const carriers = parseCarrierStates(row.mno_configuration);
  const mnoConfiguration: CarrierStates = {};
  for (const carrier of CARRIERS) {
    const state = carriers[carrier];
    if (state !== undefined) {
      mnoConfiguration[carrier] = state;
    }
  }
  return {
    ...importedNumberView(row),
    mnoConfiguration,
    smsProvisioning: provisioningView(
      'SMS',
      row.sms_service_id,
      row.sms_type,
      row.sms_state,
      row.sms_update_ms,
      row.sms_error_message,
      row.sms_error_code,
    ),
    campaignProvisioning: provisioningView(
      'CAMPAIGN',
      row.campaign_service_id,
      row.campaign_type,
      row.campaign_state,
      row.campaign_update_ms,
      row.campaign_error_message,
      row.campaign_error_code,
    ),
  };
}

/** Builds the spec's `ImportHostingOrder` (IMPORT orders) or `HostingOrder` (text-enable orders). */
export function hostingOrderView(row: HostingOrderRow) {
  const base = {
    projectId: row.project_id,
    hostingOrderId: row.id,
    displayName: row.display_name,
    regionCode: row.region_code,
    state: row.state,
    type: row.type,
    createdTime: toIsoTime(row.created_ms),
    updatedTime: toIsoTime(row.updated_ms),
  };
  const rest = {
    servicePlanId: row.service_plan_id,
    campaignId: row.campaign_id,
    migrateToSinchTmo: row.migrate_to_sinch_tmo === 1,
    callbackUrl: row.callback_url ?? '',
  };
  if (row.type === 'IMPORT') {
    return { ...base, ...rest };
  }
  return {
    ...base,
    ...(row.scheduled_osr_update_ms === null ? {} : { scheduledOsrUpdateTime: toIsoTime(row.scheduled_osr_update_ms) }),
    ...rest,
    ...(row.text_enable_info === null ? {} : { textEnableInfo: JSON.parse(row.text_enable_info) as unknown }),
  };
}

/** Builds the spec's `HostingOrderNumber`: step states plus the carrier states at the top level. */
export function hostingOrderNumberView(row: HostingOrderNumberRow) {
  const carriers = parseCarrierStates(row.carriers);
  const view: Record<string, unknown> = {
    projectId: row.project_id,
    hostingOrderId: row.hosting_order_id,
    phoneNumber: row.phone_number,
    osrUpdate: { nnid: row.osr_nnid, state: row.osr_state },
    campaignProvisioning: { campaignId: row.campaign_id, state: row.campaign_state },
    platformProvisioning: { servicePlanId: row.platform_service_plan_id, state: row.platform_state },
  };
  for (const carrier of CARRIERS) {
    const state = carriers[carrier];
    if (state !== undefined) {
      const { operation: _operation, ...withoutOperation } = state;
      view[carrier] = withoutOperation;
    }
  }
  return view;
}

/** Computes the spec's `HostingOrderReport` from the per-number step states. */
export function hostingOrderReportView(rows: HostingOrderNumberRow[]) {
  return {
    total: rows.length,
    osrUpdated: rows.filter((row) => row.osr_state === 'DONE').length,
    smsProvisioned: rows.filter((row) => row.platform_state === 'DONE').length,
    addedToCampaign: rows.filter((row) => row.campaign_state === 'DONE').length,
    ongoingManualAction: rows.filter((row) => row.is_manual_action === 1).length,
  };
}

/** Builds the spec's `QualifiedNumber`. */
export function qualifiedNumberView(row: QualifiedNumberRow) {
  return {
    phoneNumber: row.phone_number,
    projectId: row.project_id,
    regionCode: row.region_code,
    globalProcessState: row.state,
    osrEligibility: { status: row.osr_eligibility_status, error: row.osr_eligibility_error },
    ownershipVerification: { status: row.ownership_status, error: row.ownership_error },
    hostedNumber: { status: row.hosted_status, error: row.hosted_error },
    createdTime: toIsoTime(row.created_ms),
    updatedTime: toIsoTime(row.updated_ms),
  };
}
