import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AppContext } from '../app/context.js';
import { newId } from '../app/ids.js';
import type { JobPayloads, JobType } from '../app/job-payloads.js';
import type { JobTypeFilter } from '../storage/dialect.js';
import type { JobRow } from '../storage/schema.js';
import type { RunEnd } from './queue.js';
import { JobQueue, backoffDelayMs } from './queue.js';
import type { JobDefinition, JobDefinitions, JobResult } from './registry.js';
import { JOB_DEFINITIONS } from './registry.js';

export interface WorkerOptions {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  isRecordingRuns: boolean;
  /** Job types this worker claims; undefined means all. */
  typeFilter?: JobTypeFilter;
  /** Name in logs, to tell several workers of one process apart. */
  name?: string;
}

const MIN_HEARTBEAT_MS = 250;

/**
 * Claims due jobs and runs up to `concurrency` of them at once. Leases are renewed
 * while a job runs; a job whose worker died is claimed again when its lease ends.
 * `definitions` replaces the job registry, for tests.
 */
export class Worker {
  readonly workerId = `${hostname()}:${process.pid}:${newId().slice(-6)}`;
  private readonly queue: JobQueue;
  private readonly logger: Logger;
  private readonly running = new Map<string, Promise<void>>();
  private isStopping = false;
  private clockRefreshedMs = 0;
  private isRenewing = false;
  private loopPromise: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: WorkerOptions,
    private readonly definitions: JobDefinitions = JOB_DEFINITIONS,
  ) {
    this.queue = new JobQueue(ctx.storage.db, ctx.storage.dialect, () => ctx.clock.wallClockNow());
    this.logger = ctx.logger.child({ workerId: this.workerId, ...(options.name === undefined ? {} : { worker: options.name }) });
  }

  async start(): Promise<void> {
    if (this.ctx.storage.dialect.name === 'sqlite') {
      // SQLite serves a single instance, so any lease left at startup belongs to a process that died.
      await this.queue.releaseAllLeases();
    }
    this.heartbeat = setInterval(() => void this.renewLeases(), Math.max(MIN_HEARTBEAT_MS, Math.floor(this.options.leaseMs / 3)));
    this.loopPromise = this.loop();
    this.logger.info({ concurrency: this.options.concurrency }, 'worker started');
  }

  /** Skips the rest of the current poll wait. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming, waits for running jobs to end (renewing their leases meanwhile), and returns. */
  async stop(): Promise<void> {
    this.isStopping = true;
    this.wake();
    await this.loopPromise;
    await Promise.allSettled([...this.running.values()]);
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.logger.info('worker stopped');
  }

  private async loop(): Promise<void> {
    while (!this.isStopping) {
      let claimedCount = 0;
      try {
        if (Date.now() - this.clockRefreshedMs >= this.options.pollIntervalMs) {
          await this.ctx.clock.refresh();
          this.clockRefreshedMs = Date.now();
        }
        claimedCount = await this.claimAndRun();
      } catch (error) {
        this.logger.error({ err: error }, 'job claim failed');
      }
      const free = this.options.concurrency - this.running.size;
      if (this.isStopping) {
        continue;
      }
      if (claimedCount > 0 && free > 0) {
        // Jobs that only touch SQLite never give the event loop a turn. Yield before
        // claiming again, or HTTP requests wait until the queue is empty.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async claimAndRun(): Promise<number> {
    const free = this.options.concurrency - this.running.size;
    if (free <= 0) {
      return 0;
    }
    const wallNowMs = this.ctx.clock.wallClockNow();
    const serviceNowMs = this.ctx.clock.now();
    const jobs = await this.queue.claim(this.workerId, free, serviceNowMs, wallNowMs, this.options.leaseMs, this.options.typeFilter);
    for (const job of jobs) {
      if (this.running.has(job.id)) {
        // Lease renewal missed a whole lease (a stalled event loop or database), so this
        // worker claimed its own running job again. The lease is ours once more, so the run
        // already under way carries on and a second one must not start.
        this.logger.warn({ jobId: job.id }, 'job reclaimed while it still runs here');
        continue;
      }
      this.ctx.metrics.queueLag.observe(Math.max(0, serviceNowMs - job.run_at_ms) / 1000);
      const promise = this.runJob(job).finally(() => {
        this.running.delete(job.id);
        this.ctx.metrics.jobsRunning.set(this.running.size);
        this.wake();
      });
      this.running.set(job.id, promise);
    }
    this.ctx.metrics.jobsRunning.set(this.running.size);
    return jobs.length;
  }

  private async renewLeases(): Promise<void> {
    const jobIds = [...this.running.keys()];
    if (this.isRenewing || jobIds.length === 0) {
      return;
    }
    this.isRenewing = true;
    try {
      const heldCount = await this.queue.extendLeases(jobIds, this.workerId, this.ctx.clock.wallClockNow() + this.options.leaseMs);
      if (heldCount < jobIds.length) {
        this.logger.warn({ runningCount: jobIds.length, heldCount }, 'job lease lost during the run');
      }
    } catch (error) {
      this.logger.error({ err: error }, 'lease renewal failed');
    } finally {
      this.isRenewing = false;
    }
  }

  /** Runs one claimed job. It never rejects, because a rejection here would have no handler. */
  private async runJob(job: JobRow): Promise<void> {
    const log = this.logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempts, maxAttempts: job.max_attempts });
    const startedMs = this.ctx.clock.wallClockNow();
    let run: RunEnd | undefined;
    if (this.options.isRecordingRuns) {
      const runId = newId();
      try {
        await this.queue.recordRunStart(runId, job, this.workerId, startedMs);
        run = { runId, outcome: '' };
      } catch (error) {
        log.error({ err: error }, 'job run record failed');
      }
    }
    let outcome: string;
    try {
      outcome = await this.execute(job, log, run);
    } catch (error) {
      outcome = 'queue_error';
      log.error({ err: error }, 'job bookkeeping failed');
    }
    const durationMs = this.ctx.clock.wallClockNow() - startedMs;
    this.ctx.metrics.jobsProcessed.inc({ type: job.type, outcome });
    this.ctx.metrics.jobDuration.observe({ type: job.type }, durationMs / 1000);
  }

  /** Runs one job and applies its result to the queue; returns the outcome label. */
  private async execute(job: JobRow, log: Logger, run: RunEnd | undefined): Promise<string> {
    const definition = Object.hasOwn(this.definitions, job.type) ? (this.definitions[job.type as JobType] as unknown as JobDefinition<JobType>) : undefined;
    const payload = definition?.parsePayload(parseJson(job.payload));
    if (definition === undefined || payload === undefined) {
      log.error({ isKnownType: definition !== undefined }, 'job dropped: unknown type or malformed payload');
      return this.release(job, { kind: 'complete' }, 'dropped', run, log);
    }
    if (job.attempts > job.max_attempts) {
      // Only a run that never reported back (its process died) gets past max_attempts.
      log.error('job exceeded its attempts without reporting a result; giving up');
      await definition.onExhausted?.(this.ctx, payload as never, 'The job ran out of attempts without reporting a result.');
      return this.release(job, { kind: 'complete' }, 'exhausted', run, log);
    }
    let result: JobResult;
    try {
      result = await definition.run(this.ctx, payload as never, { jobId: job.id, attempt: job.attempts, maxAttempts: job.max_attempts });
    } catch (error) {
      return this.handleFailure(job, definition, payload, error, log, run);
    }
    if (result.kind === 'reschedule') {
      return this.release(job, result, 'rescheduled', run, log);
    }
    return this.release(job, { kind: 'complete' }, 'done', run, log);
  }

  private async handleFailure(
    job: JobRow,
    definition: JobDefinition<JobType>,
    payload: JobPayloads[JobType],
    error: unknown,
    log: Logger,
    run: RunEnd | undefined,
  ): Promise<string> {
    const message = error instanceof Error ? error.message : String(error);
    if (job.attempts >= job.max_attempts) {
      log.error({ err: error }, 'job failed on its last attempt; giving up');
      await definition.onExhausted?.(this.ctx, payload as never, message);
      return this.release(job, { kind: 'complete' }, 'exhausted', run, log);
    }
    const delayMs = backoffDelayMs(job.attempts, definition.retryBaseMs(this.ctx), definition.retryCapMs);
    log.warn({ err: { message }, retryInMs: delayMs }, 'job failed; will retry');
    return this.release(job, { kind: 'retry', runAtMs: this.ctx.clock.now() + delayMs, error: message }, 'retried', run, log);
  }

  /** Applies the result to the queue and closes the run record. Returns `outcome`, marked when the lease was lost. */
  private async release(
    job: JobRow,
    release: { kind: 'complete' } | { kind: 'reschedule'; runAtMs: number } | { kind: 'retry'; runAtMs: number; error: string },
    outcome: string,
    run: RunEnd | undefined,
    log: Logger,
  ): Promise<string> {
    const runEnd = run === undefined ? undefined : { ...run, outcome };
    let isHeld: boolean;
    if (release.kind === 'complete') {
      isHeld = await this.queue.complete(job, this.workerId, runEnd);
    } else if (release.kind === 'reschedule') {
      isHeld = await this.queue.reschedule(job, this.workerId, release.runAtMs, runEnd);
    } else {
      isHeld = await this.queue.fail(job, this.workerId, release.runAtMs, release.error, runEnd);
    }
    if (!isHeld) {
      log.warn({ outcome }, 'job result not saved: lease lost');
      return `${outcome}:lease_lost`;
    }
    return outcome;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
