/**
 * Sandbox fault injection rules: a project's rules make a carrier-facing port fail N
 * times or fail with a failure code of the spec, and make callback deliveries drop,
 * delay, duplicate or reorder. Which numbers a rule applies to is chosen by a seeded
 * hash, so the same rules and the same requests give the same faults on every run.
 */
import type { FieldViolation } from './errors.js';
import { describeValue } from './errors.js';
import type { FailureCode } from './events.js';
import { FAILURE_CODES, isFailureCode } from './events.js';
import { TASK_FAILURE_CODES } from './operator-tasks.js';

export const PORT_FAULT_TARGETS = ['CARRIER_REGISTRY', 'SMS_PLATFORM', 'CAMPAIGN_REGISTRY'] as const;
export type PortFaultTarget = (typeof PORT_FAULT_TARGETS)[number];
export const FAULT_TARGETS = [...PORT_FAULT_TARGETS, 'CALLBACK_DELIVERY'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export const PORT_FAULT_ACTIONS = ['FAIL_TIMES', 'FAIL_WITH_CODE'] as const;
export type PortFaultAction = (typeof PORT_FAULT_ACTIONS)[number];
export const DELIVERY_FAULT_ACTIONS = ['DROP', 'DELAY', 'DUPLICATE', 'REORDER'] as const;
export type DeliveryFaultAction = (typeof DELIVERY_FAULT_ACTIONS)[number];
export const FAULT_ACTIONS = [...PORT_FAULT_ACTIONS, ...DELIVERY_FAULT_ACTIONS] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/**
 * The maximum `times` of a FAIL_TIMES rule. A step job gives up after 25 attempts, so
 * more faults would leave the step stuck instead of letting it succeed afterwards.
 */
export const MAX_FAIL_TIMES = 20;
/** The maximum `times` of the other rules. `null` means no limit. */
export const MAX_TIMES = 1_000_000;
/** The maximum `delayMs`, 24 hours. One `clock:advance` call skips it. */
export const MAX_DELAY_MS = 24 * 60 * 60 * 1000;
export const MAX_DESCRIPTION_CHARS = 500;
const NUMBER_PATTERN = /^\+[0-9]{1,15}$/;
const BODY_FIELDS = ['target', 'action', 'numberPattern', 'times', 'failureCode', 'delayMs', 'percent', 'seed', 'description'];

/** A checked rule, with every default applied. */
export interface FaultRuleInput {
  target: FaultTarget;
  action: FaultAction;
  /** E.164 prefix of the numbers the rule applies to; empty for every number. */
  numberPattern: string;
  /** Port rules: faults per number. Delivery rules: events faulted in total. `null` for no limit. */
  times: number | null;
  /** FAIL_WITH_CODE only; empty for the other actions. */
  failureCode: FailureCode | '';
  /** DELAY: how long the first delivery waits. REORDER: the longest seeded hold. 0 for the other actions. */
  delayMs: number;
  /** Share of numbers (port rules) or events (delivery rules) the rule applies to, 0 to 100. */
  percent: number;
  seed: number;
  description: string;
}

/** A stored rule. */
export interface FaultRule extends FaultRuleInput {
  id: string;
  projectId: string;
}

export type FaultRuleCheck = { input: FaultRuleInput; violations: [] } | { input: undefined; violations: FieldViolation[] };

/**
 * The failure codes a FAIL_WITH_CODE rule may give each port target: the codes an
 * operator may give the matching manual task, so that a sandbox fault looks like a
 * failure the real step can have. The SMS platform's deprovisioning codes and the
 * campaign registry's unlink codes are subsets of these. Together the three lists
 * contain every failure code of the spec.
 */
export const FAULT_FAILURE_CODES: Readonly<Record<PortFaultTarget, readonly FailureCode[]>> = {
  CARRIER_REGISTRY: TASK_FAILURE_CODES.OSR_UPDATE,
  SMS_PLATFORM: TASK_FAILURE_CODES.SMS_PROVISIONING,
  CAMPAIGN_REGISTRY: TASK_FAILURE_CODES.CAMPAIGN_LINK,
};

/** Returns the actions a target accepts. */
export function actionsFor(target: FaultTarget): readonly FaultAction[] {
  return target === 'CALLBACK_DELIVERY' ? DELIVERY_FAULT_ACTIONS : PORT_FAULT_ACTIONS;
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function checkTimes(value: unknown, action: FaultAction | undefined, violations: FieldViolation[]): number | null {
  if (value === undefined || value === null) {
    if (action === 'FAIL_TIMES') {
      violations.push({ field: 'times', description: `is required for FAIL_TIMES: give how many times the port fails per number, 1 to ${MAX_FAIL_TIMES}.` });
    }
    return null;
  }
  const max = action === 'FAIL_TIMES' ? MAX_FAIL_TIMES : MAX_TIMES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    const omit = action === 'FAIL_TIMES' ? '' : ', or omit it (null) for every time';
    violations.push({ field: 'times', description: `${describeValue(value)} is invalid: give a whole number from 1 to ${max}${omit}.` });
    return null;
  }
  return value;
}

function checkFailureCode(value: unknown, target: FaultTarget | undefined, action: FaultAction | undefined, violations: FieldViolation[]): FailureCode | '' {
  const isGiven = value !== undefined && value !== null && value !== '';
  if (action === 'FAIL_WITH_CODE') {
    return checkTargetFailureCode(value, isGiven, target, violations);
  }
  if (isGiven) {
    violations.push({ field: 'failureCode', description: `${describeValue(value)} is only used by FAIL_WITH_CODE rules; omit it for ${action ?? 'this action'}.` });
  }
  return '';
}

/**
 * Checks the code of a FAIL_WITH_CODE rule against the codes its target can fail with.
 * While the target is missing or takes no port action, any failure code of the spec passes.
 */
function checkTargetFailureCode(value: unknown, isGiven: boolean, target: FaultTarget | undefined, violations: FieldViolation[]): FailureCode | '' {
  const isPortTarget = isOneOf(PORT_FAULT_TARGETS, target);
  const allowed = isPortTarget ? FAULT_FAILURE_CODES[target] : FAILURE_CODES;
  const fix = isPortTarget ? `a ${target} rule takes one of ${allowed.join(', ')}` : `use one of ${allowed.join(', ')}`;
  if (!isGiven) {
    violations.push({ field: 'failureCode', description: `is required for FAIL_WITH_CODE; ${fix}.` });
    return '';
  }
  if (!isFailureCode(value)) {
    violations.push({ field: 'failureCode', description: `${describeValue(value)} is not a failure code of the spec; ${fix}.` });
    return '';
  }
  if (!allowed.includes(value)) {
    violations.push({ field: 'failureCode', description: `${describeValue(value)} does not fit a ${target} rule; give one of ${allowed.join(', ')}.` });
    return '';
  }
  return value;
}

function checkDelayMs(value: unknown, action: FaultAction | undefined, violations: FieldViolation[]): number {
  const isGiven = value !== undefined && value !== null && value !== 0;
  if (action === 'DELAY' || action === 'REORDER') {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_DELAY_MS) {
      return value;
    }
    const seen = isGiven ? `${describeValue(value)} is invalid` : `is required for ${action}`;
    violations.push({ field: 'delayMs', description: `${seen}: give whole milliseconds from 1 to ${MAX_DELAY_MS} (24 hours).` });
    return 0;
  }
  if (isGiven) {
    violations.push({ field: 'delayMs', description: `${describeValue(value)} is only used by DELAY and REORDER rules; omit it for ${action ?? 'this action'}.` });
  }
  return 0;
}

function checkTargetAndAction(body: Record<string, unknown>, violations: FieldViolation[]): { target?: FaultTarget; action?: FaultAction } {
  const target = isOneOf(FAULT_TARGETS, body.target) ? body.target : undefined;
  if (target === undefined) {
    const problem = body.target === undefined ? 'is required' : `${describeValue(body.target)} is not a fault target`;
    violations.push({ field: 'target', description: `${problem}; use one of ${FAULT_TARGETS.join(', ')}.` });
  }
  const action = isOneOf(FAULT_ACTIONS, body.action) ? body.action : undefined;
  if (action === undefined) {
    const problem = body.action === undefined ? 'is required' : `${describeValue(body.action)} is not a fault action`;
    violations.push({ field: 'action', description: `${problem}; use one of ${FAULT_ACTIONS.join(', ')}.` });
  } else if (target !== undefined && !actionsFor(target).includes(action)) {
    violations.push({ field: 'action', description: `${action} does not apply to ${target}; use one of ${actionsFor(target).join(', ')}.` });
  }
  return { target, action };
}

function checkNumberPattern(value: unknown, violations: FieldViolation[]): string {
  if (value === undefined || value === null || value === '') {
    return '';
  }
  if (typeof value !== 'string' || !NUMBER_PATTERN.test(value)) {
    violations.push({ field: 'numberPattern', description: `${describeValue(value)} is invalid: give an E.164 prefix ("+" then 1 to 15 digits, such as "+1202555"), or "" for every number.` });
    return '';
  }
  return value;
}

function checkPercent(value: unknown, violations: FieldViolation[]): number {
  if (value === undefined || value === null) {
    return 100;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    violations.push({ field: 'percent', description: `${describeValue(value)} is invalid: give a whole number from 0 to 100 (the default).` });
    return 100;
  }
  return value;
}

function checkSeed(value: unknown, violations: FieldViolation[]): number {
  if (value === undefined || value === null) {
    return 0;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    violations.push({ field: 'seed', description: `${describeValue(value)} is invalid: give a whole number from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}; the default is 0.` });
    return 0;
  }
  return value;
}

function checkDescription(value: unknown, violations: FieldViolation[]): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION_CHARS) {
    violations.push({ field: 'description', description: `must be a string of at most ${MAX_DESCRIPTION_CHARS} characters, got ${describeValue(value)}.` });
    return '';
  }
  return value;
}

/** Checks a rule request body field by field; every invalid or unknown field gets its own violation. */
export function checkFaultRuleInput(body: Record<string, unknown>): FaultRuleCheck {
  const violations: FieldViolation[] = [];
  for (const field of Object.keys(body)) {
    if (!BODY_FIELDS.includes(field)) {
      violations.push({ field, description: `is not a field of a fault rule; use only ${BODY_FIELDS.join(', ')}.` });
    }
  }
  const { target, action } = checkTargetAndAction(body, violations);
  const input = {
    target,
    action,
    numberPattern: checkNumberPattern(body.numberPattern, violations),
    times: checkTimes(body.times, action, violations),
    failureCode: checkFailureCode(body.failureCode, target, action, violations),
    delayMs: checkDelayMs(body.delayMs, action, violations),
    percent: checkPercent(body.percent, violations),
    seed: checkSeed(body.seed, violations),
    description: checkDescription(body.description, violations),
  };
  if (violations.length > 0 || input.target === undefined || input.action === undefined) {
    return { input: undefined, violations };
  }
  return { input: { ...input, target: input.target, action: input.action }, violations: [] };
}

/** Returns true when the rule's E.164 prefix matches the number; an empty pattern matches every number. */
export function matchesNumberPattern(numberPattern: string, phoneNumber: string): boolean {
  return phoneNumber.startsWith(numberPattern);
}

/** Turns the first 48 bits of a hash digest into a fraction in [0, 1). */
export function fractionFromDigest(digest: Uint8Array): number {
  let value = 0;
  for (let index = 0; index < 6; index += 1) {
    value = value * 256 + (digest[index] ?? 0);
  }
  return value / 2 ** 48;
}

/** Builds the text hashed to select a subject. It starts with the seed, so another seed selects other subjects. */
export function selectionText(seed: number, subject: string): string {
  return `${seed}:${subject}`;
}

/** Returns true when a subject whose seeded fraction is `fraction` falls in the rule's `percent`. */
export function isSelectedFraction(percent: number, fraction: number): boolean {
  return fraction * 100 < percent;
}

/** Returns how long a REORDER rule delays an event: its seeded fraction of the rule's `delayMs`. */
export function reorderHoldMs(fraction: number, delayMs: number): number {
  return Math.floor(fraction * delayMs);
}

/**
 * Builds the subject by which a delivery rule selects and delays an event: the event
 * type and the number, which stay the same across runs, unlike event ids.
 */
export function deliverySubject(eventType: string, resourceId: string): string {
  return `${eventType}:${resourceId}`;
}

/** A port fault that a rule has fired. */
export interface PortFault {
  ruleId: string;
  action: PortFaultAction;
  failureCode: FailureCode | '';
}

/** Rule lookup and hit counting for the fault-injecting port decorators. */
export interface PortFaultSource {
  /**
   * Returns the fault of the oldest rule of `target` with `action` that matches the number
   * and still has hits left, after counting the hit. Returns undefined when no rule fires.
   */
  takePortFault(target: PortFaultTarget, action: PortFaultAction, projectId: string, phoneNumber: string): Promise<PortFault | undefined>;
}
