/**
 * The benchmark entry point, run by `npm run bench`. It starts numberhost and a bare
 * Fastify baseline as separate processes on 127.0.0.1, runs the scenarios below with
 * autocannon, and prints a Markdown report on stdout (progress goes to stderr).
 *
 *   npm run bench -- [--only get,import,list,orders] [--runs 3] [--duration 5]
 *                    [--warmup 2] [--connections 10] [--profile] [--json results.json]
 *
 * `--profile` starts every server with `node --cpu-prof` and appends the heaviest
 * functions of each profile to the report. The profiler slows the servers down, so a
 * profiled run finds causes but does not give figures to record. The whole run stops by itself: every load run has a
 * fixed duration and the import-order scenario a fixed deadline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfiles } from './cpu-profile.js';
import { runGetNumberScenario } from './get-number-scenario.js';
import type { BenchSession, ScenarioResult } from './harness.js';
import { runImportNumberScenario } from './import-number-scenario.js';
import { runImportOrdersScenario } from './import-orders-scenario.js';
import { runListScenario } from './list-scenario.js';
import { describeMachine, formatReport } from './report.js';
import { stopAllProcesses } from './server-processes.js';
import { UsNumberSource } from './us-number-source.js';

const SCENARIOS = {
  get: runGetNumberScenario,
  import: runImportNumberScenario,
  list: runListScenario,
  orders: runImportOrdersScenario,
} as const;
type ScenarioName = keyof typeof SCENARIOS;

function readPositiveInteger(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} ${JSON.stringify(raw)} is invalid: expected a positive integer.`);
  }
  return value;
}

function readScenarioNames(raw: string | undefined): ScenarioName[] {
  if (raw === undefined) {
    return Object.keys(SCENARIOS) as ScenarioName[];
  }
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !Object.hasOwn(SCENARIOS, name));
  if (unknown.length > 0) {
    throw new Error(`--only ${JSON.stringify(raw)} names unknown scenarios (${unknown.join(', ')}); use ${Object.keys(SCENARIOS).join(', ')}.`);
  }
  return names as ScenarioName[];
}

function readSession(): { session: BenchSession; scenarioNames: ScenarioName[]; jsonPath: string | undefined } {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      profile: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const tempDir = mkdtempSync(join(tmpdir(), 'numberhost-bench-'));
  const session: BenchSession = {
    tempDir,
    runs: readPositiveInteger(values.runs, 'runs', 3),
    durationSeconds: readPositiveInteger(values.duration, 'duration', 5),
    warmupSeconds: readPositiveInteger(values.warmup, 'warmup', 2),
    connections: readPositiveInteger(values.connections, 'connections', 10),
    profileDir: values.profile === true ? join(tempDir, 'profiles') : undefined,
  };
  return { session, scenarioNames: readScenarioNames(values.only), jsonPath: values.json };
}

/** Runs the scenarios in order and adds the machine's load average around each to its notes. */
async function runScenarios(session: BenchSession, scenarioNames: ScenarioName[]): Promise<ScenarioResult[]> {
  const numbers = new UsNumberSource();
  const results: ScenarioResult[] = [];
  try {
    for (const name of scenarioNames) {
      process.stderr.write(`scenario ${name}\n`);
      const loadBefore = loadavg()[0] as number;
      const result = await SCENARIOS[name](session, numbers);
      const loadAfter = loadavg()[0] as number;
      result.notes.push(`1-minute load average of the machine: ${loadBefore.toFixed(2)} before the scenario, ${loadAfter.toFixed(2)} after.`);
      results.push(result);
    }
  } finally {
    await stopAllProcesses();
  }
  return results;
}

async function main(): Promise<void> {
  const { session, scenarioNames, jsonPath } = readSession();
  process.stderr.write(`temporary files in ${session.tempDir}\n`);
  const startedMs = Date.now();
  const results = await runScenarios(session, scenarioNames);
  const elapsedSeconds = (Date.now() - startedMs) / 1000;

  const machine = describeMachine();
  const profileSummary = session.profileDir === undefined ? undefined : summarizeProfiles(session.profileDir);
  process.stdout.write(formatReport(machine, session, results, elapsedSeconds, profileSummary));
  if (jsonPath !== undefined) {
    writeFileSync(jsonPath, `${JSON.stringify({ machine, session, elapsedSeconds, results }, null, 2)}\n`);
  }
  if (session.profileDir === undefined) {
    rmSync(session.tempDir, { recursive: true, force: true });
  } else {
    process.stderr.write(`CPU profiles kept in ${session.profileDir}\n`);
  }
}

// A guard behind the per-run limits: no run of the whole benchmark may pass this.
const WATCHDOG_MS = 9 * 60_000;
setTimeout(() => {
  process.stderr.write(`bench stopped: still running after ${WATCHDOG_MS / 60_000} minutes.\n`);
  void stopAllProcesses().then(() => process.exit(1));
}, WATCHDOG_MS).unref();

process.on('SIGINT', () => {
  void stopAllProcesses().then(() => process.exit(130));
});

main().catch(async (error: unknown) => {
  await stopAllProcesses();
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
