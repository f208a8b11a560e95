/** Callback events, with the payload the spec calls `CallbackPayload`. */

export const RESOURCE_TYPES = ['IMPORTED_NUMBER', 'HOSTING_ORDER_NUMBER'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const EVENT_TYPES = [
  'PROVISIONING_TO_SMS_PLATFORM',
  'DEPROVISIONING_TO_SMS_PLATFORM',
  'LINK_TO_10DLC_CAMPAIGN',
  'UNLINK_TO_10DLC_CAMPAIGN',
  'HOSTING_PROCESS',
  'OSR_UPDATE',
  'DELETE',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_STATUSES = ['SUCCEEDED', 'FAILED'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const FAILURE_CODES = [
  'CAMPAIGN_NOT_AVAILABLE',
  'EXCEEDED_10DLC_LIMIT',
  'NUMBER_PROVISIONING_FAILED',
  'PARTNER_SERVICE_UNAVAILABLE',
  'CAMPAIGN_PENDING_ACCEPTANCE',
  'MNO_SHARING_ERROR',
  'CAMPAIGN_PROVISIONING_FAILED',
  'CAMPAIGN_EXPIRED',
  'CAMPAIGN_MNO_REJECTED',
  'CAMPAIGN_MNO_SUSPENDED',
  'CAMPAIGN_MNO_REVIEW',
  'INSUFFICIENT_BALANCE',
  'MOCK_CAMPAIGN_NOT_ALLOWED',
  'TFN_NOT_ALLOWED',
  'INVALID_NNID',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === 'string' && (FAILURE_CODES as readonly string[]).includes(value);
}

/** The JSON body of one callback, in the spec's field order. */
export interface CallbackPayload {
  resourceType: ResourceType;
  eventType: EventType;
  eventId: string;
  timestamp: string;
  projectId: string;
  resourceId: string;
  status: EventStatus;
  failureCode?: FailureCode;
}

/** An event a use case or job raises; the outbox adds the id and the time. */
export interface NewEvent {
  projectId: string;
  resourceType: ResourceType;
  resourceId: string;
  eventType: EventType;
  status: EventStatus;
  failureCode?: FailureCode | undefined;
  /** Destination URL of the event. Events without one are recorded but not delivered. */
  callbackUrl: string | null;
  hostingOrderId?: string | null;
}
