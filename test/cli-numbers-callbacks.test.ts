import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printListenerRecord } from '../src/cli/workflow/commands/callbacks.js';
import { CliError } from '../src/cli/workflow/exit-codes.js';
import { Output } from '../src/cli/workflow/output.js';
import { parseForwardUrl, startCallbackListener } from '../src/cli/workflow/callback-listener.js';
import type { CallbackListener, ListenerRecord } from '../src/cli/workflow/callback-listener.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI_TIMEOUT_MS = 60_000;

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface ImportedNumberJson {
  phoneNumber: string;
  displayName?: string;
  callbackUrl?: string;
  smsConfiguration?: { servicePlanId?: string; campaignId?: string };
  smsProvisioning?: { state?: string; type?: string; errorCode?: string };
  campaignProvisioning?: { state?: string; type?: string; errorCode?: string };
}

interface ReceivedRequest {
  method: string;
  target: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A loopback HTTP server that records every request with its exact target and body bytes. */
class RecordingServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.requests.push({ method: request.method ?? '', target: request.url ?? '', headers: request.headers, rawBody: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolveListen) => this.server.listen(0, '127.0.0.1', resolveListen));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolveClose) => this.server.close(() => resolveClose()));
  }
}

function signatureOf(body: Buffer | string, secret: string): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/** POSTs `body` with the request target written on the request line as given, byte for byte. */
function postRaw(baseUrl: string, target: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolvePost, rejectPost) => {
    const outgoing = httpRequest(
      { hostname: url.hostname, port: url.port, path: target, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers }, agent: false },
      (response) => {
        response.resume();
        response.on('end', () => resolvePost(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', rejectPost);
    outgoing.end(body);
  });
}

describe('numberhost numbers and callbacks commands', () => {
  let service: TestService;
  let cliEnv: Record<string, string>;
  const folder = mkdtempSync(join(tmpdir(), 'numberhost-cli-numbers-'));
  const children = new Set<ChildProcess>();

  function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolveRun) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', ...args, '--url', service.baseUrl],
        { cwd: PROJECT_ROOT, env: { ...process.env, ...cliEnv, ...extraEnv }, timeout: CLI_TIMEOUT_MS },
        (error, stdout, stderr) => {
          let exitCode = 0;
          if (error !== null) {
            exitCode = typeof error.code === 'number' ? error.code : -1;
          }
          resolveRun({ exitCode, stdout, stderr });
        },
      );
    });
  }

  async function runJson<T>(args: string[]): Promise<{ exitCode: number; json: T; stderr: string }> {
    const result = await runCli([...args, '--json']);
    let json: T;
    try {
      json = JSON.parse(result.stdout) as T;
    } catch {
      throw new Error(`stdout of numberhost ${args.join(' ')} is not JSON (exit ${result.exitCode}):\n${result.stdout}\nstderr:\n${result.stderr}`);
    }
    return { exitCode: result.exitCode, json, stderr: result.stderr };
  }

  async function importNumber(phoneNumber: string, smsConfiguration: Record<string, string>, callbackUrl?: string): Promise<void> {
    const response = await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration, ...(callbackUrl === undefined ? {} : { callbackUrl }) }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  }

  async function readNumber(phoneNumber: string): Promise<ImportedNumberJson> {
    const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
    return (await response.json()) as ImportedNumberJson;
  }

  async function waitForSteps(phoneNumber: string): Promise<ImportedNumberJson> {
    const running = ['WAITING', 'IN_PROGRESS'];
    return waitUntil(
      () => readNumber(phoneNumber),
      (number) => !running.includes(number.smsProvisioning?.state ?? '') && !running.includes(number.campaignProvisioning?.state ?? ''),
    );
  }

  async function setSecret(hmacSecret: string): Promise<void> {
    const response = await service.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret }) });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl());
    cliEnv = { SINCH_PROJECT_ID: service.projectId, SINCH_KEY_ID: service.keyId, SINCH_KEY_SECRET: service.keySecret, LOG_LEVEL: 'silent' };
    delete process.env.NUMBERHOST_URL;
    await Promise.all([
      importNumber('+12025550110', { servicePlanId: 'plan-list-a', campaignId: 'CAMPLISTA' }),
      importNumber('+12025550111', { servicePlanId: 'plan-list-a' }),
      importNumber('+13035550112', { servicePlanId: 'plan-list-b' }),
    ]);
    await Promise.all(['+12025550110', '+12025550111', '+13035550112'].map(waitForSteps));
  });

  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
    }
    await service.close();
  });

  // Each numbers test works on numbers of its own, so they run side by side.
  describe.concurrent('numbers commands', () => {
    describe('numbers list', () => {
      it('filters by service plan', async () => {
        const { exitCode, json } = await runJson<{ importedNumbers: ImportedNumberJson[] }>(['numbers', 'list', '--service-plan', 'plan-list-a']);
        expect(exitCode).toBe(0);
        expect(json.importedNumbers.map((number) => number.phoneNumber).sort()).toEqual(['+12025550110', '+12025550111']);
      });

      it('filters by campaign and by pattern', async () => {
        const [byCampaign, byEnd, byStart] = await Promise.all([
          runJson<{ importedNumbers: ImportedNumberJson[] }>(['numbers', 'list', '--campaign', 'CAMPLISTA']),
          runJson<{ importedNumbers: ImportedNumberJson[] }>(['numbers', 'list', '--pattern', '0112', '--search', 'end']),
          runJson<{ importedNumbers: ImportedNumberJson[] }>(['numbers', 'list', '--pattern', '+1303', '--search', 'start']),
        ]);
        expect(byCampaign.json.importedNumbers.map((number) => number.phoneNumber)).toEqual(['+12025550110']);
        expect(byEnd.json.importedNumbers.map((number) => number.phoneNumber)).toEqual(['+13035550112']);
        expect(byStart.json.importedNumbers.map((number) => number.phoneNumber)).toEqual(['+13035550112']);
      });

      it('prints a table for people', async () => {
        const result = await runCli(['numbers', 'list', '--service-plan', 'plan-list-a']);
        expect(result.exitCode).toBe(0);
        const lines = result.stdout.trimEnd().split('\n');
        expect(lines[0]).toMatch(/^NUMBER +SERVICE PLAN +CAMPAIGN +SMS STATE +CAMPAIGN STATE$/);
        expect(lines).toContainEqual(expect.stringMatching(/^\+12025550110 +plan-list-a +CAMPLISTA +DONE +DONE$/));
        expect(lines).toContainEqual(expect.stringMatching(/^\+12025550111 +plan-list-a +DONE +-$/));
      });

      it('rejects --search without --pattern', async () => {
        const result = await runCli(['numbers', 'list', '--search', 'end']);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toContain('--search needs --pattern');
      });
    });

    describe('numbers get', () => {
      it('returns one number as a JSON object', async () => {
        const { exitCode, json } = await runJson<ImportedNumberJson>(['numbers', 'get', '+12025550110']);
        expect(exitCode).toBe(0);
        expect(json.phoneNumber).toBe('+12025550110');
        expect(json.campaignProvisioning?.state).toBe('DONE');
      });

      it('reads numbers from a CSV file', async () => {
        const path = join(folder, 'get.csv');
        writeFileSync(path, 'name,phoneNumber\nfirst,+12025550110\nsecond,+12025550111\n');
        const result = await runCli(['numbers', 'get', '--file', path]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(/^\+12025550110\n {2}name/m);
        expect(result.stdout).toMatch(/^\+12025550111\n/m);
        expect(result.stdout).toMatch(/campaign step +DONE/);
      });

      it('exits 3 with the API error for an unknown number', async () => {
        const { exitCode, json } = await runJson<{ error: { httpStatus: number; status: string; exitCode: number } }>(['numbers', 'get', '+12025550170']);
        expect(exitCode).toBe(3);
        expect(json.error.httpStatus).toBe(404);
        expect(json.error.status).toBe('NOT_FOUND');
      });

      it('reports a missing number among several and goes on', async () => {
        const { exitCode, json, stderr } = await runJson<{ importedNumbers: ImportedNumberJson[]; errors: Array<{ phoneNumber: string; httpStatus: number }> }>([
          'numbers',
          'get',
          '+12025550110',
          '+12025550171',
          '+12025550111',
        ]);
        expect(exitCode).toBe(3);
        expect(json.importedNumbers.map((number) => number.phoneNumber)).toEqual(['+12025550110', '+12025550111']);
        expect(json.errors).toEqual([expect.objectContaining({ phoneNumber: '+12025550171', httpStatus: 404 })]);
        expect(stderr).toContain('+12025550171 (argument 2): 404 NOT_FOUND');
      });

      it('exits 2 naming each invalid argument and file line', async () => {
        const path = join(folder, 'bad.txt');
        writeFileSync(path, '+12025550110\n\n+1202555011\n');
        const result = await runCli(['numbers', 'get', '+12025550111', 'twelve', '--file', path]);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toContain('2 invalid numbers; nothing was sent');
        expect(result.stderr).toContain('argument 2: "twelve"');
        expect(result.stderr).toContain(`${path}:3: "+1202555011"`);
        expect(result.stdout).toBe('');
      });
    });

    describe('numbers update', () => {
      it('sets the display name and callback URL', async () => {
        const { exitCode, json } = await runJson<{ importedNumbers: ImportedNumberJson[] }>([
          'numbers',
          'update',
          '+12025550111',
          '--name',
          'Support line',
          '--callback-url',
          'http://127.0.0.1:9/callbacks',
        ]);
        expect(exitCode).toBe(0);
        expect(json.importedNumbers[0]?.displayName).toBe('Support line');
        const stored = await readNumber('+12025550111');
        expect(stored.displayName).toBe('Support line');
        expect(stored.callbackUrl).toBe('http://127.0.0.1:9/callbacks');
      });

      it('exits 2 when nothing is to change', async () => {
        const result = await runCli(['numbers', 'update', '+12025550111']);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toContain('give --name, --callback-url or both');
      });
    });

    describe('numbers link and unlink', () => {
      it('links a campaign and waits for the steps', async () => {
        await importNumber('+12025550120', { servicePlanId: 'plan-link' });
        await waitForSteps('+12025550120');
        const { exitCode, json } = await runJson<{ importedNumbers: ImportedNumberJson[]; errors: unknown[] }>([
          'numbers',
          'link',
          '+12025550120',
          '--service-plan',
          'plan-link',
          '--campaign',
          'CAMPLINK',
          '--wait',
        ]);
        expect(exitCode).toBe(0);
        expect(json.errors).toEqual([]);
        expect(json.importedNumbers[0]?.smsConfiguration?.campaignId).toBe('CAMPLINK');
        expect(json.importedNumbers[0]?.campaignProvisioning?.state).toBe('DONE');
      });

      it('unlinks the campaign only, then everything', async () => {
        await importNumber('+12025550121', { servicePlanId: 'plan-unlink', campaignId: 'CAMPUNLINK' });
        await waitForSteps('+12025550121');

        const campaignOnly = await runJson<{ importedNumbers: ImportedNumberJson[] }>(['numbers', 'unlink', '+12025550121', '--campaign-only', '--wait']);
        expect(campaignOnly.exitCode).toBe(0);
        expect(campaignOnly.json.importedNumbers[0]?.smsConfiguration).toEqual(expect.objectContaining({ servicePlanId: 'plan-unlink', campaignId: '' }));
        expect(campaignOnly.json.importedNumbers[0]?.campaignProvisioning).toEqual(expect.objectContaining({ type: 'DEPROVISIONING', state: 'DONE' }));
        expect(campaignOnly.json.importedNumbers[0]?.smsProvisioning).toEqual(expect.objectContaining({ type: 'PROVISIONING', state: 'DONE' }));

        const everything = await runCli(['numbers', 'unlink', '+12025550121', '--wait']);
        expect(everything.exitCode).toBe(0);
        expect(everything.stdout).toMatch(/^\+12025550121 +unlink DONE +unlink DONE$/m);
      });

      it('returns at once without --wait', async () => {
        await importNumber('+12025550122', { servicePlanId: 'plan-nowait' });
        await waitForSteps('+12025550122');
        const result = await runCli(['numbers', 'link', '+12025550122', '--service-plan', 'plan-nowait', '--campaign', 'CAMPNOWAIT']);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(/^\+12025550122 +plan-nowait +CAMPNOWAIT$/m);
        expect(result.stderr).toContain('add --wait');
        await waitForSteps('+12025550122');
      });

      it('exits 1 when the campaign link fails', async () => {
        await importNumber('+12025550187', { servicePlanId: 'plan-fail' });
        await waitForSteps('+12025550187');
        const { exitCode, json } = await runJson<{ importedNumbers: ImportedNumberJson[] }>(['numbers', 'link', '+12025550187', '--service-plan', 'plan-fail', '--campaign', 'CAMPFAIL', '--wait']);
        expect(exitCode).toBe(1);
        expect(json.importedNumbers[0]?.campaignProvisioning).toEqual(expect.objectContaining({ state: 'FAILED', errorCode: 'EXCEEDED_10DLC_LIMIT' }));

        // The failed link is older than the unlink, so it does not make the unlink fail.
        const unlinked = await runCli(['numbers', 'unlink', '+12025550187', '--campaign-only', '--wait']);
        expect(unlinked.exitCode).toBe(0);
      });

      it('exits 1 when the SMS platform refuses the unlink', async () => {
        await importNumber('+12025550191', { servicePlanId: 'plan-fail' });
        await waitForSteps('+12025550191');
        const result = await runCli(['numbers', 'unlink', '+12025550191', '--wait']);
        expect(result.exitCode).toBe(1);
        expect(result.stdout).toMatch(/^\+12025550191 .*unlink FAILED \(DEPROVISIONING_FAILED\)/m);
      });

      it('exits 4 when the wait times out', async () => {
        // Line 0192: the campaign registry fails the first two submissions, and the retries wait at least 1.5 s.
        await importNumber('+12025550192', { servicePlanId: 'plan-slow' });
        await waitForSteps('+12025550192');
        const result = await runCli(['numbers', 'link', '+12025550192', '--service-plan', 'plan-slow', '--campaign', 'CAMPSLOW', '--wait', '--timeout', '0.5']);
        expect(result.exitCode).toBe(4);
        expect(result.stderr).toContain('1 number still had steps running after 0.5 s: +12025550192');
        await waitForSteps('+12025550192');
      });

      it('exits 3 when the API rejects the link', async () => {
        const result = await runCli(['numbers', 'link', '+12025550110', '--service-plan', 'another-plan']);
        expect(result.exitCode).toBe(3);
        expect(result.stderr).toContain('400 FAILED_PRECONDITION');
        expect(result.stderr).toContain('Unlink it first');
      });

      it('exits 2 without --service-plan', async () => {
        const result = await runCli(['numbers', 'link', '+12025550110']);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toContain('--service-plan');
      });
    });

    describe('numbers delete', () => {
      it('deletes numbers, after which get exits 3', async () => {
        await importNumber('+12025550130', { servicePlanId: 'plan-delete' });
        const deleted = await runJson<{ deleted: string[]; errors: unknown[] }>(['numbers', 'delete', '+12025550130']);
        expect(deleted.exitCode).toBe(0);
        expect(deleted.json).toEqual({ deleted: ['+12025550130'], errors: [] });
        const after = await runCli(['numbers', 'get', '+12025550130']);
        expect(after.exitCode).toBe(3);
        expect(after.stderr).toContain('404 NOT_FOUND');
      });
    });
  });

  describe('callbacks get and set-secret', () => {
    it('sets a given secret and shows it', async () => {
      const set = await runCli(['callbacks', 'set-secret', 'given-secret-1']);
      expect(set.exitCode).toBe(0);
      expect(set.stdout).not.toContain('given-secret-1');
      const { exitCode, json } = await runJson<{ projectId: string; hmacSecret: string }>(['callbacks', 'get']);
      expect(exitCode).toBe(0);
      expect(json).toEqual({ projectId: service.projectId, hmacSecret: 'given-secret-1' });
    });

    it('generates a secret and prints it once', async () => {
      const set = await runCli(['callbacks', 'set-secret']);
      expect(set.exitCode).toBe(0);
      const printed = set.stdout.trim();
      expect(printed).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const shown = await runCli(['callbacks', 'get']);
      expect(shown.stdout).toContain(`hmacSecret   ${printed}`);
    });

    it('clears the secret', async () => {
      const cleared = await runJson<{ hmacSecret: string; isGenerated: boolean }>(['callbacks', 'set-secret', '--clear']);
      expect(cleared.exitCode).toBe(0);
      expect(cleared.json.hmacSecret).toBe('');
      const both = await runCli(['callbacks', 'set-secret', 'x', '--clear']);
      expect(both.exitCode).toBe(2);
    });
  });

  describe('callbacks listen, in process', () => {
    const secret = 'listener-secret-1';
    const forwardTarget = new RecordingServer();
    const records: ListenerRecord[] = [];
    let listener: CallbackListener;

    beforeAll(async () => {
      const forwardBase = await forwardTarget.start();
      listener = await startCallbackListener({
        host: '127.0.0.1',
        port: 0,
        path: '/callbacks',
        secret,
        forwardUrl: parseForwardUrl(`${forwardBase}/relay/`),
        onRecord: (record) => records.push(record),
      });
      await setSecret(secret);
    });

    afterAll(async () => {
      await listener.close();
      await forwardTarget.stop();
    });

    it('prints and forwards real signed callbacks', async () => {
      const callbackUrl = `${listener.url}?a=1&b=%2B&c=%7e`;
      await importNumber('+12025550140', { servicePlanId: 'plan-listen', campaignId: 'CAMPLISTEN' }, callbackUrl);
      await waitUntil(
        async () => records.filter((record) => record.kind === 'forwarded').length,
        (count) => count >= 2,
      );
      const events = records.flatMap((record) => (record.kind === 'event' ? [record] : []));
      expect(events.map((record) => record.event.eventType).sort()).toEqual(['LINK_TO_10DLC_CAMPAIGN', 'PROVISIONING_TO_SMS_PLATFORM']);
      for (const record of events) {
        expect(record.signature).toBe('valid');
        expect(record.target).toBe('/callbacks?a=1&b=%2B&c=%7e');
        expect(record.event.resourceId).toBe('+12025550140');
        expect(record.event.status).toBe('SUCCEEDED');
      }
      expect(forwardTarget.requests).toHaveLength(2);
      for (const forwarded of forwardTarget.requests) {
        expect(forwarded.target).toBe('/relay/callbacks?a=1&b=%2B&c=%7e');
        expect(forwarded.headers['x-sinch-signature']).toBe(signatureOf(forwarded.rawBody, secret));
        expect(forwarded.headers['content-type']).toBe('application/json');
      }
    });

    it('forwards the exact bytes and query it received', async () => {
      forwardTarget.requests.length = 0;
      const body = Buffer.from(
        '{ "timestamp":"2026-01-01T00:00:00Z",  "resourceType":"IMPORTED_NUMBER","eventType":"DELETE","eventId":"01jtest00000000000000000000","projectId":"p","resourceId":"+12025550141","status":"SUCCEEDED","note":"caf\u00e9 \u0063\u0301"}\n',
        'utf8',
      );
      const target = "/callbacks/us?a=1&b=%2B&c=%7e&d=caf%C3%A9&e=a+b&f='&&g=";
      const status = await postRaw(listener.url, target, body, { 'x-sinch-signature': signatureOf(body, secret) });
      expect(status).toBe(200);
      await waitUntil(
        async () => forwardTarget.requests.length,
        (count) => count === 1,
      );
      const forwarded = forwardTarget.requests[0] as ReceivedRequest;
      expect(forwarded.target).toBe(`/relay${target}`);
      expect(forwarded.rawBody.equals(body)).toBe(true);
      expect(forwarded.headers['x-sinch-signature']).toBe(signatureOf(body, secret));
    });

    it('answers 401 to a forged signature and forwards nothing', async () => {
      forwardTarget.requests.length = 0;
      const body = Buffer.from('{"eventType":"DELETE"}');
      const forged = await postRaw(listener.url, '/callbacks', body, { 'x-sinch-signature': signatureOf(body, 'wrong-secret') });
      const missing = await postRaw(listener.url, '/callbacks', body, {});
      expect(forged).toBe(401);
      expect(missing).toBe(401);
      const rejected = records.flatMap((record) => (record.kind === 'rejected' ? [record] : []));
      expect(rejected.at(-2)?.reason).toContain('does not match');
      expect(rejected.at(-1)?.reason).toContain('no X-Sinch-Signature');
      expect(forwardTarget.requests).toEqual([]);
    });

    it('answers 404 outside the path and 405 to other methods', async () => {
      const outside = await postRaw(listener.url, '/callbacksx', Buffer.from('{}'), {});
      const get = await fetch(listener.url);
      expect(outside).toBe(404);
      expect(get.status).toBe(405);
    });

    it('prints a line per event for people', () => {
      let stdout = '';
      let stderr = '';
      const output = new Output({ isJson: false, stdout: { write: (text: string) => Boolean((stdout += text)) }, stderr: { write: (text: string) => Boolean((stderr += text)) } });
      const event = {
        eventId: '01jtest00000000000000000001',
        projectId: 'p',
        resourceType: 'IMPORTED_NUMBER',
        resourceId: '+12025550142',
        eventType: 'LINK_TO_10DLC_CAMPAIGN',
        status: 'FAILED',
        failureCode: 'CAMPAIGN_EXPIRED',
        timestamp: '2026-12-04T20:56:57.819Z',
      } as const;
      printListenerRecord(output, { kind: 'event', receivedAt: '2026-12-04T20:56:58.000Z', target: '/callbacks', signature: 'valid', event });
      printListenerRecord(output, { kind: 'rejected', receivedAt: '2026-12-04T20:56:59.000Z', method: 'POST', target: '/callbacks?x=1', httpStatus: 401, reason: 'bad signature' });
      printListenerRecord(output, { kind: 'forwarded', eventId: event.eventId, url: 'http://127.0.0.1:3000/callbacks', httpStatus: 204 });
      expect(stdout).toBe(
        '2026-12-04T20:56:57.819Z  LINK_TO_10DLC_CAMPAIGN          +12025550142  FAILED  CAMPAIGN_EXPIRED\n' +
          '2026-12-04T20:56:59.000Z  rejected with 401: POST /callbacks?x=1: bad signature\n',
      );
      expect(stderr).toBe(`Forwarded ${event.eventId} to http://127.0.0.1:3000/callbacks: HTTP 204\n`);
    });

    it('refuses a forward URL that is not loopback', () => {
      for (const url of ['http://10.0.0.1:3000', 'http://example.com/', 'http://169.254.169.254/', 'ftp://127.0.0.1/', 'http://127.0.0.1:3000/?q=1']) {
        let caught: unknown;
        try {
          parseForwardUrl(url);
        } catch (error) {
          caught = error;
        }
        expect(caught, url).toBeInstanceOf(CliError);
        expect((caught as CliError).exitCode, url).toBe(2);
      }
      expect(parseForwardUrl('http://[::1]:3000').hostname).toBe('[::1]');
      expect(parseForwardUrl('http://localhost:3000/hooks').pathname).toBe('/hooks');
    });
  });

  describe('callbacks listen, as a child process', () => {
    const secret = 'listener-secret-2';
    const forwardTarget = new RecordingServer();
    let forwardBase: string;

    beforeAll(async () => {
      forwardBase = await forwardTarget.start();
      await setSecret(secret);
    });

    afterAll(async () => {
      await forwardTarget.stop();
    });

    it('prints verified events as JSON lines and stops on SIGTERM', async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'callbacks', 'listen', '--port', '0', '--json', '--forward', forwardBase],
        { cwd: PROJECT_ROOT, env: { ...process.env, NUMBERHOST_CALLBACK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

      const listenUrl = await waitUntil(
        async () => /Listening for callbacks on (\S+);/.exec(stderr)?.[1],
        (url) => url !== undefined,
        30_000,
      );
      expect(stderr).toContain('X-Sinch-Signature is checked');

      await importNumber('+12025550150', { servicePlanId: 'plan-child' });
      await waitForSteps('+12025550150');
      const update = await runCli(['numbers', 'update', '+12025550150', '--callback-url', `${listenUrl as string}?child=1`]);
      expect(update.exitCode).toBe(0);
      const link = await runCli(['numbers', 'link', '+12025550150', '--service-plan', 'plan-child', '--campaign', 'CAMPCHILD', '--wait']);
      expect(link.exitCode).toBe(0);

      const linkLine = await waitUntil(
        async () => stdout.split('\n').find((line) => line.includes('LINK_TO_10DLC_CAMPAIGN')),
        (line) => line !== undefined,
      );
      const linked = JSON.parse(linkLine as string) as { target: string; signature: string; event: { eventType: string; resourceId: string; status: string } };
      expect(linked.target).toBe('/callbacks?child=1');
      expect(linked.signature).toBe('valid');
      expect(linked.event).toEqual(expect.objectContaining({ eventType: 'LINK_TO_10DLC_CAMPAIGN', resourceId: '+12025550150', status: 'SUCCEEDED' }));

      const forged = await postRaw(listenUrl as string, '/callbacks', Buffer.from('{}'), { 'x-sinch-signature': '0'.repeat(40) });
      expect(forged).toBe(401);
      const rejectedLine = await waitUntil(
        async () => stdout.split('\n').find((line) => line.includes('"rejected"')),
        (line) => line !== undefined,
      );
      expect(JSON.parse(rejectedLine as string)).toEqual({ rejected: expect.objectContaining({ httpStatus: 401, target: '/callbacks' }) });

      await waitUntil(
        async () => forwardTarget.requests.length,
        (count) => count >= 1,
      );
      expect(forwardTarget.requests[0]?.target).toBe('/callbacks?child=1');
      expect(forwardTarget.requests[0]?.headers['x-sinch-signature']).toBe(signatureOf(forwardTarget.requests[0]?.rawBody ?? '', secret));

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      children.delete(child);
      expect(stderr).toContain('SIGTERM: stopping the listener.');
    });

    it('exits 2 for a forward URL that is not loopback', async () => {
      const result = await runCli(['callbacks', 'listen', '--port', '0', '--forward', 'http://192.0.2.10:3000']);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('not a loopback URL');
    });
  });
});
