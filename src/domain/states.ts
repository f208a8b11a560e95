/** State values exactly as the API spells them. */

export const STEP_STATES = ['DONE', 'FAILED', 'IN_PROGRESS', 'WAITING', 'STATE_UNSPECIFIED'] as const;
/** The spec's `State`: the progress of one step (OSR update, provisioning, campaign link). */
export type StepState = (typeof STEP_STATES)[number];

export const HOSTING_ORDER_STATES = [
  'HOSTING_ORDER_STATE_UNSPECIFIED',
  'DRAFT',
  'SUBMITTED',
  'WAITING_FOR_LOA_SIGNATURE',
  'IN_PROGRESS',
  'COMPLETED',
  'REJECTED',
] as const;
export type HostingOrderState = (typeof HOSTING_ORDER_STATES)[number];

export const HOSTING_ORDER_TYPES = ['HOSTING_ORDER_TYPE_UNSPECIFIED', 'IMPORT', 'TYPE_TEXT_ENABLE'] as const;
export type HostingOrderType = (typeof HOSTING_ORDER_TYPES)[number];

export const PROVISIONING_TYPES = ['PROVISIONING', 'DEPROVISIONING'] as const;
/** Whether a provisioning step links (PROVISIONING) or unlinks (DEPROVISIONING). */
export type ProvisioningType = (typeof PROVISIONING_TYPES)[number];

export const ORDER_BY_FIELDS = ['createdTime', 'updatedTime'] as const;
export type OrderByField = (typeof ORDER_BY_FIELDS)[number];

export const SEARCH_PATTERNS = ['START', 'CONTAIN', 'END'] as const;
export type SearchPattern = (typeof SEARCH_PATTERNS)[number];

/** Order states from which the order can still change its numbers. */
export const UNFINISHED_HOSTING_ORDER_STATES: readonly string[] = ['SUBMITTED', 'WAITING_FOR_LOA_SIGNATURE', 'IN_PROGRESS'];

/** Returns true for a state a step can no longer leave. */
export function isFinalStepState(state: StepState): boolean {
  return state === 'DONE' || state === 'FAILED' || state === 'STATE_UNSPECIFIED';
}

/** Hosting order lifecycle events, the inputs of the transition table below. */
export type HostingOrderEvent = 'start' | 'request_signature' | 'sign' | 'finish' | 'reject' | 'reopen';

/**
 * Allowed hosting order transitions. A transition is applied as a compare-and-set on
 * the stored state, so two workers can never both move an order out of one state.
 * Orders are created SUBMITTED; DRAFT is never produced.
 */
export const HOSTING_ORDER_TRANSITIONS: Readonly<
  Record<HostingOrderEvent, Partial<Record<HostingOrderState, HostingOrderState>>>
> = {
  start: { SUBMITTED: 'IN_PROGRESS' },
  request_signature: { SUBMITTED: 'WAITING_FOR_LOA_SIGNATURE' },
  sign: { WAITING_FOR_LOA_SIGNATURE: 'IN_PROGRESS' },
  finish: { IN_PROGRESS: 'COMPLETED' },
  reject: { SUBMITTED: 'REJECTED', WAITING_FOR_LOA_SIGNATURE: 'REJECTED', IN_PROGRESS: 'REJECTED' },
  /** An operator retries failed steps of a finished order, which then completes again. */
  reopen: { COMPLETED: 'IN_PROGRESS' },
};

/** Returns the state after `event`, or undefined when `event` is not allowed in `from`. */
export function nextHostingOrderState(from: HostingOrderState, event: HostingOrderEvent): HostingOrderState | undefined {
  return HOSTING_ORDER_TRANSITIONS[event][from];
}

/** Step lifecycle events: a step is submitted to its port, then completes or fails. */
export type StepEvent = 'submit' | 'succeed' | 'fail';

export const STEP_TRANSITIONS: Readonly<Record<StepEvent, Partial<Record<StepState, StepState>>>> = {
  submit: { WAITING: 'IN_PROGRESS' },
  succeed: { IN_PROGRESS: 'DONE' },
  fail: { WAITING: 'FAILED', IN_PROGRESS: 'FAILED' },
};

export function nextStepState(from: StepState, event: StepEvent): StepState | undefined {
  return STEP_TRANSITIONS[event][from];
}
