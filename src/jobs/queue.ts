import type { Kysely } from 'kysely';
import type { DialectOperations } from '../storage/dialect.js';
import type { Database, JobRow } from '../storage/schema.js';

/**
 * The queue operations a worker performs. Each one changes a job only while this
 * worker still holds it (`locked_by`), so a worker whose lease expired cannot undo
 * the work of the one that took the job over.
 */
export class JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectOperations,
  ) {}

  claim(workerId: string, limit: number, dueBeforeMs: number, wallNowMs: number, leaseMs: number): Promise<JobRow[]> {
    return this.dialect.claimJobs(this.db, { workerId, limit, dueBeforeMs, wallNowMs, leaseUntilMs: wallNowMs + leaseMs });
  }

  async complete(job: JobRow, workerId: string): Promise<void> {
    await this.db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', workerId).execute();
  }

  /** Puts a job back to run at `runAtMs` without counting the run as a failure. */
  async reschedule(job: JobRow, workerId: string, runAtMs: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ run_at_ms: runAtMs, attempts: 0, locked_by: null, locked_until_ms: null, last_error: null })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Records a failed run and sets the retry time. */
  async fail(job: JobRow, workerId: string, runAtMs: number, error: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ run_at_ms: runAtMs, locked_by: null, locked_until_ms: null, last_error: error.slice(0, 2000) })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  async extendLeases(jobIds: string[], workerId: string, leaseUntilMs: number): Promise<void> {
    if (jobIds.length === 0) {
      return;
    }
    await this.db
      .updateTable('jobs')
      .set({ locked_until_ms: leaseUntilMs })
      .where('id', 'in', jobIds)
      .where('locked_by', '=', workerId)
      .execute();
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

  async recordRunEnd(runId: string, endedMs: number, outcome: string): Promise<void> {
    await this.db.updateTable('job_runs').set({ ended_ms: endedMs, outcome }).where('id', '=', runId).execute();
  }
}

/** Capped exponential backoff with jitter: between half and all of min(cap, base * 2^(attempt-1)). */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
