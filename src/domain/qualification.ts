import { failedPrecondition } from './errors.js';
import type { ApiError } from './errors.js';

/**
 * Qualified numbers: a number the customer owns elsewhere is checked for eligibility,
 * its ownership proven (a voice code or an operator's review of invoices), and then
 * text-enabled in a hosting order. States are the spec's `GLOBAL_PROCESS_STATE_*`.
 */

export const QUALIFIED_NUMBER_STATES = [
  'GLOBAL_PROCESS_STATE_UNSPECIFIED',
  'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING',
  'GLOBAL_PROCESS_STATE_ELIGIBLE',
  'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE',
  'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING',
  'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
  'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED',
  'GLOBAL_PROCESS_STATE_VERIFIED',
  'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS',
  'GLOBAL_PROCESS_STATE_HOSTING_DONE',
  'GLOBAL_PROCESS_STATE_HOSTING_FAILED',
] as const;
export type QualifiedNumberState = (typeof QUALIFIED_NUMBER_STATES)[number];

/** The spec's integer `hostedNumber.status`. */
export const HOSTING_STATUS = { UNSPECIFIED: 0, HOSTED: 1, FAILED: 2 } as const;

/** Most numbers one `qualifiedNumbers:addNumbers` request may add. */
export const MAX_NUMBERS_PER_QUALIFICATION = 500;
/** Most numbers one text-enable request may hold. */
export const MAX_NUMBERS_PER_TEXT_ENABLE = 500;

/** Digits in a voice challenge code. */
export const VOICE_CODE_DIGITS = 6;

/** Short state name for messages: GLOBAL_PROCESS_STATE_VERIFIED reads VERIFIED. */
export function shortStateName(state: string): string {
  return state.replace(/^GLOBAL_PROCESS_STATE_/, '');
}

/** The facts the eligibility check uses about a number. */
export interface EligibilityFacts {
  /** The region the numbering plan assigns, or undefined for an area code in use nowhere. */
  regionCode: string | undefined;
  isForcedNotEligible: boolean;
  isImportedInProject: boolean;
  /** Another project of this instance has the number imported or in hosting. */
  isHostedByOtherProject: boolean;
}

export type EligibilityResult = { isEligible: true } | { isEligible: false; reason: string };

/** Decides eligibility. The reasons are listed in docs/qualification.md. */
export function decideEligibility(facts: EligibilityFacts): EligibilityResult {
  if (facts.regionCode === undefined) {
    return { isEligible: false, reason: 'NOT_US_OR_CA: the area code is not in service in the US or Canada.' };
  }
  if (facts.regionCode !== 'US' && facts.regionCode !== 'CA') {
    return { isEligible: false, reason: `NOT_US_OR_CA: the number belongs to region ${facts.regionCode}; only US and CA numbers can be hosted.` };
  }
  if (facts.isForcedNotEligible) {
    return { isEligible: false, reason: 'SANDBOX_NOT_ELIGIBLE: sandbox magic line 0180 is never eligible.' };
  }
  if (facts.isImportedInProject) {
    return { isEligible: false, reason: 'ALREADY_IMPORTED: the number is already an imported number of this project.' };
  }
  if (facts.isHostedByOtherProject) {
    return { isEligible: false, reason: 'HOSTED_ELSEWHERE: another project of this service already hosts the number or is text-enabling it.' };
  }
  return { isEligible: true };
}

/** States from which a voice challenge may be sent (again). */
const CHALLENGE_STATES: readonly QualifiedNumberState[] = [
  'GLOBAL_PROCESS_STATE_ELIGIBLE',
  'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING',
  'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
];

function stateHint(state: string): string {
  switch (state) {
    case 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING':
      return 'Wait until the eligibility check has made it ELIGIBLE.';
    case 'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE':
      return 'The number is not eligible for hosting; see osrEligibility.error.';
    case 'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED':
      return 'Too many wrong codes: an operator must unblock the number first.';
    case 'GLOBAL_PROCESS_STATE_VERIFIED':
      return 'Ownership is already verified; text-enable the number next.';
    case 'GLOBAL_PROCESS_STATE_HOSTING_FAILED':
      return 'Hosting failed (see hostedNumber.error); to try again, delete the number and add it again.';
    default:
      return 'The number is already in or past hosting.';
  }
}

/** Returns the error that refuses a challenge call in `state`, or undefined when one may be placed. */
export function refuseChallenge(phoneNumber: string, state: string): ApiError | undefined {
  if ((CHALLENGE_STATES as readonly string[]).includes(state)) {
    return undefined;
  }
  return failedPrecondition('phoneNumber', `${phoneNumber} is ${shortStateName(state)}; a voice challenge cannot be sent now. ${stateHint(state)}`);
}

/** Returns the error that refuses a code in `state`, or undefined when one may be checked. */
export function refuseVerification(phoneNumber: string, state: string): ApiError | undefined {
  if (state === 'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING' || state === 'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED') {
    return undefined;
  }
  if (state === 'GLOBAL_PROCESS_STATE_ELIGIBLE') {
    return failedPrecondition('phoneNumber', `${phoneNumber} has no voice challenge open; send one with :sendVoiceChallenge first.`);
  }
  return failedPrecondition('phoneNumber', `${phoneNumber} is ${shortStateName(state)}; no code can be verified now. ${stateHint(state)}`);
}

/** States in which an operator may decide ownership from invoices. */
export const OWNERSHIP_REVIEW_STATES: readonly QualifiedNumberState[] = [
  'GLOBAL_PROCESS_STATE_ELIGIBLE',
  'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING',
  'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
  'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED',
];

/**
 * The first run of a toll-free number's provisioning. `scheduledMs` gives the time of
 * day: when the LOA is signed after it, the run moves to the same time on the next day
 * (and the day after, for a time set days in the past), as the spec states.
 */
export function tollFreeRunAt(scheduledMs: number | null, signedMs: number): number {
  if (scheduledMs === null) {
    return signedMs;
  }
  const dayMs = 86_400_000;
  if (signedMs <= scheduledMs) {
    return scheduledMs;
  }
  const days = Math.ceil((signedMs - scheduledMs) / dayMs);
  return scheduledMs + days * dayMs;
}

/** When a standard number's OSR update runs: at the scheduled time, or at once once signed. */
export function osrRunAt(scheduledMs: number | null, signedMs: number): number {
  return scheduledMs === null ? signedMs : Math.max(scheduledMs, signedMs);
}
