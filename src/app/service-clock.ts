import type { Kysely } from 'kysely';
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

  async refresh(): Promise<void> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', OFFSET_SETTING_KEY).executeTakeFirst();
    this.offsetMs = row === undefined ? 0 : Number(row.value);
  }

  /** Moves the clock forward by `deltaMs` for every instance on this database. */
  async advance(deltaMs: number): Promise<number> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('settings').select('value').where('key', '=', OFFSET_SETTING_KEY).executeTakeFirst();
      const next = (row === undefined ? 0 : Number(row.value)) + deltaMs;
      await trx
        .insertInto('settings')
        .values({ key: OFFSET_SETTING_KEY, value: String(next) })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: String(next) }))
        .execute();
      this.offsetMs = next;
    });
    return this.now();
  }
}
