import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AppContext } from '../app/context.js';
import { newId } from '../app/ids.js';
import type { JobPayloads, JobType } from '../app/job-payloads.js';
import type { JobRow } from '../storage/schema.js';
import { JobQueue, backoffDelayMs } from './queue.js';
import type { JobDefinition, JobResult } from './registry.js';
import { JOB_DEFINITIONS, isJobType } from './registry.js';

export interface WorkerOptions {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  isRecordingRuns: boolean;
}

/**
 * Claims due jobs and runs up to `concurrency` of them at once. Leases are renewed
 * while a job runs; a job whose worker died is claimed again when its lease ends.
 */
export class Worker {
  readonly workerId = `${hostname()}:${process.pid}:${newId().slice(-6)}`;
  private readonly queue: JobQueue;
  private readonly logger: Logger;
  private readonly running = new Map<string, Promise<void>>();
  private isStopping = false;
  private loopPromise: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: WorkerOptions,
  ) {
    this.queue = new JobQueue(ctx.storage.db, ctx.storage.dialect);
    this.logger = ctx.logger.child({ workerId: this.workerId });
  }

  async start(): Promise<void> {
    if (this.ctx.storage.dialect.name === 'sqlite') {
      // SQLite serves a single instance, so any lease left at startup belongs to a process that died.
      await this.queue.releaseAllLeases();
    }
    this.heartbeat = setInterval(() => void this.renewLeases(), Math.max(250, Math.floor(this.options.leaseMs / 3)));
    this.loopPromise = this.loop();
    this.logger.info({ concurrency: this.options.concurrency }, 'worker started');
  }

  /** Skips the rest of the current poll wait. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming, waits for running jobs to end, and returns. */
  async stop(): Promise<void> {
    this.isStopping = true;
    this.wake();
    await this.loopPromise;
    await Promise.allSettled([...this.running.values()]);
    clearInterval(this.heartbeat);
    this.logger.info('worker stopped');
  }

  private async loop(): Promise<void> {
    while (!this.isStopping) {
      let claimedCount = 0;
      try {
        await this.ctx.clock.refresh();
        claimedCount = await this.claimAndRun();
      } catch (error) {
        this.logger.error({ err: error }, 'job claim failed');
      }
      const free = this.options.concurrency - this.running.size;
      if (claimedCount > 0 && free > 0) {
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
    const jobs = await this.queue.claim(this.workerId, free, serviceNowMs, wallNowMs, this.options.leaseMs);
    for (const job of jobs) {
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
    try {
      await this.queue.extendLeases([...this.running.keys()], this.workerId, this.ctx.clock.wallClockNow() + this.options.leaseMs);
    } catch (error) {
      this.logger.error({ err: error }, 'lease renewal failed');
    }
  }

  private async runJob(job: JobRow): Promise<void> {
    const log = this.logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempts, maxAttempts: job.max_attempts });
    const startedMs = Date.now();
    const runId = newId();
    if (this.options.isRecordingRuns) {
      await this.queue.recordRunStart(runId, job, this.workerId, startedMs);
    }
    let outcome: string;
    try {
      outcome = await this.execute(job, log);
    } catch (error) {
      outcome = 'queue_error';
      log.error({ err: error }, 'job bookkeeping failed');
    }
    const durationMs = Date.now() - startedMs;
    this.ctx.metrics.jobsProcessed.inc({ type: job.type, outcome });
    this.ctx.metrics.jobDuration.observe({ type: job.type }, durationMs / 1000);
    if (this.options.isRecordingRuns) {
      await this.queue.recordRunEnd(runId, Date.now(), outcome).catch((error: unknown) => log.error({ err: error }, 'job run record failed'));
    }
  }

  /** Runs one job and applies its result to the queue; returns the outcome label. */
  private async execute(job: JobRow, log: Logger): Promise<string> {
    if (!isJobType(job.type)) {
      log.error('unknown job type; job dropped');
      await this.queue.complete(job, this.workerId);
      return 'dropped';
    }
    const definition = JOB_DEFINITIONS[job.type] as unknown as JobDefinition<JobType>;
    const payload = definition.parsePayload(JSON.parse(job.payload));
    if (payload === undefined) {
      log.error('job payload has the wrong shape; job dropped');
      await this.queue.complete(job, this.workerId);
      return 'dropped';
    }
    let result: JobResult;
    try {
      result = await definition.run(this.ctx, payload as never, { jobId: job.id, attempt: job.attempts, maxAttempts: job.max_attempts });
    } catch (error) {
      return this.handleFailure(job, definition, payload, error, log);
    }
    if (result.kind === 'reschedule') {
      await this.queue.reschedule(job, this.workerId, result.runAtMs);
      return 'rescheduled';
    }
    await this.queue.complete(job, this.workerId);
    return 'done';
  }

  private async handleFailure(
    job: JobRow,
    definition: JobDefinition<JobType>,
    payload: JobPayloads[JobType],
    error: unknown,
    log: Logger,
  ): Promise<string> {
    const message = error instanceof Error ? error.message : String(error);
    if (job.attempts >= job.max_attempts) {
      log.error({ err: error }, 'job failed on its last attempt; giving up');
      await definition.onExhausted?.(this.ctx, payload as never, message);
      await this.queue.complete(job, this.workerId);
      return 'exhausted';
    }
    const delayMs = backoffDelayMs(job.attempts, definition.retryBaseMs(this.ctx), definition.retryCapMs);
    log.warn({ err: { message }, retryInMs: delayMs }, 'job failed; will retry');
    await this.queue.fail(job, this.workerId, this.ctx.clock.now() + delayMs, message);
    return 'retried';
  }
}
