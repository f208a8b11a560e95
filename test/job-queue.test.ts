import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPayloads } from '../src/app/job-payloads.js';
import { enqueueJob } from '../src/app/job-payloads.js';
import { JobQueue, backoffDelayMs } from '../src/jobs/queue.js';
import type { JobDefinitions } from '../src/jobs/registry.js';
import { JOB_DEFINITIONS } from '../src/jobs/registry.js';
import { Worker } from '../src/jobs/worker.js';
import type { Storage } from '../src/storage/storage.js';
import { openMigratedStorage } from '../src/storage/storage.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const LEASE_MS = 1000;
const T0 = 1_700_000_000_000;

async function enqueue(storage: Storage, eventId: string, runAtMs: number, maxAttempts?: number): Promise<string> {
  const payload: JobPayloads['deliver_callback'] = { eventId };
  return storage.db.transaction().execute((trx) => enqueueJob(trx, 'deliver_callback', payload, { runAtMs, ...(maxAttempts === undefined ? {} : { maxAttempts }) }));
}

async function jobRow(storage: Storage, jobId: string) {
  return storage.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
}

function activeTimerCount(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('backoffDelayMs', () => {
  it.each([
    { attempt: 1, baseMs: 1000, capMs: 60_000, random: 0, expected: 500 },
    { attempt: 1, baseMs: 1000, capMs: 60_000, random: 1, expected: 1000 },
    { attempt: 2, baseMs: 1000, capMs: 60_000, random: 0, expected: 1000 },
    { attempt: 3, baseMs: 1000, capMs: 60_000, random: 0.5, expected: 3000 },
    { attempt: 4, baseMs: 1000, capMs: 60_000, random: 1, expected: 8000 },
    { attempt: 7, baseMs: 1000, capMs: 60_000, random: 1, expected: 60_000 },
    { attempt: 7, baseMs: 1000, capMs: 60_000, random: 0, expected: 30_000 },
    { attempt: 50, baseMs: 1000, capMs: 60_000, random: 0.25, expected: 37_500 },
    { attempt: 5000, baseMs: 1000, capMs: 60_000, random: 1, expected: 60_000 },
    { attempt: 0, baseMs: 200, capMs: 60_000, random: 1, expected: 200 },
  ])('attempt $attempt with random $random gives $expected ms', ({ attempt, baseMs, capMs, random, expected }) => {
    expect(backoffDelayMs(attempt, baseMs, capMs, () => random)).toBe(expected);
  });

  it('stays within half and all of the capped delay', () => {
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      const ceiling = Math.min(60_000, 100 * 2 ** (attempt - 1));
      for (const random of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const delayMs = backoffDelayMs(attempt, 100, 60_000, () => random);
        expect(delayMs).toBeGreaterThanOrEqual(Math.round(ceiling / 2));
        expect(delayMs).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

describe.each(DIALECTS)('job queue on %s', (dialect) => {
  let storage: Storage;
  let queue: JobQueue;

  beforeAll(async () => {
    storage = await openMigratedStorage(await newDatabaseUrl(dialect));
    queue = new JobQueue(storage.db, storage.dialect);
  });

  afterAll(async () => {
    await storage.close();
  });

  it('claims only jobs that are due', async () => {
    const dueId = await enqueue(storage, 'due', T0);
    const laterId = await enqueue(storage, 'later', T0 + 5000);

    const first = await queue.claim('worker-a', 10, T0 + 1000, T0, LEASE_MS);
    expect(first.map((job) => job.id)).toEqual([dueId]);
    expect(first[0]?.locked_by).toBe('worker-a');
    expect(first[0]?.attempts).toBe(1);
    expect(first[0]?.locked_until_ms).toBe(T0 + LEASE_MS);

    const second = await queue.claim('worker-a', 10, T0 + 5000, T0, LEASE_MS);
    expect(second.map((job) => job.id)).toEqual([laterId]);
    await queue.complete(first[0]!, 'worker-a');
    await queue.complete(second[0]!, 'worker-a');
  });

  it('claims the earliest due jobs up to the limit', async () => {
    const ids = [await enqueue(storage, 'c', T0 + 30), await enqueue(storage, 'a', T0 + 10), await enqueue(storage, 'b', T0 + 20)];
    const claimed = await queue.claim('worker-a', 2, T0 + 100, T0, LEASE_MS);
    expect(claimed.map((job) => job.id)).toEqual([ids[1], ids[2]]);
    const rest = await queue.claim('worker-a', 2, T0 + 100, T0, LEASE_MS);
    expect(rest.map((job) => job.id)).toEqual([ids[0]]);
    for (const job of [...claimed, ...rest]) {
      await queue.complete(job, 'worker-a');
    }
  });

  it('skips a job while its lease lasts', async () => {
    const jobId = await enqueue(storage, 'leased', T0);
    const [claimed] = await queue.claim('worker-a', 10, T0, T0, LEASE_MS);
    expect(claimed?.id).toBe(jobId);
    expect(await queue.claim('worker-b', 10, T0 + 10_000, T0 + LEASE_MS - 1, LEASE_MS)).toEqual([]);
    expect(await queue.claim('worker-b', 10, T0 + 10_000, T0 + LEASE_MS, LEASE_MS)).toEqual([]);
    await queue.complete(claimed!, 'worker-a');
  });

  it('claims a job again once its lease expired', async () => {
    const jobId = await enqueue(storage, 'expired', T0);
    const [lost] = await queue.claim('worker-a', 10, T0, T0, LEASE_MS);
    const [taken] = await queue.claim('worker-b', 10, T0, T0 + LEASE_MS + 1, LEASE_MS);
    expect(taken?.id).toBe(jobId);
    expect(taken?.locked_by).toBe('worker-b');
    expect(taken?.attempts).toBe(2);
    expect(taken?.locked_until_ms).toBe(T0 + 2 * LEASE_MS + 1);
    expect(lost?.attempts).toBe(1);
    await queue.complete(taken!, 'worker-b');
  });

  it('renews only leases the worker still holds', async () => {
    const jobId = await enqueue(storage, 'renew', T0);
    const [lost] = await queue.claim('worker-a', 10, T0, T0, LEASE_MS);
    const [taken] = await queue.claim('worker-b', 10, T0, T0 + LEASE_MS + 1, LEASE_MS);

    expect(await queue.extendLeases([jobId], 'worker-a', T0 + 99_000)).toBe(0);
    expect((await jobRow(storage, jobId))?.locked_until_ms).toBe(T0 + 2 * LEASE_MS + 1);
    expect(await queue.extendLeases([jobId], 'worker-b', T0 + 99_000)).toBe(1);
    expect((await jobRow(storage, jobId))?.locked_until_ms).toBe(T0 + 99_000);
    expect(lost?.id).toBe(jobId);
    await queue.complete(taken!, 'worker-b');
  });

  it('ignores results from a worker that lost its lease', async () => {
    const jobId = await enqueue(storage, 'stale', T0);
    const [lost] = await queue.claim('worker-a', 10, T0, T0, LEASE_MS);
    const [taken] = await queue.claim('worker-b', 10, T0, T0 + LEASE_MS + 1, LEASE_MS);
    const before = await jobRow(storage, jobId);

    expect(await queue.complete(lost!, 'worker-a')).toBe(false);
    expect(await queue.reschedule(lost!, 'worker-a', T0 + 50_000)).toBe(false);
    expect(await queue.fail(lost!, 'worker-a', T0 + 60_000, 'late failure')).toBe(false);

    const after = await jobRow(storage, jobId);
    expect(after).toEqual(before);
    expect(after?.locked_by).toBe('worker-b');
    expect(after?.run_at_ms).toBe(T0);
    expect(after?.last_error).toBeNull();

    expect(await queue.complete(taken!, 'worker-b')).toBe(true);
    expect(await jobRow(storage, jobId)).toBeUndefined();
  });

  it('frees a job on reschedule and on failure', async () => {
    const jobId = await enqueue(storage, 'release', T0);
    const [first] = await queue.claim('worker-a', 10, T0, T0, LEASE_MS);
    expect(await queue.reschedule(first!, 'worker-a', T0 + 500)).toBe(true);
    const rescheduled = await jobRow(storage, jobId);
    expect(rescheduled).toMatchObject({ run_at_ms: T0 + 500, attempts: 0, locked_by: null, locked_until_ms: null });

    const [second] = await queue.claim('worker-a', 10, T0 + 500, T0, LEASE_MS);
    expect(second?.attempts).toBe(1);
    expect(await queue.fail(second!, 'worker-a', T0 + 900, 'receiver answered 500')).toBe(true);
    const failed = await jobRow(storage, jobId);
    expect(failed).toMatchObject({ run_at_ms: T0 + 900, attempts: 1, locked_by: null, last_error: 'receiver answered 500' });

    const [third] = await queue.claim('worker-a', 10, T0 + 900, T0, LEASE_MS);
    expect(third?.attempts).toBe(2);
    await queue.complete(third!, 'worker-a');
  });

  it('gives concurrent claims disjoint jobs', async () => {
    const ids = new Set<string>();
    for (let index = 0; index < 12; index += 1) {
      ids.add(await enqueue(storage, `concurrent-${index}`, T0));
    }
    const claims = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((workerId) => queue.claim(workerId, 5, T0, T0, LEASE_MS)));
    const claimedIds = claims.flat().map((job) => job.id);
    expect(claimedIds).toHaveLength(12);
    expect(new Set(claimedIds)).toEqual(ids);
    for (const [index, jobs] of claims.entries()) {
      for (const job of jobs) {
        expect(job.locked_by).toBe(`w${index + 1}`);
        await queue.complete(job, job.locked_by as string);
      }
    }
  });
});

describe.each(DIALECTS)('worker on %s', (dialect) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), {}, { isRunningWorker: false });
  });

  afterAll(async () => {
    await service.close();
  });

  function startWorker(definitions: JobDefinitions): Worker {
    const worker = new Worker(service.service.ctx, { concurrency: 4, pollIntervalMs: 20, leaseMs: 5000, isRecordingRuns: true }, definitions);
    return worker;
  }

  it('calls onExhausted once after the last attempt', async () => {
    const exhaustedCalls: Array<{ eventId: string; error: string }> = [];
    let runCount = 0;
    const definitions: JobDefinitions = {
      ...JOB_DEFINITIONS,
      deliver_callback: {
        ...JOB_DEFINITIONS.deliver_callback,
        run: async () => {
          runCount += 1;
          throw new Error(`receiver answered 503 on run ${runCount}`);
        },
        onExhausted: async (_ctx, payload, error) => {
          exhaustedCalls.push({ eventId: payload.eventId, error });
        },
        retryBaseMs: () => 10,
      },
    };
    const jobId = await enqueue(service.service.ctx.storage, 'always-failing', service.service.ctx.clock.now(), 3);
    const worker = startWorker(definitions);
    await worker.start();
    try {
      await waitUntil(() => jobRow(service.service.ctx.storage, jobId), (row) => row === undefined, 10_000);
      // Give a wrongly repeated exhaustion time to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await worker.stop();
    }
    expect(runCount).toBe(3);
    expect(exhaustedCalls).toEqual([{ eventId: 'always-failing', error: 'receiver answered 503 on run 3' }]);

    const runs = await service.service.ctx.storage.db.selectFrom('job_runs').selectAll().where('job_id', '=', jobId).orderBy('attempt').execute();
    expect(runs.map((run) => [run.attempt, run.outcome])).toEqual([
      [1, 'retried'],
      [2, 'retried'],
      [3, 'exhausted'],
    ]);
    expect(runs.every((run) => run.worker_id === worker.workerId && run.ended_ms !== null)).toBe(true);
  });

  it('gives up on a job that outlived its attempts without a result', async () => {
    const exhaustedCalls: string[] = [];
    let runCount = 0;
    const definitions: JobDefinitions = {
      ...JOB_DEFINITIONS,
      deliver_callback: {
        ...JOB_DEFINITIONS.deliver_callback,
        run: async () => {
          runCount += 1;
          return { kind: 'done' };
        },
        onExhausted: async (_ctx, payload) => {
          exhaustedCalls.push(payload.eventId);
        },
      },
    };
    const storage = service.service.ctx.storage;
    const jobId = await enqueue(storage, 'crashed-twice', service.service.ctx.clock.now(), 2);
    // Two claims whose workers died before reporting: attempts is at the maximum.
    await storage.db.updateTable('jobs').set({ attempts: 2 }).where('id', '=', jobId).execute();
    const worker = startWorker(definitions);
    await worker.start();
    try {
      await waitUntil(() => jobRow(storage, jobId), (row) => row === undefined, 10_000);
    } finally {
      await worker.stop();
    }
    expect(runCount).toBe(0);
    expect(exhaustedCalls).toEqual(['crashed-twice']);
  });

  it('drops a job whose payload is not JSON', async () => {
    const storage = service.service.ctx.storage;
    const jobId = await enqueue(storage, 'malformed', service.service.ctx.clock.now());
    await storage.db.updateTable('jobs').set({ payload: '{not json' }).where('id', '=', jobId).execute();
    const worker = startWorker(JOB_DEFINITIONS);
    await worker.start();
    try {
      await waitUntil(() => jobRow(storage, jobId), (row) => row === undefined, 10_000);
    } finally {
      await worker.stop();
    }
    const [run] = await storage.db.selectFrom('job_runs').select('outcome').where('job_id', '=', jobId).execute();
    expect(run?.outcome).toBe('dropped');
  });

  // Only on SQLite: the pg pool keeps one idle timer per idle client, so the process's
  // timer count there moves with pool use, not with the worker.
  it.runIf(dialect === 'sqlite')('stops promptly and leaves no timers', async () => {
    const timersBefore = activeTimerCount();
    const worker = new Worker(service.service.ctx, { concurrency: 2, pollIntervalMs: 60_000, leaseMs: 3000, isRecordingRuns: false });
    await worker.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopStartedMs = Date.now();
    await worker.stop();
    expect(Date.now() - stopStartedMs).toBeLessThan(1000);
    expect(activeTimerCount()).toBe(timersBefore);
  });

  it('waits for a running job before it stops', async () => {
    let isFinished = false;
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const definitions: JobDefinitions = {
      ...JOB_DEFINITIONS,
      deliver_callback: {
        ...JOB_DEFINITIONS.deliver_callback,
        run: async () => {
          markStarted();
          await new Promise((resolve) => setTimeout(resolve, 300));
          isFinished = true;
          return { kind: 'done' };
        },
      },
    };
    const storage = service.service.ctx.storage;
    const jobId = await enqueue(storage, 'slow', service.service.ctx.clock.now());
    const worker = startWorker(definitions);
    await worker.start();
    await started;
    await worker.stop();
    expect(isFinished).toBe(true);
    expect(await jobRow(storage, jobId)).toBeUndefined();
  });
});
