import type { FailureCode } from './events.js';

/**
 * Operator tasks: in manual carrier mode each carrier-facing step (OSR update, SMS
 * platform provisioning, campaign link) becomes a task that an operator does by hand
 * and then completes, or fails with one of the spec's failure codes. The service
 * cancels an OPEN task whose step no longer needs doing: its order was rejected or its
 * imported number deleted.
 */

export const OPERATOR_TASK_KINDS = ['OSR_UPDATE', 'SMS_PROVISIONING', 'SMS_DEPROVISIONING', 'CAMPAIGN_LINK', 'CAMPAIGN_UNLINK'] as const;
export type OperatorTaskKind = (typeof OPERATOR_TASK_KINDS)[number];

export const OPERATOR_TASK_STATES = ['OPEN', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type OperatorTaskState = (typeof OPERATOR_TASK_STATES)[number];

export function isOperatorTaskKind(value: unknown): value is OperatorTaskKind {
  return typeof value === 'string' && (OPERATOR_TASK_KINDS as readonly string[]).includes(value);
}

const CAMPAIGN_LINK_CODES: readonly FailureCode[] = [
  'CAMPAIGN_NOT_AVAILABLE',
  'CAMPAIGN_PENDING_ACCEPTANCE',
  'CAMPAIGN_PROVISIONING_FAILED',
  'CAMPAIGN_EXPIRED',
  'CAMPAIGN_MNO_REJECTED',
  'CAMPAIGN_MNO_SUSPENDED',
  'CAMPAIGN_MNO_REVIEW',
  'MOCK_CAMPAIGN_NOT_ALLOWED',
  'MNO_SHARING_ERROR',
  'TFN_NOT_ALLOWED',
  'INSUFFICIENT_BALANCE',
  'EXCEEDED_10DLC_LIMIT',
  'PARTNER_SERVICE_UNAVAILABLE',
];

/**
 * The failure codes an operator may give a failed task of each kind: the spec's codes
 * that describe a failure of that step. NUMBER_PROVISIONING_FAILED on an OSR update means
 * the registry refused the override for this number. Campaign tasks never take
 * NUMBER_PROVISIONING_FAILED, because the order reads that code on a campaign step as
 * "skipped after a failed SMS provisioning".
 */
export const TASK_FAILURE_CODES: Readonly<Record<OperatorTaskKind, readonly FailureCode[]>> = {
  OSR_UPDATE: ['INVALID_NNID', 'NUMBER_PROVISIONING_FAILED', 'PARTNER_SERVICE_UNAVAILABLE'],
  SMS_PROVISIONING: ['NUMBER_PROVISIONING_FAILED', 'PARTNER_SERVICE_UNAVAILABLE'],
  SMS_DEPROVISIONING: ['NUMBER_PROVISIONING_FAILED', 'PARTNER_SERVICE_UNAVAILABLE'],
  CAMPAIGN_LINK: CAMPAIGN_LINK_CODES,
  CAMPAIGN_UNLINK: ['CAMPAIGN_PROVISIONING_FAILED', 'CAMPAIGN_NOT_AVAILABLE', 'MNO_SHARING_ERROR', 'PARTNER_SERVICE_UNAVAILABLE'],
};

/** Returns true when `code` is a failure code that fits a task of `kind`. */
export function isTaskFailureCode(kind: OperatorTaskKind, code: unknown): code is FailureCode {
  return typeof code === 'string' && (TASK_FAILURE_CODES[kind] as readonly string[]).includes(code);
}
