/**
 * The servers a benchmark run starts: numberhost and the bare Fastify baseline, each in
 * its own process on 127.0.0.1. `stopAllProcesses` stops whatever is still running,
 * also when a scenario throws.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSession } from './harness.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const KEPT_WARNING_LINES = 3;

const liveProcesses = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of liveProcesses) {
    child.kill('SIGKILL');
  }
});

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    liveProcesses.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  liveProcesses.delete(child);
}

/** Stops every server this run started that is still running: SIGTERM, then SIGKILL after 15 s. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...liveProcesses].map((child) => stopProcess(child)));
}

interface StartedProcess {
  child: ChildProcess;
  /** stdout lines up to and including the one that showed the process is ready. */
  startupLines: string[];
  /** Pino lines at level warn or above written after startup: a count and the last few. */
  warnings: { count: number; lastLines: string[] };
}

/**
 * Starts `node [nodeArgs] --import tsx <script> [args]` from the repository root and
 * resolves once `isReady` accepts the stdout lines seen so far. Rejects when the process
 * exits first or is not ready within 30 s.
 */
function startTsProcess(script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[], isReady: (lines: string[]) => boolean): Promise<StartedProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  liveProcesses.add(child);
  const started: StartedProcess = { child, startupLines: [], warnings: { count: 0, lastLines: [] } };
  let isStarted = false;
  let partialLine = '';
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });
  const recordLogLine = (line: string) => {
    if (/"level":(40|50|60)\b/.test(line)) {
      started.warnings.count += 1;
      started.warnings.lastLines = [...started.warnings.lastLines, line.slice(0, 300)].slice(-KEPT_WARNING_LINES);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} was not ready within ${STARTUP_TIMEOUT_MS} ms. stderr: ${stderrTail}`));
    }, STARTUP_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partialLine + chunk.toString('utf8')).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        if (isStarted) {
          recordLogLine(line);
          continue;
        }
        started.startupLines.push(line);
        if (isReady(started.startupLines)) {
          isStarted = true;
          clearTimeout(timer);
          resolve(started);
        }
      }
    });
    child.once('exit', (code, signal) => {
      liveProcesses.delete(child);
      if (!isStarted) {
        clearTimeout(timer);
        reject(new Error(`${script} exited during startup (code ${code}, signal ${signal}). stderr: ${stderrTail}`));
      }
    });
  });
}

/** Returns the parent's environment without any setting numberhost reads, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NUMBERHOST_|SINCH_|DATABASE_URL$|PORT$|HOST$|LOG_LEVEL$|CAMPAIGN_ID$|SERVICE_PLAN_ID$|PUBLIC_BASE_URL$|SMTP_URL$)/.test(key)) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}

function profileArgs(session: BenchSession, name: string): string[] {
  // One directory per server, because Node writes one profile per thread and tsx runs its module loader in a thread of its own.
  return session.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(session.profileDir, name)];
}

export interface NumberhostServer {
  url: string;
  databasePath: string;
  projectId: string;
  keyId: string;
  keySecret: string;
  /** A sentence for the report: how many lines the server logged at warn or above, and the last of them. */
  describeWarnings(): string;
  stop(): Promise<void>;
}

function bannerValue(lines: string[], label: string): string | undefined {
  const pattern = new RegExp(`^\\s+${label}\\s+(\\S+)`);
  return lines.map((line) => pattern.exec(line)?.[1]).find((value) => value !== undefined);
}

/**
 * Starts `numberhost serve`, the command `npm start` runs, in its own process on a fresh
 * SQLite file in the session's temporary directory, and reads the URL and the sandbox
 * credentials from its startup banner. It logs at warn, and HTTP Basic may make
 * 10,000,000 requests per minute, so the rate limiter never rejects a benchmark request.
 */
export async function startNumberhost(session: BenchSession, name: string, options: { env?: Record<string, string>; serveArgs?: string[] } = {}): Promise<NumberhostServer> {
  const databasePath = join(session.tempDir, `${name}.db`);
  const env = childEnv({
    DATABASE_URL: `sqlite:${databasePath}`,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    NUMBERHOST_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    NUMBERHOST_BASIC_AUTH_RPM: '10000000',
    ...options.env,
  });
  const started = await startTsProcess('src/cli/main.ts', ['serve', ...(options.serveArgs ?? [])], env, profileArgs(session, name), (lines) =>
    lines.some((line) => line.includes('admin token')),
  );
  const url = bannerValue(started.startupLines, 'base URL');
  const projectId = bannerValue(started.startupLines, 'project id');
  const keyId = bannerValue(started.startupLines, 'key id');
  const keySecret = bannerValue(started.startupLines, 'key secret');
  if (url === undefined || projectId === undefined || keyId === undefined || keySecret === undefined) {
    await stopProcess(started.child);
    throw new Error(`The numberhost banner did not show a URL and credentials: ${started.startupLines.join(' | ')}`);
  }
  const { warnings } = started;
  return {
    url,
    databasePath,
    projectId,
    keyId,
    keySecret,
    describeWarnings: () =>
      `numberhost (${name}) logged ${warnings.count} lines at warn or above` + (warnings.count === 0 ? '.' : `; the last: ${warnings.lastLines.join(' ')}`),
    stop: () => stopProcess(started.child),
  };
}

export interface BareServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts `bench/bare-server.ts` in its own process, serving the JSON bodies in `fixturePath`. */
export async function startBareServer(session: BenchSession, name: string, fixturePath: string): Promise<BareServer> {
  const readyPrefix = 'listening ';
  const started = await startTsProcess('bench/bare-server.ts', [fixturePath], childEnv({}), profileArgs(session, name), (lines) =>
    lines.some((line) => line.startsWith(readyPrefix)),
  );
  const url = (started.startupLines.find((line) => line.startsWith(readyPrefix)) as string).slice(readyPrefix.length);
  return { url, stop: () => stopProcess(started.child) };
}
