import type { FailureCode } from './events.js';
import type { StepState } from './states.js';

export type NumberStep = 'sms' | 'campaign';

/** Error code of a campaign link that was not attempted because the SMS link failed. */
export const SKIPPED_CAMPAIGN_ERROR_CODE = 'NUMBER_PROVISIONING_FAILED';

/** The two provisioning steps of a number, as stored on the number. */
export interface NumberStepStates {
  smsType: string;
  smsState: StepState;
  campaignType: string;
  campaignState: StepState;
}

/**
 * Decides which step runs next. Linking provisions the SMS platform before the
 * campaign, because a campaign link needs a provisioned number; unlinking undoes them in
 * the reverse order. Returns undefined when no step is waiting or the waiting one
 * cannot run yet.
 */
export function nextNumberStep(states: NumberStepStates): NumberStep | undefined {
  if (states.campaignState === 'WAITING' && states.campaignType === 'DEPROVISIONING') {
    return 'campaign';
  }
  if (states.smsState === 'WAITING') {
    return 'sms';
  }
  const isSmsLinked = states.smsType === 'PROVISIONING' && states.smsState === 'DONE';
  if (states.campaignState === 'WAITING' && states.campaignType === 'PROVISIONING' && isSmsLinked) {
    return 'campaign';
  }
  return undefined;
}

/** True while either step is waiting or running. */
export function hasStepInFlight(states: NumberStepStates): boolean {
  return [states.smsState, states.campaignState].some((state) => state === 'WAITING' || state === 'IN_PROGRESS');
}

/** The result of a hosting order number once no step is left: undefined while steps remain. */
export type HostingResult = { status: 'SUCCEEDED' } | { status: 'FAILED'; failureCode: FailureCode };

export function hostingResult(platformState: StepState, campaignState: StepState, failureCode: string): HostingResult | undefined {
  const isPlatformFinal = platformState === 'DONE' || platformState === 'FAILED';
  const isCampaignFinal = campaignState === 'DONE' || campaignState === 'FAILED' || campaignState === 'STATE_UNSPECIFIED';
  if (!isPlatformFinal || !isCampaignFinal) {
    return undefined;
  }
  if (platformState === 'FAILED') {
    return { status: 'FAILED', failureCode: (failureCode || 'NUMBER_PROVISIONING_FAILED') as FailureCode };
  }
  if (campaignState === 'FAILED') {
    return { status: 'FAILED', failureCode: (failureCode || 'CAMPAIGN_PROVISIONING_FAILED') as FailureCode };
  }
  return { status: 'SUCCEEDED' };
}
