import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../domain/time.js';
import type { Database } from '../storage/schema.js';

const OFFSET_SETTING_KEY = 'clock_offset_ms';

/**
 * The service clock: the wall clock plus an offset that the sandbox can only move
 * forward. The offset lives in the settings table so that every instance on one
 * database agrees; each instance refreshes its copy on every worker poll.
 */
export class ServiceClock implements Clock {
  private offsetMs = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly wallNow: () => number = Date.now,
  ) {}

  now(): number {
    return this.wallNow() + this.offsetMs;
  }

  wallClockNow(): number {
    return this.wallNow();
  }

  get currentOffsetMs(): number {
    return this.offsetMs;
  }

  /**
   * Reads the stored offset. The offset only grows, so the larger value wins: a read
   * that started before an `advance` committed must not move this copy back.
   */
  async refresh(): Promise<void> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', OFFSET_SETTING_KEY).executeTakeFirst();
    this.offsetMs = Math.max(this.offsetMs, row === undefined ? 0 : Number(row.value));
  }

  /** Moves the clock forward by `deltaMs` for every instance on this database. */
  async advance(deltaMs: number): Promise<number> {
    // One statement adds to the stored value, so two advances at once both count.
    const next = await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('settings')
        .values({ key: OFFSET_SETTING_KEY, value: String(deltaMs) })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({ value: sql<string>`cast(cast(settings.value as bigint) + ${deltaMs} as text)` }),
        )
        .execute();
      const row = await trx.selectFrom('settings').select('value').where('key', '=', OFFSET_SETTING_KEY).executeTakeFirstOrThrow();
      return Number(row.value);
    });
    this.offsetMs = Math.max(this.offsetMs, next);
    return this.now();
  }
}
