import type { components } from './api-types.js';

type SpecPayload = components['schemas']['CallbackPayload'];

export type CallbackResourceType = NonNullable<SpecPayload['resourceType']>;
export type CallbackEventType = NonNullable<SpecPayload['eventType']>;
export type CallbackStatus = NonNullable<SpecPayload['status']>;
export type CallbackFailureCode = NonNullable<SpecPayload['failureCode']>;

/**
 * A callback event as `parseCallbackPayload` returns it: the spec's `CallbackPayload`,
 * with every field but `failureCode` present.
 */
export interface CallbackPayload {
  /** Same in every delivery attempt of the event; skip ids already processed. */
  eventId: string;
  projectId: string;
  resourceType: CallbackResourceType;
  /** The phone number (E.164), or another resource id for other resource types. */
  resourceId: string;
  eventType: CallbackEventType;
  status: CallbackStatus;
  /** Only on some FAILED events. */
  failureCode?: CallbackFailureCode;
  /** ISO 8601 UTC time at which the event was queued, not sent. */
  timestamp: string;
}

/** Raised by `parseCallbackPayload` for a body that is not a callback event. */
export class CallbackPayloadError extends Error {
  override readonly name = 'CallbackPayloadError';
}

/**
 * Every value of each enum of the spec's CallbackPayload. `satisfies` rejects a value
 * the spec lacks, and `AllListed` below rejects a spec value missing here.
 */
const RESOURCE_TYPES = ['IMPORTED_NUMBER', 'HOSTING_ORDER_NUMBER'] as const satisfies readonly CallbackResourceType[];
const EVENT_TYPES = [
  'PROVISIONING_TO_SMS_PLATFORM',
  'DEPROVISIONING_TO_SMS_PLATFORM',
  'LINK_TO_10DLC_CAMPAIGN',
  'UNLINK_TO_10DLC_CAMPAIGN',
  'HOSTING_PROCESS',
  'OSR_UPDATE',
  'DELETE',
] as const satisfies readonly CallbackEventType[];
const STATUSES = ['SUCCEEDED', 'FAILED'] as const satisfies readonly CallbackStatus[];
const FAILURE_CODES = [
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
] as const satisfies readonly CallbackFailureCode[];

type AllListed<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : never;
const ENUMS_COMPLETE: [
  AllListed<CallbackResourceType, (typeof RESOURCE_TYPES)[number]>,
  AllListed<CallbackEventType, (typeof EVENT_TYPES)[number]>,
  AllListed<CallbackStatus, (typeof STATUSES)[number]>,
  AllListed<CallbackFailureCode, (typeof FAILURE_CODES)[number]>,
] = [true, true, true, true];
void ENUMS_COMPLETE;

function decodeBody(raw: Uint8Array | string): string {
  if (typeof raw === 'string') {
    return raw;
  }
  if (!(raw instanceof Uint8Array)) {
    throw new TypeError(`parseCallbackPayload needs the body as a Buffer, Uint8Array or string, got ${raw === null ? 'null' : typeof raw}.`);
  }
  try {
    // fatal: invalid UTF-8 is an error, not replacement characters; a leading BOM is dropped.
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new CallbackPayloadError('The callback body is not valid UTF-8.');
  }
}

function requiredText(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') {
    throw new CallbackPayloadError(`The callback payload has no ${name}: expected a non-empty string, got ${JSON.stringify(value) ?? 'nothing'}.`);
  }
  return value;
}

function oneOf<Value extends string>(fields: Record<string, unknown>, name: string, allowed: readonly Value[]): Value {
  const value = requiredText(fields, name);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CallbackPayloadError(`The callback payload has ${name} ${JSON.stringify(value)}, which is not one of ${allowed.join(', ')}.`);
  }
  return value as Value;
}

/**
 * Parses the body of a callback into a typed event, after `verifyCallbackSignature`
 * has accepted it. Throws `CallbackPayloadError` for a body that is not UTF-8 JSON, not
 * an object, lacks a field, or has a value the spec does not list (for example a new
 * event type). Fields the spec does not define are dropped.
 *
 * @example
 * const event = parseCallbackPayload(rawBody);
 * if (event.eventType === 'HOSTING_PROCESS' && event.status === 'FAILED') {
 *   console.log(event.resourceId, event.failureCode);
 * }
 */
export function parseCallbackPayload(raw: Uint8Array | string): CallbackPayload {
  const text = decodeBody(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CallbackPayloadError(`The callback body is not JSON: ${(error as Error).message}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CallbackPayloadError(`The callback body must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}.`);
  }
  const fields = parsed as Record<string, unknown>;
  const timestamp = requiredText(fields, 'timestamp');
  if (Number.isNaN(Date.parse(timestamp))) {
    throw new CallbackPayloadError(`The callback payload has timestamp ${JSON.stringify(timestamp)}, which is not an ISO 8601 time.`);
  }
  const payload: CallbackPayload = {
    eventId: requiredText(fields, 'eventId'),
    projectId: requiredText(fields, 'projectId'),
    resourceType: oneOf(fields, 'resourceType', RESOURCE_TYPES),
    resourceId: requiredText(fields, 'resourceId'),
    eventType: oneOf(fields, 'eventType', EVENT_TYPES),
    status: oneOf(fields, 'status', STATUSES),
    timestamp,
  };
  if (fields.failureCode !== undefined && fields.failureCode !== '') {
    payload.failureCode = oneOf(fields, 'failureCode', FAILURE_CODES);
  }
  return payload;
}
