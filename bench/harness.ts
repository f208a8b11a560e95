/**
 * Shared pieces of the benchmark scenarios: result types, autocannon runs compared in
 * turns, the median of repeated runs, and small HTTP helpers.
 */
import autocannon from 'autocannon';
import type { Options as AutocannonOptions, Result as AutocannonResult } from 'autocannon';

/** Settings shared by every scenario, from the command line of `bench/run.ts`. */
export interface BenchSession {
  tempDir: string;
  /** Measured runs per figure. The report gives their median. */
  runs: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Directory for `--cpu-prof` output, or undefined when not profiling. */
  profileDir: string | undefined;
}

/** One figure: the value of every run, their median, and how they were measured. */
export interface Measurement {
  label: string;
  unit: 'req/s' | 's';
  runs: number[];
  median: number;
  /** Median p50 and p99 latency over the runs, for autocannon figures. */
  latencyP50Ms?: number;
  latencyP99Ms?: number;
}

export interface TargetCheck {
  description: string;
  isMet: boolean;
  /** The measured value against the target, in words. */
  detail: string;
}

export interface ScenarioResult {
  title: string;
  measurements: Measurement[];
  /** Ratios between figures of this session, such as numberhost to bare Fastify. */
  ratios: Array<{ label: string; value: number }>;
  targets: TargetCheck[];
  notes: string[];
}

export function median(values: number[]): number {
  if (values.length === 0) {
    throw new Error('median() needs at least one value.');
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Requests an OAuth2 bearer token with the client-credentials grant. */
export async function fetchBearerToken(baseUrl: string, keyId: string, keySecret: string): Promise<string> {
  const response = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (response.status !== 200) {
    throw new Error(`POST /oauth2/token returned HTTP ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Sends one JSON request and returns the parsed body. Throws unless the status is `expectedStatus`. */
export async function requestJson<T>(url: string, authorization: string, init: { method?: string; body?: unknown } = {}, expectedStatus = 200): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  if (response.status !== expectedStatus) {
    throw new Error(`${init.method ?? 'GET'} ${url} returned HTTP ${response.status}, expected ${expectedStatus}: ${text.slice(0, 500)}`);
  }
  return JSON.parse(text) as T;
}

export interface LoadRun {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/**
 * Runs autocannon for `durationSeconds` and returns the mean request rate. Throws when
 * any response was not 2xx or any connection failed, because such a run measures the
 * error path, not the endpoint.
 */
export async function runLoad(options: AutocannonOptions & { durationSeconds: number }): Promise<LoadRun> {
  const { durationSeconds, ...rest } = options;
  const result: AutocannonResult = await autocannon({ ...rest, duration: durationSeconds });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    const statuses = JSON.stringify(result.statusCodeStats ?? {});
    throw new Error(
      `Load run "${options.title ?? options.url}" had ${result.non2xx} non-2xx responses, ${result.errors} errors and ${result.timeouts} timeouts (status counts ${statuses}).`,
    );
  }
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/** One load target of a comparison: a label and the autocannon options for it. */
export interface LoadTarget {
  label: string;
  options: AutocannonOptions;
}

/**
 * Warms every target up once, then runs them in turn `session.runs` times (A B C A B C
 * ...), so that drift on the machine spreads over all of them. Returns one measurement
 * per target, in the given order. `betweenRuns` runs after each measured run.
 */
export async function compareTargets(
  session: BenchSession,
  targets: LoadTarget[],
  betweenRuns: (target: LoadTarget) => Promise<void> = async () => {},
): Promise<Measurement[]> {
  for (const target of targets) {
    await runLoad({ ...target.options, connections: session.connections, durationSeconds: session.warmupSeconds, title: `${target.label} (warm-up)` });
    await betweenRuns(target);
  }
  const runs = new Map<string, LoadRun[]>(targets.map((target) => [target.label, []]));
  for (let round = 0; round < session.runs; round++) {
    for (const target of targets) {
      const run = await runLoad({ ...target.options, connections: session.connections, durationSeconds: session.durationSeconds, title: target.label });
      runs.get(target.label)?.push(run);
      process.stderr.write(`  ${target.label}: ${run.requestsPerSecond.toFixed(0)} req/s (p50 ${run.latencyP50Ms} ms)\n`);
      await betweenRuns(target);
    }
  }
  return targets.map((target) => {
    const targetRuns = runs.get(target.label) as LoadRun[];
    return {
      label: target.label,
      unit: 'req/s',
      runs: targetRuns.map((run) => Math.round(run.requestsPerSecond)),
      median: Math.round(median(targetRuns.map((run) => run.requestsPerSecond))),
      latencyP50Ms: median(targetRuns.map((run) => run.latencyP50Ms)),
      latencyP99Ms: median(targetRuns.map((run) => run.latencyP99Ms)),
    };
  });
}

/** Returns the measurement with this label. Throws when there is none, which is a bug in the scenario. */
export function findMeasurement(measurements: Measurement[], label: string): Measurement {
  const found = measurements.find((measurement) => measurement.label === label);
  if (found === undefined) {
    throw new Error(`No measurement labelled "${label}".`);
  }
  return found;
}

/** Reads numberhost's Prometheus metrics as a map from `name{labels}` to value. */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`);
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)$/.exec(line);
    if (match !== null) {
      values.set(match[1] as string, Number(match[2]));
    }
  }
  return values;
}
