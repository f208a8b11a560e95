import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STARTUP_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_CHARS = 4000;

/** A server started the way `npm start` starts it, as its own process. */
export interface SpawnedServer {
  process: ChildProcess;
  baseUrl: string;
  projectId: string;
  keyId: string;
  keySecret: string;
  adminToken: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** fetch with the project's Basic credentials; `path` starts after `/v1/projects/{projectId}`. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** fetch with the admin token; `path` starts after `/admin/v1`. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** Sends `signal` and waits for the process to exit; returns its exit code or signal. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | NodeJS.Signals | null>;
}

const liveProcesses = new Set<ChildProcess>();

// Backstop for a test file that ends without its hooks running: no server outlives the test process.
process.once('exit', () => {
  for (const child of liveProcesses) {
    child.kill('SIGKILL');
  }
});

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

function bannerValue(output: string, label: string): string | undefined {
  const match = new RegExp(`^ {2}${label} +(\\S+)\\s*$`, 'm').exec(output);
  return match?.[1];
}

function waitForExit(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal)));
}

async function stopProcess(child: ChildProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<number | NodeJS.Signals | null> {
  const exited = waitForExit(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
    liveProcesses.delete(child);
  }
}

async function waitUntilReady(child: ChildProcess, output: () => string): Promise<Omit<SpawnedServer, 'process' | 'output' | 'api' | 'admin' | 'kill'>> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The server exited (${child.exitCode ?? child.signalCode}) before it was ready. Output:\n${output().slice(-OUTPUT_TAIL_CHARS)}`);
    }
    const text = output();
    const baseUrl = bannerValue(text, 'base URL');
    const projectId = bannerValue(text, 'project id');
    const keyId = bannerValue(text, 'key id');
    const keySecret = bannerValue(text, 'key secret');
    const adminToken = bannerValue(text, 'admin token');
    if (baseUrl !== undefined && projectId !== undefined && keyId !== undefined && keySecret !== undefined && adminToken !== undefined) {
      const ready = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
      if (ready?.status === 200) {
        return { baseUrl, projectId, keyId, keySecret, adminToken };
      }
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  throw new Error(`The server was not ready within ${STARTUP_TIMEOUT_MS} ms. Output:\n${output().slice(-OUTPUT_TAIL_CHARS)}`);
}

/**
 * Starts `node --import tsx src/cli/main.ts serve` (what `npm start` runs) on a free
 * loopback port, reads the credentials from its startup banner and waits for
 * `/readyz`. The admin token is left to the server, which prints it. `env` adds to
 * (and overrides) this process's environment. Call `killSpawnedServers` in an
 * `afterEach` or `afterAll` hook so a failing test leaves no process behind.
 */
export async function spawnServer(databaseUrl: string, env: Record<string, string> = {}): Promise<SpawnedServer> {
  const port = await freePort();
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  };
  delete childEnv.NUMBERHOST_ADMIN_TOKEN;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: PROJECT_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  liveProcesses.add(child);
  child.once('exit', () => liveProcesses.delete(child));

  let captured = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (captured += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (captured += chunk));
  const output = () => captured;

  let started: Awaited<ReturnType<typeof waitUntilReady>>;
  try {
    started = await waitUntilReady(child, output);
  } catch (error) {
    await stopProcess(child, 'SIGKILL');
    throw error;
  }
  const basic = `Basic ${Buffer.from(`${started.keyId}:${started.keySecret}`).toString('base64')}`;
  const withHeaders = (init: RequestInit | undefined, authorization: string): RequestInit => ({
    ...init,
    headers: {
      authorization,
      ...(init?.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init?.headers as Record<string, string> | undefined),
    },
  });
  return {
    ...started,
    process: child,
    output,
    api: (path, init) => fetch(`${started.baseUrl}/v1/projects/${started.projectId}${path}`, withHeaders(init, basic)),
    admin: (path, init) => fetch(`${started.baseUrl}/admin/v1${path}`, withHeaders(init, `Bearer ${started.adminToken}`)),
    kill: (signal) => stopProcess(child, signal),
  };
}

/** SIGKILLs every server this test process spawned that is still running. */
export async function killSpawnedServers(): Promise<void> {
  await Promise.all([...liveProcesses].map((child) => stopProcess(child, 'SIGKILL')));
}
