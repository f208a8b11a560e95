/**
 * Sandbox magic numbers. In the fictitious range NXX-555-01XX (any valid area code and
 * exchange 555), line numbers 0100-0179 always succeed and each line from 0180 on forces
 * one failure branch. `docs/sandbox.md` contains the same table; a test covers each row.
 */

export const MAGIC_BEHAVIOURS = {
  '0180': 'NOT_ELIGIBLE',
  '0181': 'VOICE_CALL_UNANSWERED',
  '0182': 'OSR_REJECTED',
  '0183': 'INVALID_NNID',
  '0184': 'SMS_PROVISIONING_FAILED',
  '0185': 'SMS_PARTNER_OUTAGE_CLEARS',
  '0186': 'MNO_SHARING_ERROR',
  '0187': 'EXCEEDED_10DLC_LIMIT',
  '0188': 'INSUFFICIENT_BALANCE',
  '0189': 'CAMPAIGN_PROVISIONING_FAILED',
  '0190': 'TMO_NEEDS_MIGRATION',
  '0191': 'SMS_DEPROVISIONING_FAILED',
  '0192': 'CAMPAIGN_PARTNER_OUTAGE_CLEARS',
  '0193': 'OSR_PARTNER_OUTAGE_CLEARS',
} as const;

export type MagicBehaviour = (typeof MAGIC_BEHAVIOURS)[keyof typeof MAGIC_BEHAVIOURS];

/** Transient faults of the partner-outage lines clear from this attempt on. */
export const PARTNER_OUTAGE_CLEARS_AT_ATTEMPT = 3;

/** The T-Mobile error code for a number that must be migrated from another aggregator. */
export const TMO_MIGRATION_ERROR_CODE = '60135';

const MAGIC_PATTERN = /^\+1[2-9]\d{2}555(01\d{2})$/;

/** Returns the forced behaviour of a sandbox magic number, or undefined for any other number. */
export function magicBehaviour(phoneNumber: string): MagicBehaviour | undefined {
  const line = MAGIC_PATTERN.exec(phoneNumber)?.[1];
  if (line === undefined) {
    return undefined;
  }
  return (MAGIC_BEHAVIOURS as Record<string, MagicBehaviour>)[line];
}
