import type { Kysely, Transaction } from 'kysely';
import type { DialectOperations, JobTypeFilter } from '../storage/dialect.js';
import type { Database, JobRow } from '../storage/schema.js';

/** The `job_runs` row of the run being ended, closed in the same transaction that releases the job. */
export interface RunEnd {
  runId: string;
  outcome: string;
}

/**
 * The queue operations a worker performs. Each one changes a job only while this
 * worker still holds it (`locked_by`), so a worker whose lease expired cannot undo
 * the work of the one that took the job over. Each returns false when the worker no
 * longer held the job, and then changed nothing but the run record.
 */
export class JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectOperations,
    private readonly wallNow: () => number = Date.now,
  ) {}

  claim(
    workerId: string,
    limit: number,
    dueBeforeMs: number,
    wallNowMs: number,
    leaseMs: number,
    typeFilter?: JobTypeFilter,
  ): Promise<JobRow[]> {
    return this.dialect.claimJobs(this.db, {
      workerId,
      limit,
      dueBeforeMs,
      wallNowMs,
      leaseUntilMs: wallNowMs + leaseMs,
      ...(typeFilter === undefined ? {} : { typeFilter }),
    });
  }

  complete(job: JobRow, workerId: string, run?: RunEnd): Promise<boolean> {
    return this.release(run, async (trx) => {
      const result = await trx.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', workerId).executeTakeFirst();
      return result.numDeletedRows;
    });
  }

  /** Puts a job back to run at `runAtMs` without counting the run as a failure. */
  reschedule(job: JobRow, workerId: string, runAtMs: number, run?: RunEnd): Promise<boolean> {
    return this.release(run, async (trx) => {
      const result = await trx
        .updateTable('jobs')
        .set({ run_at_ms: runAtMs, attempts: 0, locked_by: null, locked_until_ms: null, last_error: null })
        .where('id', '=', job.id)
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return result.numUpdatedRows;
    });
  }

  /** Records a failed run and sets the retry time. */
  fail(job: JobRow, workerId: string, runAtMs: number, error: string, run?: RunEnd): Promise<boolean> {
    return this.release(run, async (trx) => {
      const result = await trx
        .updateTable('jobs')
        .set({ run_at_ms: runAtMs, locked_by: null, locked_until_ms: null, last_error: error.slice(0, 2000) })
        .where('id', '=', job.id)
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return result.numUpdatedRows;
    });
  }

  /** Extends the leases of the jobs this worker still holds and returns how many those are. */
  async extendLeases(jobIds: string[], workerId: string, leaseUntilMs: number): Promise<number> {
    if (jobIds.length === 0) {
      return 0;
    }
    const result = await this.db
      .updateTable('jobs')
      .set({ locked_until_ms: leaseUntilMs })
      .where('id', 'in', jobIds)
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Frees every lease. Only for SQLite, where a single instance owns the database, at startup. */
  async releaseAllLeases(): Promise<void> {
    await this.db.updateTable('jobs').set({ locked_by: null, locked_until_ms: null }).where('locked_by', 'is not', null).execute();
  }

  async recordRunStart(runId: string, job: JobRow, workerId: string, startedMs: number): Promise<void> {
    await this.db
      .insertInto('job_runs')
      .values({ id: runId, job_id: job.id, job_type: job.type, worker_id: workerId, attempt: job.attempts, started_ms: startedMs, ended_ms: null, outcome: null })
      .execute();
  }

  /**
   * Applies a release and closes the run record in one transaction. The end time is
   * taken before the commit that lets another worker claim the job, so the recorded
   * runs of one job never overlap unless a lease really expired mid-run.
   */
  private async release(run: RunEnd | undefined, apply: (trx: Transaction<Database>) => Promise<bigint>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const changedRows = await apply(trx);
      if (run !== undefined) {
        const outcome = changedRows > 0n ? run.outcome : `${run.outcome}:lease_lost`;
        await trx.updateTable('job_runs').set({ ended_ms: this.wallNow(), outcome }).where('id', '=', run.runId).execute();
      }
      return changedRows > 0n;
    });
  }
}

/** Capped exponential backoff with jitter: between half and all of min(cap, base * 2^(attempt-1)). */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
