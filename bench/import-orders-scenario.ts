import { CallbackCounter } from './callback-counter.js';
import type { BenchSession, Measurement, ScenarioResult } from './harness.js';
import { fetchBearerToken, median, requestJson, scrapeMetrics } from './harness.js';
import type { NumberhostServer } from './server-processes.js';
import { startNumberhost } from './server-processes.js';
import type { UsNumberSource } from './us-number-source.js';

export const ORDER_COUNT = 1000;
export const NUMBERS_PER_ORDER = 5;
/** Each number sends PROVISIONING_TO_SMS_PLATFORM, LINK_TO_10DLC_CAMPAIGN and HOSTING_PROCESS. */
export const CALLBACKS_PER_NUMBER = 3;
export const TARGET_SECONDS = 60;
/** A run that has not finished by then is stopped and reported as missed. */
const RUN_DEADLINE_MS = 75_000;
/** Orders in flight at once while posting. */
const POST_CONCURRENCY = 10;
const COMPLETION_POLL_MS = 250;
/** User plus system CPU time of the server process, from prom-client's default metrics. */
const CPU_METRIC = 'numberhost_process_cpu_seconds_total';

interface OrderRun {
  isFinished: boolean;
  elapsedSeconds: number;
  postSeconds: number;
  callbacksReceived: number;
  completedOrders: number;
  callbacksByEventType: string;
  callbacksByStatus: string;
  duplicates: number;
  /** Job counts and mean durations by type, and the server's CPU time, from GET /metrics. */
  serverStats: string;
  serverCpuSeconds: number;
  serverWarnings: string;
}

async function postOrders(server: NumberhostServer, authorization: string, bodies: object[]): Promise<void> {
  const url = `${server.url}/v1/projects/${server.projectId}/hostingOrders:importNumbers`;
  let next = 0;
  const poster = async () => {
    while (next < bodies.length) {
      const body = bodies[next] as object;
      next += 1;
      const order = await requestJson<{ state: string }>(url, authorization, { method: 'POST', body });
      if (order.state !== 'SUBMITTED') {
        throw new Error(`A new import order is ${order.state}, expected SUBMITTED.`);
      }
    }
  };
  await Promise.all(Array.from({ length: POST_CONCURRENCY }, poster));
}

async function countCompletedOrders(server: NumberhostServer, authorization: string): Promise<number> {
  const query = 'states=COMPLETED&type=IMPORT&servicePlanId=&campaignId=&pageSize=1';
  const page = await requestJson<{ totalSize: number }>(`${server.url}/v1/projects/${server.projectId}/hostingOrders?${query}`, authorization);
  return page.totalSize;
}

function formatCounts(counts: Map<string, number>): string {
  return [...counts.entries()].map(([key, count]) => `${key} ${count}`).join(', ');
}

/**
 * Summarizes the server's metrics since the previous scrape: runs and mean run time per
 * job type, the mean callback POST time, the queue lag and the event loop delay.
 */
function describeServerStats(metrics: Map<string, number>): string {
  const types = ['start_hosting_order', 'sms_step', 'campaign_step', 'deliver_callback'];
  const jobs = types.map((type) => {
    const count = metrics.get(`numberhost_job_duration_seconds_count{type="${type}"}`) ?? 0;
    const sumSeconds = metrics.get(`numberhost_job_duration_seconds_sum{type="${type}"}`) ?? 0;
    return `${type} ${count} runs, mean ${count === 0 ? 0 : ((1000 * sumSeconds) / count).toFixed(1)} ms`;
  });
  const meanMs = (name: string) => {
    const count = metrics.get(`${name}_count`) ?? 0;
    return count === 0 ? '0' : ((1000 * (metrics.get(`${name}_sum`) ?? 0)) / count).toFixed(1);
  };
  const loopDelayMs = (statistic: string) => (1000 * (metrics.get(`numberhost_nodejs_eventloop_lag_${statistic}_seconds`) ?? 0)).toFixed(1);
  return (
    `${jobs.join('; ')}; mean callback POST ${meanMs('numberhost_callback_attempt_duration_seconds')} ms; ` +
    `mean queue lag ${meanMs('numberhost_job_queue_lag_seconds')} ms; ` +
    `event loop delay mean ${loopDelayMs('mean')} ms, p99 ${loopDelayMs('p99')} ms, max ${loopDelayMs('max')} ms`
  );
}

function orderBodies(numbers: UsNumberSource, callbackUrl: string): object[] {
  return Array.from({ length: ORDER_COUNT }, (_, index) => ({
    numbers: numbers.take(NUMBERS_PER_ORDER),
    regionCode: 'US',
    displayName: `bench order ${index + 1}`,
    servicePlanId: 'bench-plan',
    campaignId: 'BENCHCAMPAIGN',
    callbackUrl,
  }));
}

/**
 * Waits for every callback, then polls the API until every order is COMPLETED; gives
 * up at `deadlineMs` (a `performance.now()` time).
 */
async function waitForOrders(
  server: NumberhostServer,
  authorization: string,
  counter: CallbackCounter,
  deadlineMs: number,
): Promise<{ isFinished: boolean; completedOrders: number }> {
  const expectedCallbacks = ORDER_COUNT * NUMBERS_PER_ORDER * CALLBACKS_PER_NUMBER;
  const hasAllCallbacks = await counter.waitForCount(expectedCallbacks, deadlineMs);
  let completedOrders = await countCompletedOrders(server, authorization);
  while (hasAllCallbacks && completedOrders < ORDER_COUNT) {
    if (performance.now() > deadlineMs) {
      return { isFinished: false, completedOrders };
    }
    await new Promise((resolve) => setTimeout(resolve, COMPLETION_POLL_MS));
    completedOrders = await countCompletedOrders(server, authorization);
  }
  return { isFinished: hasAllCallbacks, completedOrders };
}

/**
 * One run on a fresh server: posts every order, then waits for every callback and for
 * every order to be COMPLETED, or for the deadline.
 */
async function runOnce(session: BenchSession, numbers: UsNumberSource, runIndex: number): Promise<OrderRun> {
  const counter = new CallbackCounter();
  const callbackUrl = await counter.start();
  const server = await startNumberhost(session, `import-orders-${runIndex + 1}`, { env: { NUMBERHOST_STEP_DELAY_MS: '0' } });
  try {
    const authorization = `Bearer ${await fetchBearerToken(server.url, server.keyId, server.keySecret)}`;
    const bodies = orderBodies(numbers, callbackUrl);
    const cpuBefore = (await scrapeMetrics(server.url)).get(CPU_METRIC) ?? 0;

    const startedMs = performance.now();
    await postOrders(server, authorization, bodies);
    const postSeconds = (performance.now() - startedMs) / 1000;
    const { isFinished, completedOrders } = await waitForOrders(server, authorization, counter, startedMs + RUN_DEADLINE_MS);
    const elapsedSeconds = (performance.now() - startedMs) / 1000;

    const metrics = await scrapeMetrics(server.url);
    process.stderr.write(
      `  run ${runIndex + 1}: ${elapsedSeconds.toFixed(1)} s, ${counter.uniqueCount} callbacks, ${completedOrders} orders COMPLETED${isFinished ? '' : ' (deadline reached)'}\n`,
    );
    return {
      isFinished,
      elapsedSeconds,
      postSeconds,
      callbacksReceived: counter.uniqueCount,
      completedOrders,
      callbacksByEventType: formatCounts(counter.byEventType),
      callbacksByStatus: formatCounts(counter.byStatus),
      duplicates: counter.duplicates,
      serverStats: describeServerStats(metrics),
      serverCpuSeconds: (metrics.get(CPU_METRIC) ?? 0) - cpuBefore,
      serverWarnings: server.describeWarnings(),
    };
  } finally {
    await server.stop();
    await counter.stop();
  }
}

/**
 * Scenario 4: 1,000 `hostingOrders:importNumbers` orders of 5 numbers each, with a
 * campaign and a callback URL on a loopback receiver, and NUMBERHOST_STEP_DELAY_MS=0.
 * The time runs from the first POST until all 15,000 callbacks have arrived and all
 * orders are COMPLETED. Every run uses a fresh server and database.
 */
export async function runImportOrdersScenario(session: BenchSession, numbers: UsNumberSource): Promise<ScenarioResult> {
  const runs: OrderRun[] = [];
  for (let index = 0; index < session.runs; index++) {
    runs.push(await runOnce(session, numbers, index));
  }
  const elapsed: Measurement = {
    label: `${ORDER_COUNT} orders x ${NUMBERS_PER_ORDER} numbers, first POST to last callback`,
    unit: 's',
    runs: runs.map((run) => run.elapsedSeconds),
    median: median(runs.map((run) => run.elapsedSeconds)),
  };
  const posting: Measurement = {
    label: `posting the ${ORDER_COUNT} orders (${POST_CONCURRENCY} in flight)`,
    unit: 's',
    runs: runs.map((run) => run.postSeconds),
    median: median(runs.map((run) => run.postSeconds)),
  };
  const unfinishedRuns = runs.filter((run) => !run.isFinished).length;
  const expectedCallbacks = ORDER_COUNT * NUMBERS_PER_ORDER * CALLBACKS_PER_NUMBER;
  const medianRun = runs.find((run) => run.elapsedSeconds === elapsed.median) ?? (runs[0] as OrderRun);
  return {
    title: `Throughput: ${ORDER_COUNT.toLocaleString('en-US')} import orders of ${NUMBERS_PER_ORDER} numbers`,
    measurements: [elapsed, posting],
    ratios: [],
    targets: [
      {
        description: `all orders COMPLETED and ${expectedCallbacks.toLocaleString('en-US')} callbacks delivered in under ${TARGET_SECONDS} s`,
        // An unfinished run stopped at the deadline, which is past the target, so the median alone decides.
        isMet: elapsed.median < TARGET_SECONDS,
        detail:
          `median ${elapsed.median.toFixed(1)} s` +
          (unfinishedRuns === 0 ? '' : `; ${unfinishedRuns} of ${runs.length} runs stopped unfinished at the ${RUN_DEADLINE_MS / 1000} s deadline`),
      },
    ],
    notes: runs.map(
      (run, index) =>
        `run ${index + 1}${run === medianRun ? ' (median)' : ''}: ${run.callbacksReceived.toLocaleString('en-US')} callbacks (${run.callbacksByEventType}; ${run.callbacksByStatus}; ${run.duplicates} duplicates), ${run.completedOrders} orders COMPLETED, ${(run.callbacksReceived / run.elapsedSeconds).toFixed(0)} callbacks/s; server CPU ${run.serverCpuSeconds.toFixed(1)} s; ${run.serverStats}. ${run.serverWarnings}`,
    ),
  };
}
