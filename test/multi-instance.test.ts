import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPostgresUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import { waitUntil } from './helpers/service.js';
import type { SpawnedServer } from './helpers/spawn.js';
import { killSpawnedServers, spawnServer } from './helpers/spawn.js';

const ORDER_COUNT = 50;
const NUMBERS_PER_ORDER = 5;
// Each import order sends one PROVISIONING, one LINK and one HOSTING_PROCESS event per number.
const EVENTS_PER_ORDER = 3 * NUMBERS_PER_ORDER;
const AREA_CODES = ['202', '212', '312', '415'];
// Sandbox lines 0100-0179 of exchange 555 always succeed.
const SUCCEEDING_LINES_PER_AREA_CODE = 80;

const SERVER_ENV = {
  NUMBERHOST_RECORD_JOB_RUNS: '1',
  NUMBERHOST_STEP_DELAY_MS: '0',
  NUMBERHOST_WORKER_POLL_MS: '50',
  NUMBERHOST_CALLBACK_RETRY_BASE_MS: '100',
};

interface JobRun {
  job_id: string;
  job_type: string;
  worker_id: string;
  started_ms: number;
  ended_ms: number | null;
}

function orderNumbers(orderIndex: number): string[] {
  return Array.from({ length: NUMBERS_PER_ORDER }, (_, position) => {
    const index = orderIndex * NUMBERS_PER_ORDER + position;
    const areaCode = AREA_CODES[Math.floor(index / SUCCEEDING_LINES_PER_AREA_CODE)] as string;
    const line = 100 + (index % SUCCEEDING_LINES_PER_AREA_CODE);
    return `+1${areaCode}5550${line}`;
  });
}

/** Pairs of runs of one job whose [started, ended] intervals intersect. */
function overlappingRuns(runs: JobRun[]): Array<[JobRun, JobRun]> {
  const byJob = new Map<string, JobRun[]>();
  for (const run of runs) {
    byJob.set(run.job_id, [...(byJob.get(run.job_id) ?? []), run]);
  }
  const overlaps: Array<[JobRun, JobRun]> = [];
  for (const jobRuns of byJob.values()) {
    const sorted = [...jobRuns].sort((a, b) => a.started_ms - b.started_ms);
    for (let i = 1; i < sorted.length; i += 1) {
      const previous = sorted[i - 1] as JobRun;
      const current = sorted[i] as JobRun;
      if (current.started_ms < (previous.ended_ms ?? Number.POSITIVE_INFINITY)) {
        overlaps.push([previous, current]);
      }
    }
  }
  return overlaps;
}

describe('two instances on one PostgreSQL database', () => {
  let databaseUrl: string;
  let client: pg.Client;
  let first: SpawnedServer;
  let second: SpawnedServer;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;
  const orderIds: string[] = [];

  beforeAll(async () => {
    databaseUrl = await newPostgresUrl();
    callbackUrl = await receiver.start();
    first = await spawnServer(databaseUrl, SERVER_ENV);
    // Started after the first, so it reads the sandbox credentials the first one stored.
    second = await spawnServer(databaseUrl, SERVER_ENV);
    client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
  });

  afterAll(async () => {
    await killSpawnedServers();
    await client?.end();
    await receiver.stop();
  });

  it('shares one project between both instances', () => {
    expect(second.projectId).toBe(first.projectId);
    expect(second.keyId).toBe(first.keyId);
  });

  it('completes 50 import orders posted to both', async () => {
    const responses = await Promise.all(
      Array.from({ length: ORDER_COUNT }, async (_, orderIndex) => {
        const server = orderIndex % 2 === 0 ? first : second;
        const response = await server.api('/hostingOrders:importNumbers', {
          method: 'POST',
          body: JSON.stringify({ numbers: orderNumbers(orderIndex), regionCode: 'US', servicePlanId: 'plan-multi', campaignId: 'CAMPMULTI', callbackUrl }),
        });
        return { status: response.status, body: (await response.json()) as { hostingOrderId: string } };
      }),
    );
    for (const response of responses) {
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      orderIds.push(response.body.hostingOrderId);
    }

    const states = await waitUntil(
      async () => {
        const result = await client.query<{ state: string; count: string }>('select state, count(*) as count from hosting_orders group by state');
        return Object.fromEntries(result.rows.map((row) => [row.state, Number(row.count)]));
      },
      (counts) => counts.COMPLETED === ORDER_COUNT,
      90_000,
      200,
    );
    expect(states).toEqual({ COMPLETED: ORDER_COUNT });

    for (const [index, hostingOrderId] of orderIds.entries()) {
      const server = index % 2 === 0 ? second : first;
      const order = (await (await server.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string };
      expect(order.state).toBe('COMPLETED');
    }
  });

  it('delivers every event once the queue drains', async () => {
    await waitUntil(
      async () => Number((await client.query<{ count: string }>('select count(*) as count from jobs')).rows[0]?.count),
      (count) => count === 0,
      60_000,
      200,
    );
    const events = await client.query<{ id: string; delivery_state: string }>('select id, delivery_state from callback_events');
    expect(events.rows).toHaveLength(ORDER_COUNT * EVENTS_PER_ORDER);
    expect(events.rows.filter((event) => event.delivery_state !== 'DELIVERED')).toEqual([]);
    const receivedIds = new Set(receiver.payloads().map((payload) => payload.eventId));
    expect(events.rows.filter((event) => !receivedIds.has(event.id))).toEqual([]);
  });

  it('never runs one job on two workers at once', async () => {
    const result = await client.query<JobRun>('select job_id, job_type, worker_id, started_ms, ended_ms from job_runs');
    const runs = result.rows;
    expect(runs.length).toBeGreaterThan(ORDER_COUNT * NUMBERS_PER_ORDER * 2);
    expect(runs.filter((run) => run.ended_ms === null)).toEqual([]);
    expect(overlappingRuns(runs)).toEqual([]);
  });

  it('spreads the jobs over both workers', async () => {
    const result = await client.query<{ worker_id: string; count: string }>('select worker_id, count(*) as count from job_runs group by worker_id');
    // Each process runs a step worker and a callback worker; worker ids read host:pid:suffix.
    const countsByPid = new Map<number, number>();
    for (const row of result.rows) {
      const pid = Number(row.worker_id.split(':')[1]);
      countsByPid.set(pid, (countsByPid.get(pid) ?? 0) + Number(row.count));
    }
    expect([...countsByPid.keys()].sort()).toEqual([first.process.pid, second.process.pid].sort());
    for (const count of countsByPid.values()) {
      expect(count).toBeGreaterThan(0);
    }
  });

  it('stops both instances on SIGTERM', async () => {
    expect(await first.kill('SIGTERM')).toBe(0);
    expect(await second.kill('SIGTERM')).toBe(0);
  });
});
