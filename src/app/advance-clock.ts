import { ApiError, describeValue, invalidArgument } from '../domain/errors.js';
import { DAY_MS, SECOND_MS, toIsoTime } from '../domain/time.js';
import type { AppContext } from './context.js';

/** The largest single advance: 366 days. */
export const MAX_CLOCK_ADVANCE_SECONDS = (366 * DAY_MS) / SECOND_MS;
/** The smallest advance: one millisecond, the clock's resolution. */
const MIN_CLOCK_ADVANCE_SECONDS = 0.001;

export interface ClockView {
  /** The service clock's time, ISO 8601 in UTC. */
  now: string;
  /** Milliseconds the service clock runs ahead of the wall clock. */
  offsetMs: number;
}

export function clockView(ctx: AppContext): ClockView {
  return { now: toIsoTime(ctx.clock.now()), offsetMs: ctx.clock.currentOffsetMs };
}

/**
 * Moves the sandbox's service clock forward by `seconds` and wakes the worker, so jobs
 * that became due run at once. Used by the admin API and the console, which must apply
 * the same limits.
 */
export async function advanceClock(ctx: AppContext, seconds: unknown): Promise<ClockView> {
  if (ctx.config.mode !== 'sandbox') {
    throw new ApiError('FAILED_PRECONDITION', 'The clock can only be advanced in sandbox mode.');
  }
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < MIN_CLOCK_ADVANCE_SECONDS || seconds > MAX_CLOCK_ADVANCE_SECONDS) {
    throw invalidArgument([
      {
        field: 'seconds',
        description: `${describeValue(seconds)} is invalid: give a number of seconds from ${MIN_CLOCK_ADVANCE_SECONDS} to ${MAX_CLOCK_ADVANCE_SECONDS} (366 days).`,
      },
    ]);
  }
  await ctx.clock.advance(Math.round(seconds * SECOND_MS));
  ctx.wakeWorker();
  return clockView(ctx);
}
