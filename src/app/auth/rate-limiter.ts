import { MINUTE_MS } from '../../domain/time.js';

interface Bucket {
  tokens: number;
  refilledAtMs: number;
}

/**
 * A token bucket per key: `requestsPerMinute` tokens, refilled continuously. Kept in
 * memory, so each instance limits on its own.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private static readonly MAX_TRACKED_KEYS = 100_000;

  constructor(
    private readonly requestsPerMinute: number,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Returns 0 when a token is free now, else the seconds until one is; takes nothing. */
  peek(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      return 0;
    }
    const ratePerMs = this.requestsPerMinute / MINUTE_MS;
    const tokens = Math.min(this.requestsPerMinute, bucket.tokens + (this.wallNow() - bucket.refilledAtMs) * ratePerMs);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000));
  }

  /** Takes one token; returns 0 when allowed, else the seconds until a token is free. */
  take(key: string): number {
    const nowMs = this.wallNow();
    const ratePerMs = this.requestsPerMinute / MINUTE_MS;
    const bucket = this.buckets.get(key) ?? { tokens: this.requestsPerMinute, refilledAtMs: nowMs };
    bucket.tokens = Math.min(this.requestsPerMinute, bucket.tokens + (nowMs - bucket.refilledAtMs) * ratePerMs);
    bucket.refilledAtMs = nowMs;
    if (this.buckets.size >= RateLimiter.MAX_TRACKED_KEYS && !this.buckets.has(key)) {
      this.buckets.clear();
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
  }
}
