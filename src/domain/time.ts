export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Source of the current time. The sandbox clock can run ahead of the wall clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch, on the (possibly advanced) service clock. */
  now(): number;
}

export function toIsoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
