/**
 * Hostile input and hostile servers against the CLI and the SDK: each case is a way
 * around a rule that an adversarial review found, and shows that the rule now holds.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printListenerRecord } from '../src/cli/workflow/commands/callbacks.js';
import { Output } from '../src/cli/workflow/output.js';
import { parseForwardUrl, startCallbackListener } from '../src/cli/workflow/callback-listener.js';
import type { ListenerRecord } from '../src/cli/workflow/callback-listener.js';
import { createClient, NumberhostWaitTimeoutError } from '../src/sdk/index.js';
import type { RetryEvent } from '../src/sdk/index.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService } from './helpers/service.js';

const PROJECT_ROOT = process.env.NUMBERHOST_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** One more than the largest delay setTimeout takes (2^31 - 1 ms, about 24.8 days). */
const OVER_TIMER_LIMIT_MS = 2 ** 31;

interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'silent', ...env };
    for (const name of ['NUMBERHOST_URL', 'NUMBERHOST_TOKEN_URL', 'NUMBERHOST_CONFIG'] as const) {
      if (env[name] === undefined) {
        delete childEnv[name];
      }
    }
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: PROJECT_ROOT, env: childEnv, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      let exitCode: number | null = 0;
      if (error !== null) {
        exitCode = typeof error.code === 'number' ? error.code : null;
      }
      resolveRun({ exitCode, stdout, stderr });
    });
  });
}

interface Stub {
  url: string;
  requests: Array<{ method: string; target: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

/** Starts a loopback HTTP server that records each request and responds with `handle`. */
async function startStub(handle: (request: IncomingMessage, response: ServerResponse, count: number) => void): Promise<Stub> {
  const requests: Stub['requests'] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', target: request.url ?? '', authorization: request.headers.authorization });
    request.resume();
    handle(request, response, requests.length);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Responds to every order read with IN_PROGRESS and to every report with one number: an order that never finishes. */
function neverFinishingOrder(request: IncomingMessage, response: ServerResponse): void {
  if ((request.url ?? '').includes('/report')) {
    sendJson(response, 200, { total: 1, osrUpdated: 0, smsProvisioned: 0, addedToCampaign: 0, ongoingManualAction: 0 });
  } else {
    sendJson(response, 200, { hostingOrderId: 'ORD1', state: 'IN_PROGRESS', type: 'IMPORT', campaignId: '' });
  }
}

const FAKE_CREDENTIALS = { SINCH_PROJECT_ID: 'p', SINCH_KEY_ID: 'k', SINCH_KEY_SECRET: 'fake-secret' };

describe('hostile use of the CLI and SDK', () => {
  let service: TestService;
  let env: Record<string, string>;
  const folder = mkdtempSync(join(tmpdir(), 'numberhost-findings-'));

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl());
    env = { SINCH_PROJECT_ID: service.projectId, SINCH_KEY_ID: service.keyId, SINCH_KEY_SECRET: service.keySecret };
  });

  afterAll(async () => {
    await service.close();
  });

  describe('credentials and profiles', () => {
    it('sends a profile key to the profile server only, never to NUMBERHOST_TOKEN_URL', async () => {
      const elsewhere = await startStub((_request, response) => sendJson(response, 200, { access_token: 'stolen', token_type: 'bearer', expires_in: 3600 }));
      try {
        const path = join(folder, 'oauth-profile.json');
        writeFileSync(path, JSON.stringify({ profiles: { prod: { url: service.baseUrl, projectId: service.projectId, keyId: service.keyId, keySecret: service.keySecret, auth: 'oauth2' } } }));
        chmodSync(path, 0o600);
        const result = await runCli(['--profile', 'prod', 'numbers', 'list', '--json'], { NUMBERHOST_CONFIG: path, NUMBERHOST_TOKEN_URL: `${elsewhere.url}/oauth2/token` });
        expect(elsewhere.requests).toEqual([]);
        expect(result.exitCode).toBe(0);
      } finally {
        await elsewhere.close();
      }
    });

    it('rejects --url with a password', async () => {
      const result = await runCli(['numbers', 'list', '--url', 'http://user:topsecret-in-url@127.0.0.1:9', '--json'], FAKE_CREDENTIALS);
      expect(result.exitCode).toBe(2);
      expect(result.stdout + result.stderr).not.toContain('topsecret-in-url');
    });

  });

  describe('pipes', () => {
    it('finishes import after stderr closes', async () => {
      const numbers = ['+12025550190', '+12025550191', '+12025550192', '+12025550193', '+12025550194', '+12025550195'];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import', ...numbers, '--service-plan', 'pipe-plan', '--order-size', '1', '--url', service.baseUrl], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // Like `numberhost import ... 2>&1 | head -1`: the reader takes one line and leaves.
      child.stderr?.once('data', () => child.stderr?.destroy());
      const exitCode = await new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
      const imported: string[] = [];
      for (const number of numbers) {
        if ((await service.api(`/importedNumbers/${encodeURIComponent(number)}`)).status === 200) {
          imported.push(number);
        }
      }
      // Exit 0 means "everything requested was done" (docs/cli.md).
      if (exitCode === 0) {
        expect(imported).toEqual(numbers);
      } else {
        expect(exitCode).not.toBe(0);
      }
    });
  });

  describe('flags', () => {
    it('qualify add --wait --timeout abc is a usage error and adds nothing', async () => {
      const result = await runCli(['qualify', 'add', '+13035550160', '--wait', '--timeout', 'abc', '--url', service.baseUrl], env);
      expect(result.exitCode).toBe(2);
      expect((await service.api('/qualifiedNumbers/%2B13035550160')).status).toBe(404);
    });

    it('orders watch --timeout of 30 days does not time out at once', async () => {
      const stub = await startStub(neverFinishingOrder);
      try {
        // Killed after 4 s: it must still be waiting by then.
        const result = await runCli(['orders', 'watch', 'ORD1', '--timeout', '2592000', '--interval', '0.5', '--url', stub.url], FAKE_CREDENTIALS, 4000);
        expect(result.stderr).not.toContain('Timed out');
        expect(result.exitCode).not.toBe(4);
      } finally {
        await stub.close();
      }
    });

    it('orders watch --interval of 30 days does not poll in a loop', async () => {
      const stub = await startStub(neverFinishingOrder);
      try {
        await runCli(['orders', 'watch', 'ORD1', '--interval', '2592000', '--url', stub.url], FAKE_CREDENTIALS, 4000);
        // One read of the order and its report, then the first read of the wait: a handful, not hundreds.
        expect(stub.requests.length).toBeLessThan(10);
      } finally {
        await stub.close();
      }
    });

  });

  describe('SDK', () => {
    it('keeps backing off when Retry-After is neither delay-seconds nor an HTTP date', async () => {
      for (const retryAfter of ['1.5', '-5', '0.5']) {
        const stub = await startStub((_request, response) => sendJson(response, 503, { code: '503', message: 'busy', status: 'UNAVAILABLE' }, { 'retry-after': retryAfter }));
        const events: RetryEvent[] = [];
        try {
          const client = createClient({ projectId: 'p', baseUrl: stub.url, auth: { method: 'basic', keyId: 'k', keySecret: 's' }, retry: { maxAttempts: 2, onRetry: (event) => events.push(event) } });
          await expect(client.importedNumbers.list()).rejects.toMatchObject({ httpStatus: 503 });
          // The default backoff waits 250 to 500 ms before the second attempt; 0 ms is no backoff at all.
          expect(events.map((event) => event.delayMs >= 250), `Retry-After: ${retryAfter}`).toEqual([true]);
        } finally {
          await stub.close();
        }
      }
    });

    it('overflowing timeoutMs never fires early', async () => {
      const stub = await startStub(neverFinishingOrder);
      try {
        const client = createClient({ projectId: 'p', baseUrl: stub.url, auth: { method: 'basic', keyId: 'k', keySecret: 's' } });
        // The test's own signal stops the wait after 1 s; the 24.9-day timeout must not fire first.
        const wait = client.waitForHostingOrder('ORD1', { timeoutMs: OVER_TIMER_LIMIT_MS, intervalMs: 100, signal: AbortSignal.timeout(1000) });
        const outcome = await wait.then(
          () => 'resolved',
          (error: unknown) => (error instanceof NumberhostWaitTimeoutError ? 'timed out' : 'aborted'),
        );
        expect(outcome).toBe('aborted');
      } finally {
        await stub.close();
      }
    });

    it('overflowing intervalMs does not spin', async () => {
      const stub = await startStub(neverFinishingOrder);
      try {
        const client = createClient({ projectId: 'p', baseUrl: stub.url, auth: { method: 'basic', keyId: 'k', keySecret: 's' } });
        await client.waitForHostingOrder('ORD1', { intervalMs: OVER_TIMER_LIMIT_MS, signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        expect(stub.requests.length).toBeLessThanOrEqual(2);
      } finally {
        await stub.close();
      }
    });

    it('keeps "." and ".." path parameters inside their collection', async () => {
      const sent: Array<{ method: string; path: string }> = [];
      const client = createClient({
        projectId: 'p',
        baseUrl: 'http://127.0.0.1:9',
        auth: { method: 'basic', keyId: 'k', keySecret: 's' },
        fetch: (request) => {
          sent.push({ method: request.method, path: new URL(request.url).pathname });
          return Promise.resolve(new Response(JSON.stringify({ code: '404', message: 'x', status: 'NOT_FOUND' }), { status: 404 }));
        },
      });
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['/importedNumbers/', () => client.importedNumbers.delete('..')],
        ['/importedNumbers/', () => client.importedNumbers.update('.', { displayName: 'x' })],
        ['/qualifiedNumbers/', () => client.qualifiedNumbers.delete('..')],
        ['/hostingOrders/', () => client.hostingOrders.get('..')],
        ['/hostingOrders/', () => client.hostingOrders.report('..')],
      ];
      for (const [collection, call] of calls) {
        sent.length = 0;
        await call().catch(() => undefined);
        // Either the SDK refuses the id before sending, or the request stays under the collection.
        for (const request of sent) {
          expect(request.path, `${request.method} ${request.path}`).toContain(`/v1/projects/p${collection}`);
        }
      }
    });

  });

  describe('callbacks listen', () => {
    const body = Buffer.from(
      JSON.stringify({ eventId: 'e1', projectId: 'p', resourceType: 'IMPORTED_NUMBER', resourceId: '+12025550134', eventType: 'DELETE', status: 'SUCCEEDED', timestamp: '2026-12-04T23:12:43.209Z' }),
    );

    function postRaw(baseUrl: string, target: string): Promise<number> {
      const url = new URL(baseUrl);
      return new Promise((resolvePost, rejectPost) => {
        const outgoing = httpRequest(
          { hostname: url.hostname, port: url.port, path: target, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length }, agent: false },
          (response) => {
            response.resume();
            response.on('end', () => resolvePost(response.statusCode ?? 0));
          },
        );
        outgoing.on('error', rejectPost);
        outgoing.end(body);
      });
    }

    it('neither accepts nor forwards a target with dot segments that leaves --path', async () => {
      const target = await startStub((_request, response) => response.writeHead(204).end());
      const records: ListenerRecord[] = [];
      const listener = await startCallbackListener({
        host: '127.0.0.1',
        port: 0,
        path: '/callbacks',
        forwardUrl: parseForwardUrl(`${target.url}/hooks`),
        onRecord: (record) => records.push(record),
      });
      try {
        const status = await postRaw(listener.url.replace(/\/callbacks$/, ''), '/callbacks/../../admin/secret');
        await new Promise((resolveWait) => setTimeout(resolveWait, 300));
        expect(status).not.toBe(200);
        expect(target.requests).toEqual([]);
      } finally {
        await listener.close();
        await target.close();
      }
    });

    it('ends a forward whose target trickles its response, and close() returns', { timeout: 30_000 }, async () => {
      const target = await startStub((_request, response) => {
        response.writeHead(200);
        const timer = setInterval(() => response.write('.'), 2000);
        response.on('close', () => clearInterval(timer));
      });
      const records: ListenerRecord[] = [];
      const listener = await startCallbackListener({ host: '127.0.0.1', port: 0, path: '/callbacks', forwardUrl: parseForwardUrl(target.url), onRecord: (record) => records.push(record) });
      try {
        expect(await postRaw(listener.url.replace(/\/callbacks$/, ''), '/callbacks')).toBe(200);
        // docs/cli.md: "It times out after 10 s."
        await new Promise((resolveWait) => setTimeout(resolveWait, 12_500));
        expect(records.map((record) => record.kind)).toContain('forward-failed');
        const closed = await Promise.race([listener.close().then(() => 'closed'), new Promise((resolveWait) => setTimeout(() => resolveWait('hanging'), 2000))]);
        expect(closed).toBe('closed');
      } finally {
        await target.close();
      }
    });

    it('close() returns promptly while a client sends its body slowly', async () => {
      const listener = await startCallbackListener({ host: '127.0.0.1', port: 0, path: '/callbacks', onRecord: () => undefined });
      const { port } = new URL(listener.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolveConnect) => socket.once('connect', resolveConnect));
      socket.write('POST /callbacks HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{');
      const timer = setInterval(() => socket.write('x'), 500);
      try {
        await new Promise((resolveWait) => setTimeout(resolveWait, 300));
        const closed = await Promise.race([listener.close().then(() => 'closed'), new Promise((resolveWait) => setTimeout(() => resolveWait('hanging'), 3000))]);
        expect(closed).toBe('closed');
      } finally {
        clearInterval(timer);
        socket.destroy();
      }
    });

  });


  describe('output and inputs', () => {
      it('text-enable --osr-at with a day that does not exist is a usage error', async () => {
        const stub = await startStub((_request, response) => sendJson(response, 200, {}));
        try {
          const result = await runCli(['text-enable', '+13035550161', '--loa', 'blanket', '--service-plan', 'p', '--osr-at', '2027-02-30T15:00:00Z', '--url', stub.url], FAKE_CREDENTIALS);
          expect(result.exitCode).toBe(2);
          expect(stub.requests).toEqual([]);
        } finally {
          await stub.close();
        }
      });

      it('stops after endless empty pages', async () => {
        const stub = await startStub((_request, response, count) => sendJson(response, 200, { importedNumbers: [], nextPageToken: `T${count}` }));
        try {
          const client = createClient({ projectId: 'p', baseUrl: stub.url, auth: { method: 'basic', keyId: 'k', keySecret: 's' } });
          const drain = async () => {
            for await (const number of client.importedNumbers.iterate({}, { signal: AbortSignal.timeout(10_000) })) {
              void number;
            }
          };
          await expect(drain()).rejects.toThrow(/page/i);
          expect(stub.requests.length).toBeLessThan(1000);
        } finally {
          await stub.close();
        }
      });

      it('escapes control characters in events', () => {
        let stdout = '';
        const output = new Output({ isJson: false, stdout: { write: (text: string) => Boolean((stdout += text)) }, stderr: { write: () => true } });
        const event = {
          eventId: 'e1',
          projectId: 'p',
          resourceType: 'IMPORTED_NUMBER',
          resourceId: '+12025550134\u001b[2J\nnumberhost: forged line',
          eventType: 'DELETE',
          status: 'SUCCEEDED',
          timestamp: '2026-12-04T23:12:43.209Z',
        } as const;
        printListenerRecord(output, { kind: 'event', receivedAt: '2026-12-04T23:12:44.000Z', target: '/callbacks', signature: 'unchecked', event });
        expect(stdout).not.toContain('\u001b');
        expect(stdout.trimEnd().split('\n')).toHaveLength(1);
      });

      it('prints control characters from a server error message escaped', async () => {
        const stub = await startStub((_request, response) => sendJson(response, 400, { code: '400', message: 'bad \u001b[2J\u001b[31mred\nnumberhost: forged line', status: 'INVALID_ARGUMENT' }));
        try {
          const result = await runCli(['numbers', 'list', '--url', stub.url], FAKE_CREDENTIALS);
          expect(result.exitCode).toBe(3);
          expect(result.stderr).not.toContain('\u001b');
          expect(result.stderr).not.toMatch(/^numberhost: forged line/m);
        } finally {
          await stub.close();
        }
      });
  });
});
