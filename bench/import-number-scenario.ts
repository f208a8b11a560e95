import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Request as AutocannonRequest } from 'autocannon';
import type { BareFixtures } from './bare-server.js';
import type { BenchSession, LoadTarget, ScenarioResult } from './harness.js';
import { compareTargets, fetchBearerToken, findMeasurement, median, requestJson } from './harness.js';
import type { NumberhostServer } from './server-processes.js';
import { startBareServer, startNumberhost } from './server-processes.js';
import type { UsNumberSource } from './us-number-source.js';

export const IMPORT_TARGET_REQUESTS_PER_SECOND = 1500;
const QUEUE_DRAIN_TIMEOUT_MS = 30_000;

/** Builds a `POST /importedNumbers` load target whose every request imports a new number. */
function importTarget(label: string, url: string, authorization: string | undefined, numbers: UsNumberSource): LoadTarget {
  const request: AutocannonRequest = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    setupRequest: (current) => ({
      ...current,
      body: JSON.stringify({
        phoneNumber: numbers.next(),
        regionCode: 'US',
        smsConfiguration: { servicePlanId: 'bench-plan', campaignId: 'BENCHCAMPAIGN' },
      }),
    }),
  };
  return { label, options: { url, requests: [request] } };
}

/** Counts the jobs left in a numberhost SQLite database through a read-only connection. */
function countJobs(databasePath: string): number {
  const database = new SqliteDatabase(databasePath, { readonly: true, fileMustExist: true });
  try {
    return (database.prepare('select count(*) as count from jobs').get() as { count: number }).count;
  } finally {
    database.close();
  }
}

/**
 * Waits until the worker has run every job, so the next load run starts from an idle
 * server. Returns the wait in ms, or undefined when jobs were still queued after 30 s.
 * The next run then starts anyway, and the report lists the timeout.
 */
async function waitForEmptyQueue(server: NumberhostServer): Promise<number | undefined> {
  const startedMs = Date.now();
  while (countJobs(server.databasePath) > 0) {
    if (Date.now() - startedMs > QUEUE_DRAIN_TIMEOUT_MS) {
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Date.now() - startedMs;
}

function describeDrainTimes(drainTimesMs: Array<number | undefined>): string {
  const finished = drainTimesMs.filter((time): time is number => time !== undefined);
  const unfinished = drainTimesMs.length - finished.length;
  const medianText = finished.length === 0 ? 'never' : `in a median ${(median(finished) / 1000).toFixed(1)} s`;
  return (
    `After each load run on the worker-on server the job queue emptied ${medianText} (default NUMBERHOST_STEP_DELAY_MS of 2000 ms)` +
    (unfinished === 0 ? '.' : `; ${unfinished} of ${drainTimesMs.length} waits gave up after ${QUEUE_DRAIN_TIMEOUT_MS / 1000} s.`)
  );
}

/**
 * Scenario 2: `POST /v1/projects/{p}/importedNumbers` with a new number in every request
 * and a bearer token, against a bare Fastify POST route that parses the JSON and returns
 * a body of the same shape. numberhost runs as `npm start` does, with its worker, so each
 * import also costs the provisioning and campaign jobs it queues. After each load run
 * the benchmark waits for the queue to empty. A second numberhost started with
 * `--no-worker` shows the cost of the HTTP path alone.
 */
export async function runImportNumberScenario(session: BenchSession, numbers: UsNumberSource): Promise<ScenarioResult> {
  const server = await startNumberhost(session, 'import-number');
  const httpOnly = await startNumberhost(session, 'import-number-no-worker', { serveArgs: ['--no-worker'] });
  try {
    const bearer = `Bearer ${await fetchBearerToken(server.url, server.keyId, server.keySecret)}`;
    const httpOnlyBearer = `Bearer ${await fetchBearerToken(httpOnly.url, httpOnly.keyId, httpOnly.keySecret)}`;
    const sample = await requestJson<Record<string, unknown>>(`${server.url}/v1/projects/${server.projectId}/importedNumbers`, bearer, {
      method: 'POST',
      body: { phoneNumber: numbers.next(), regionCode: 'US', smsConfiguration: { servicePlanId: 'bench-plan', campaignId: 'BENCHCAMPAIGN' } },
    });
    const fixturePath = join(session.tempDir, 'import-number-fixtures.json');
    const fixtures: BareFixtures = { importResponse: sample };
    writeFileSync(fixturePath, JSON.stringify(fixtures));
    const bare = await startBareServer(session, 'import-number-bare', fixturePath);
    const drainTimesMs: Array<number | undefined> = [];
    try {
      const withWorker = 'numberhost POST import (worker on)';
      const measurements = await compareTargets(
        session,
        [
          importTarget(withWorker, `${server.url}/v1/projects/${server.projectId}/importedNumbers`, bearer, numbers),
          importTarget('numberhost POST import (--no-worker)', `${httpOnly.url}/v1/projects/${httpOnly.projectId}/importedNumbers`, httpOnlyBearer, numbers),
          importTarget('bare Fastify POST', `${bare.url}/v1/projects/${server.projectId}/importedNumbers`, undefined, numbers),
        ],
        async (target) => {
          if (target.label === withWorker) {
            drainTimesMs.push(await waitForEmptyQueue(server));
          }
        },
      );
      const rate = findMeasurement(measurements, withWorker).median;
      const bareRate = findMeasurement(measurements, 'bare Fastify POST').median;
      const httpOnlyRate = findMeasurement(measurements, 'numberhost POST import (--no-worker)').median;
      return {
        title: 'POST import, a new number per request',
        measurements,
        ratios: [
          { label: 'numberhost (worker on) / bare', value: rate / bareRate },
          { label: 'numberhost (--no-worker) / bare', value: httpOnlyRate / bareRate },
        ],
        targets: [
          {
            description: `numberhost POST import (worker on) at least ${IMPORT_TARGET_REQUESTS_PER_SECOND.toLocaleString('en-US')} requests/s`,
            isMet: rate >= IMPORT_TARGET_REQUESTS_PER_SECOND,
            detail: `${rate.toLocaleString('en-US')} req/s, ${((100 * rate) / IMPORT_TARGET_REQUESTS_PER_SECOND).toFixed(0)}% of the target`,
          },
        ],
        notes: [
          describeDrainTimes(drainTimesMs),
          server.describeWarnings(),
          httpOnly.describeWarnings(),
        ],
      };
    } finally {
      await bare.stop();
    }
  } finally {
    await Promise.all([server.stop(), httpOnly.stop()]);
  }
}
