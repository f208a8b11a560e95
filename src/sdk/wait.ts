import type { HostingOrdersResource } from './resources/hosting-orders.js';
import type { QualifiedNumbersResource } from './resources/qualified-numbers.js';
import { NumberhostWaitTimeoutError } from './errors.js';
import { sleep } from './retry.js';
import type { HostingOrder, HostingOrderReport, HostingOrderState, QualifiedNumber, QualifiedNumberState } from './schemas.js';

export const DEFAULT_POLL_INTERVAL_MS = 5000;

/** Options of `waitForHostingOrder` and `waitForQualifiedNumber`. */
export interface WaitOptions<State extends string, Progress> {
  /** States to wait for. Each method has its own default. */
  until?: readonly State[];
  /** Called after every read, before the state is checked; the wait goes on once it returns (or its promise settles). */
  onProgress?: (progress: Progress) => void | Promise<void>;
  /** Gives up after this long with `NumberhostWaitTimeoutError`. Default: no limit. */
  timeoutMs?: number;
  /** Pause between reads. Default 5000 ms. */
  intervalMs?: number;
  /** Stops the wait, and the request in flight, with `signal.reason`. */
  signal?: AbortSignal;
}

/** Argument of `onProgress` in `waitForHostingOrder`. */
export interface HostingOrderProgress {
  hostingOrder: HostingOrder;
  /** The order's counters, read together with the order. */
  report: HostingOrderReport;
  /** Time since the wait began. */
  elapsedMs: number;
}

/** Argument of `onProgress` in `waitForQualifiedNumber`. */
export interface QualifiedNumberProgress {
  qualifiedNumber: QualifiedNumber;
  elapsedMs: number;
}

export type WaitForHostingOrderOptions = WaitOptions<HostingOrderState, HostingOrderProgress>;
export type WaitForQualifiedNumberOptions = WaitOptions<QualifiedNumberState, QualifiedNumberProgress>;

/** Hosting order states that never change again. */
export const FINAL_HOSTING_ORDER_STATES: readonly HostingOrderState[] = ['COMPLETED', 'REJECTED'];

/** Qualified number states that no request of the client can change: the end of a check or of hosting. */
export const FINAL_QUALIFIED_NUMBER_STATES: readonly QualifiedNumberState[] = [
  'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE',
  'GLOBAL_PROCESS_STATE_HOSTING_DONE',
  'GLOBAL_PROCESS_STATE_HOSTING_FAILED',
];

/**
 * Default `until` of `waitForQualifiedNumber`: every state except those in which the
 * service is still working on the number (ELIGIBLE_CHECK_PENDING, VERIFICATION_PENDING
 * and HOSTING_IN_PROGRESS).
 */
export const SETTLED_QUALIFIED_NUMBER_STATES: readonly QualifiedNumberState[] = [
  'GLOBAL_PROCESS_STATE_ELIGIBLE',
  'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE',
  'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
  'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED',
  'GLOBAL_PROCESS_STATE_VERIFIED',
  'GLOBAL_PROCESS_STATE_HOSTING_DONE',
  'GLOBAL_PROCESS_STATE_HOSTING_FAILED',
];

interface PollTarget<Resource, State extends string, Progress> {
  /** Names the resource in messages, such as "hosting order 01jbz...". */
  description: string;
  read(signal: AbortSignal): Promise<Resource>;
  stateOf(resource: Resource): State | undefined;
  progressOf(resource: Resource, elapsedMs: number, signal: AbortSignal): Promise<Progress>;
  until: readonly State[];
  finalStates: readonly State[];
}

/** Maximum delay of `setTimeout` (2^31 - 1 ms); Node fires longer ones at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkDuration(value: number | undefined, name: string, minimum: number): void {
  if (value !== undefined && (!Number.isFinite(value) || value < minimum || value > MAX_TIMER_MS)) {
    throw new TypeError(`${name} must be a number of milliseconds from ${minimum} to ${MAX_TIMER_MS} (about 24.8 days, the maximum delay of a timer); got ${String(value)}. Leave timeoutMs out to wait without a limit.`);
  }
}

/**
 * Reads the resource every `intervalMs` until its state is one of `target.until` or a
 * final state, and returns that last read. A timeout or an abort also aborts the request
 * in flight. Errors of a read (a 404, for example) end the wait.
 */
async function pollUntil<Resource, State extends string, Progress>(
  target: PollTarget<Resource, State, Progress>,
  options: WaitOptions<State, Progress>,
): Promise<Resource> {
  checkDuration(options.timeoutMs, 'timeoutMs', 1);
  checkDuration(options.intervalMs, 'intervalMs', 0);
  if (target.until.length === 0) {
    throw new TypeError(`until must name at least one state to wait for ${target.description}.`);
  }
  const userSignal = options.signal;
  if (userSignal?.aborted === true) {
    throw userSignal.reason;
  }
  const intervalMs = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const startedMs = performance.now();
  const controller = new AbortController();
  let lastRead: Resource | undefined;

  const onUserAbort = (): void => controller.abort(userSignal?.reason);
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          const lastState = lastRead === undefined ? undefined : target.stateOf(lastRead);
          const message = `${target.description} did not reach ${target.until.join(' or ')} within ${options.timeoutMs} ms; its last state was ${lastState ?? 'not read yet'}. Wait longer or check why it is stuck.`;
          controller.abort(new NumberhostWaitTimeoutError(message, lastRead, lastState));
        }, options.timeoutMs);

  try {
    for (;;) {
      const resource = await target.read(controller.signal);
      lastRead = resource;
      if (options.onProgress !== undefined) {
        await options.onProgress(await target.progressOf(resource, performance.now() - startedMs, controller.signal));
      }
      const state = target.stateOf(resource);
      if (state !== undefined && (target.until.includes(state) || target.finalStates.includes(state))) {
        return resource;
      }
      await sleep(intervalMs, controller.signal);
    }
  } catch (error) {
    // Whatever a read rejects with after an abort, the caller gets the abort's reason.
    if (controller.signal.aborted) {
      throw controller.signal.reason;
    }
    throw error;
  } finally {
    clearTimeout(timer);
    userSignal?.removeEventListener('abort', onUserAbort);
  }
}

/** Implements `NumberhostClient.waitForHostingOrder`. */
export function waitForHostingOrder(hostingOrders: HostingOrdersResource, hostingOrderId: string, options: WaitForHostingOrderOptions): Promise<HostingOrder> {
  return pollUntil(
    {
      description: `Hosting order ${hostingOrderId}`,
      read: (signal) => hostingOrders.get(hostingOrderId, { signal }),
      stateOf: (order) => order.state,
      progressOf: async (hostingOrder, elapsedMs, signal) => ({ hostingOrder, report: await hostingOrders.report(hostingOrderId, { signal }), elapsedMs }),
      until: options.until ?? FINAL_HOSTING_ORDER_STATES,
      finalStates: FINAL_HOSTING_ORDER_STATES,
    },
    options,
  );
}

/** Implements `NumberhostClient.waitForQualifiedNumber`. */
export function waitForQualifiedNumber(
  qualifiedNumbers: QualifiedNumbersResource,
  phoneNumber: string,
  options: WaitForQualifiedNumberOptions,
): Promise<QualifiedNumber> {
  return pollUntil(
    {
      description: `Qualified number ${phoneNumber}`,
      read: (signal) => qualifiedNumbers.get(phoneNumber, { signal }),
      stateOf: (number) => number.globalProcessState,
      progressOf: (qualifiedNumber, elapsedMs) => Promise.resolve({ qualifiedNumber, elapsedMs }),
      until: options.until ?? SETTLED_QUALIFIED_NUMBER_STATES,
      finalStates: FINAL_QUALIFIED_NUMBER_STATES,
    },
    options,
  );
}
