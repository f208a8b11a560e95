import pino from 'pino';
import type { RunningService, ServiceOptions } from '../../src/service.js';
import { startService } from '../../src/service.js';
import { loadConfig } from '../../src/config/config.js';
import type { Config } from '../../src/config/config.js';

export interface TestService {
  service: RunningService;
  baseUrl: string;
  projectId: string;
  keyId: string;
  keySecret: string;
  adminToken: string;
  /** fetch with the project's Basic credentials; `path` starts after the base URL. */
  api(path: string, init?: RequestInit): Promise<Response>;
  admin(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * Starts the whole service in this process on a loopback port, with fast sandbox
 * timings. `env` overrides environment variables, `overrides` config fields.
 */
export async function startTestService(
  databaseUrl: string,
  env: Record<string, string> = {},
  options: Partial<ServiceOptions> = {},
  overrides: Partial<Config> = {},
): Promise<TestService> {
  const config = loadConfig(
    {
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      NUMBERHOST_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      NUMBERHOST_STEP_DELAY_MS: '50',
      NUMBERHOST_WORKER_POLL_MS: '20',
      NUMBERHOST_CALLBACK_RETRY_BASE_MS: '50',
      NUMBERHOST_RECORD_JOB_RUNS: '1',
      LOG_LEVEL: 'silent',
      // Production mode requires the provider's NNID and name; tests that start it get these unless they set their own.
      ...(env.NUMBERHOST_MODE === 'production' ? { NUMBERHOST_NNID: '123456', NUMBERHOST_PROVIDER_NAME: 'Test Hosting LLC' } : {}),
      ...env,
    },
    overrides,
  );
  const service = await startService(config, { isServingHttp: true, isRunningWorker: true, logger: pino({ level: config.logLevel }), ...options });
  const baseUrl = service.url as string;
  const { projectId, keyId } = service.credentials;
  const keySecret = service.credentials.keySecret ?? config.bootstrap?.keySecret;
  if (projectId === undefined || keyId === undefined || keySecret === undefined) {
    throw new Error('The test service started without client credentials.');
  }
  const basic = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
  const withJson = (init: RequestInit | undefined, authorization: string): RequestInit => ({
    ...init,
    headers: {
      authorization,
      ...(init?.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init?.headers as Record<string, string> | undefined),
    },
  });
  return {
    service,
    baseUrl,
    projectId,
    keyId,
    keySecret,
    adminToken: TEST_ADMIN_TOKEN,
    api: (path, init) => fetch(`${baseUrl}/v1/projects/${projectId}${path}`, withJson(init, basic)),
    admin: (path, init) => fetch(`${baseUrl}/admin/v1${path}`, withJson(init, `Bearer ${TEST_ADMIN_TOKEN}`)),
    close: () => service.close(),
  };
}

/** Polls `read` until `isDone` returns true or `timeoutMs` passes; returns the last value. */
export async function waitUntil<T>(read: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!isDone(value)) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}
