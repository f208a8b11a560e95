import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import { freePort } from './helpers/spawn.js';

/**
 * The workflow commands of the CLI, end to end. The package is installed the way a user
 * installs it (`npm install --global` of the project folder into a temporary prefix).
 * Its `numberhost` binary then runs as a child process against a numberhost service on
 * a loopback port.
 */

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI_TIMEOUT_MS = 60_000;
const INTERVAL = ['--interval', '0.2'];
const SERVICE_ENV = {
  NUMBERHOST_ELIGIBILITY_DELAY_MS: '0',
  NUMBERHOST_VOICE_CALL_INTERVAL_S: '0',
  NUMBERHOST_STEP_DELAY_MS: '20',
  // `qualify add --wait` reads every number at least once, so 1,200 numbers exceed the default 600 requests per minute.
  NUMBERHOST_BASIC_AUTH_RPM: '1000000',
};
const AUTHORISED_PERSON = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const DIRECT_LOA = {
  authorisedPerson: AUTHORISED_PERSON,
  address: { buildingNumber: '1', street: 'Main St', city: 'Denver', state: 'CO', postalCode: '80202', country: 'US' },
  currentVoiceCarrier: 'TMO',
};
const RESELLER_LOA = { businessName: 'Acme, Inc.', ...DIRECT_LOA };
const HELP_COMMANDS = [['import'], ['verify', 'call'], ['verify', 'check'], ['text-enable'], ['orders', 'list'], ['orders', 'get'], ['orders', 'numbers'], ['orders', 'report'], ['orders', 'watch']];

interface CliResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunningCli {
  kill(signal: NodeJS.Signals): void;
  /** Resolves once stderr matches `pattern`, and rejects when the process ends first. */
  waitForStderr(pattern: RegExp): Promise<string>;
  result: Promise<CliResult>;
}

interface CliOptions {
  /** Target URL, by default the test service's. */
  url?: string;
  /** Credentials of another service. */
  service?: TestService;
}

interface OrderBody {
  hostingOrderId: string;
  state: string;
  type: string;
  scheduledOsrUpdateTime?: string;
  textEnableInfo?: { loaType?: string; businessName?: string };
}

interface NumberResultBody {
  phoneNumber: string;
  hostingOrderId?: string;
  platformState: string;
  campaignState: string;
  result: string;
  errorCode?: string;
}

let installDir: string;
let workDir: string;
let binPath: string;
let service: TestService;

function cliEnv(target: TestService): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('NUMBERHOST_') && !name.startsWith('SINCH_')) {
      env[name] = value;
    }
  }
  return {
    ...env,
    // The binary's `#!/usr/bin/env node` finds the node that runs the tests first.
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    HOME: workDir,
    XDG_CONFIG_HOME: join(workDir, '.config'),
    SINCH_PROJECT_ID: target.projectId,
    SINCH_KEY_ID: target.keyId,
    SINCH_KEY_SECRET: target.keySecret,
  };
}

function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const target = options.service ?? service;
  const child = spawn(binPath, [...args, '--url', options.url ?? target.baseUrl], { cwd: workDir, env: cliEnv(target), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const stderrListeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    stderrListeners.forEach((listener) => listener());
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const result = new Promise<CliResult>((resolveResult) => {
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      stderrListeners.forEach((listener) => listener());
      resolveResult({ exitCode, signal, stdout, stderr });
    });
  });
  return {
    kill: (signal) => child.kill(signal),
    result,
    waitForStderr: (pattern) =>
      new Promise((resolveWait, reject) => {
        const check = (): void => {
          const match = pattern.exec(stderr);
          if (match !== null) {
            stderrListeners.delete(check);
            resolveWait(match[0]);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            stderrListeners.delete(check);
            reject(new Error(`The CLI ended before stderr matched ${pattern}; stderr:\n${stderr}`));
          }
        };
        stderrListeners.add(check);
        check();
      }),
  };
}

function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

function parseJson<T>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}

function writeWorkFile(name: string, text: string): string {
  const path = join(workDir, name);
  writeFileSync(path, text);
  return path;
}

function encoded(phoneNumber: string): string {
  return encodeURIComponent(phoneNumber);
}

async function readJson<T>(response: Promise<Response>): Promise<T> {
  const settled = await response;
  expect(settled.status, await settled.clone().text()).toBe(200);
  return (await settled.json()) as T;
}

async function qualifiedState(target: TestService, phoneNumber: string): Promise<string> {
  const body = await readJson<{ globalProcessState: string }>(target.api(`/qualifiedNumbers/${encoded(phoneNumber)}`));
  return body.globalProcessState;
}

/** Adds numbers through the API and waits until each is ELIGIBLE. */
async function qualify(target: TestService, phoneNumbers: readonly string[]): Promise<void> {
  await readJson(target.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers }) }));
  for (const phoneNumber of phoneNumbers) {
    await waitUntil(
      () => qualifiedState(target, phoneNumber),
      (state) => state === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
  }
}

async function approveOwnership(phoneNumber: string): Promise<void> {
  await readJson(service.admin(`/projects/${service.projectId}/qualifiedNumbers/${encoded(phoneNumber)}:approveOwnership`, { method: 'POST' }));
}

/** Runs `task` over `items` with at most `limit` running at once. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  });
  await Promise.all(workers);
}

async function totalSize(path: string): Promise<number> {
  return (await readJson<{ totalSize: number }>(service.api(path))).totalSize;
}

const ANY_ORDER = '/hostingOrders?states=HOSTING_ORDER_STATE_UNSPECIFIED&type=HOSTING_ORDER_TYPE_UNSPECIFIED&servicePlanId=&campaignId=&pageSize=1';
const ANY_QUALIFIED = '/qualifiedNumbers?states=GLOBAL_PROCESS_STATE_UNSPECIFIED&pageSize=1';
const ANY_IMPORTED = '/importedNumbers?pageSize=1';

/** Counts of what the project holds, to show that a rejected command created nothing. */
async function projectCounts(): Promise<{ orders: number; qualified: number; imported: number }> {
  return { orders: await totalSize(ANY_ORDER), qualified: await totalSize(ANY_QUALIFIED), imported: await totalSize(ANY_IMPORTED) };
}

async function signingLink(hostingOrderId: string): Promise<string> {
  const emails = await waitUntil(
    async () => (await readJson<{ emails: Array<{ links: string[] }> }>(service.admin(`/projects/${service.projectId}/emails?hostingOrderId=${hostingOrderId}`))).emails,
    (list) => list.length > 0,
  );
  const link = emails[0]?.links[0] as string;
  // The mail's link starts with PUBLIC_BASE_URL, but the test service listens on a port of its own.
  return `${service.baseUrl}${new URL(link).pathname}`;
}

/** Signs the LOA the way a browser posts the signing form: CSRF token from the page, cookie back. */
async function signLoa(hostingOrderId: string): Promise<void> {
  const link = await signingLink(hostingOrderId);
  const page = await fetch(link);
  expect(page.status).toBe(200);
  const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(await page.text())?.[1];
  expect(csrfToken).toBeDefined();
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const form = new URLSearchParams({ csrfToken: csrfToken as string, action: 'sign', fullName: 'Ada Lovelace', consent: 'yes' });
  const signed = await fetch(link, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  expect(signed.status).toBe(200);
  expect(await signed.text()).toContain('Letter of Authorization signed');
}

async function latestVoiceCode(target: TestService, phoneNumber: string): Promise<string> {
  const calls = await waitUntil(
    async () => (await readJson<{ voiceCalls: Array<{ code: string }> }>(target.admin(`/projects/${target.projectId}/voiceCalls?phoneNumber=${encoded(phoneNumber)}`))).voiceCalls,
    (list) => list.length > 0,
  );
  return (calls[0] as { code: string }).code;
}

function run(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => (error === null ? resolveRun({ stdout, stderr }) : reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`))));
  });
}

beforeAll(async () => {
  installDir = mkdtempSync(join(tmpdir(), 'numberhost-install-'));
  workDir = mkdtempSync(join(tmpdir(), 'numberhost-cli-'));
  // A local folder install links the folder, and --offline makes sure nothing is downloaded.
  await run('npm', ['install', '--global', '--prefix', installDir, '--offline', '--no-audit', '--no-fund', PROJECT_ROOT]);
  binPath = join(installDir, 'bin', 'numberhost');
  service = await startTestService(newSqliteUrl(), SERVICE_ENV);
});

afterAll(async () => {
  await service?.close();
  rmSync(installDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('installed CLI', () => {
  it('shows help with examples', async () => {
    const results = await Promise.all(HELP_COMMANDS.map((command) => runCli([...command, '--help'])));
    results.forEach((result, index) => {
      const name = (HELP_COMMANDS[index] as string[]).join(' ');
      expect(result.exitCode, name).toBe(0);
      expect(result.stdout, name).toContain('Example');
    });
  });

  it('exits 2 on bad flags', async () => {
    const results = await Promise.all([
      runCli(['import', '+13032000099']),
      runCli(['orders', 'list', '--state', 'FINISHED']),
      runCli(['orders', 'watch', 'some-order', '--timeout', '-1']),
      runCli(['import', '+13032000099', '--service-plan', 'p', '--order-size', '0']),
      runCli(['verify', 'check', '+13032000099', '12ab']),
    ]);
    for (const result of results) {
      expect(result.exitCode, result.stderr).toBe(2);
    }
    expect(results[0]?.stderr).toContain("required option '--service-plan <id>' not specified");
    expect(results[1]?.stderr).toContain("argument 'FINISHED' is invalid");
    expect(results[2]?.stderr).toContain('expected a number of seconds, 0 or more; got "-1"');
    expect(results[3]?.stderr).toContain('expected an integer from 1 to 500; got "0"');
    expect(results[4]?.stderr).toContain('"12ab" is invalid');
  });

  it('exits 3 on API errors', async () => {
    const [unknown, unknownJson, dead] = await Promise.all([
      runCli(['orders', 'get', 'no-such-order']),
      runCli(['orders', 'report', 'no-such-order', '--json']),
      runCli(['orders', 'list'], { url: `http://127.0.0.1:${await freePort()}` }),
    ]);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toContain('404 NOT_FOUND');
    expect(unknownJson.exitCode).toBe(3);
    expect(parseJson<{ error: { httpStatus: number } }>(unknownJson).error.httpStatus).toBe(404);
    expect(dead.exitCode).toBe(3);
    expect(dead.stderr).toContain('Cannot reach');
  });
});

describe('import', () => {
  it('imports in orders of five', async () => {
    const numbers = ['+13032000001', '+13032000002', '+13032000003', '+13035550184', '+13032000004', '+13032000005', '+13032000006'];
    const result = await runCli(['import', ...numbers, '--service-plan', 'plan-import', '--campaign', 'CIMPORT', '--wait', ...INTERVAL, '--json']);
    expect(result.exitCode, result.stderr).toBe(1);
    const body = parseJson<{ hostingOrders: OrderBody[]; numbers: NumberResultBody[] }>(result);
    expect(body.hostingOrders.map((order) => order.state)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(body.numbers).toHaveLength(7);
    const failed = body.numbers.find((number) => number.phoneNumber === '+13035550184');
    expect(failed?.result).toBe('FAILED');
    expect(failed?.platformState).toBe('FAILED');
    expect(failed?.errorCode).toBe('PROVISIONING_FAILED');
    const succeeded = body.numbers.filter((number) => number.result === 'SUCCEEDED');
    expect(succeeded).toHaveLength(6);
    expect(succeeded.every((number) => number.platformState === 'DONE' && number.campaignState === 'DONE')).toBe(true);
    const orderSizes = body.hostingOrders.map((order) => body.numbers.filter((number) => number.hostingOrderId === order.hostingOrderId).length);
    expect(orderSizes).toEqual([5, 2]);
  });

  it('prints order ids without --wait', async () => {
    const created = await runCli(['import', '+13032000011', '+13032000012', '+13032000013', '--service-plan', 'plan-import', '--order-size', '2']);
    expect(created.exitCode, created.stderr).toBe(0);
    const ids = [...created.stdout.matchAll(/^(\w{26})\s+\w+\s+(\d+)$/gm)].map((match) => match[1] as string);
    expect(ids).toHaveLength(2);
    expect(created.stderr).toContain(`numberhost orders watch ${ids.join(' ')}`);

    const watched = await runCli(['orders', 'watch', ...ids, ...INTERVAL]);
    expect(watched.exitCode, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(new RegExp(`${ids[0]}\\s+IMPORT\\s+COMPLETED\\s+2\\s+0`));
    expect(watched.stdout).toMatch(new RegExp(`${ids[1]}\\s+IMPORT\\s+COMPLETED\\s+1\\s+0`));
    expect(watched.stderr).toContain(`Order ${ids[0]}:`);
  });

  it('exits 3 above the order limit', async () => {
    const numbers = Array.from({ length: 6 }, (_, index) => `+1303200002${index}`);
    const before = await projectCounts();
    const result = await runCli(['import', ...numbers, '--service-plan', 'plan-import', '--order-size', '6']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('400 INVALID_ARGUMENT');
    expect(await projectCounts()).toEqual(before);
  });

  it('imports single numbers', async () => {
    const result = await runCli(['import', '+13032000041', '--single', '--service-plan', 'plan-import', '--campaign', 'CIMPORT', '--name', 'Support line', '--wait', ...INTERVAL]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\+13032000041\s+DONE\s+DONE\s+SUCCEEDED/);
    const imported = await readJson<{ displayName: string }>(service.api(`/importedNumbers/${encoded('+13032000041')}`));
    expect(imported.displayName).toBe('Support line');

    const again = await runCli(['import', '+13032000041', '--single', '--service-plan', 'plan-import']);
    expect(again.exitCode).toBe(3);
    expect(again.stderr).toContain('409 ALREADY_EXISTS: argument 1:');
  });

  it('exits 1 on failed provisioning', async () => {
    const result = await runCli(['import', '+12025550184', '--single', '--service-plan', 'plan-import', '--wait', ...INTERVAL]);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/\+12025550184\s+FAILED\s+\S+\s+FAILED\s+PROVISIONING_FAILED/);
  });
});

describe('number input', () => {
  it('rejects bad CSV lines before sending', async () => {
    const csv = writeWorkFile(
      'bad.csv',
      ['phoneNumber,label', '+13032000051,good', '12345,short', '+13032000052,good', '+44 20 7946 0958,foreign', '', '+1303200005,too short', '+13032000051,repeated'].join('\n'),
    );
    const before = await projectCounts();
    const commands = [
      ['qualify', 'add', '--file', csv, '--wait'],
      ['import', '--file', csv, '--service-plan', 'plan-import'],
      ['import', '--file', csv, '--single', '--service-plan', 'plan-import'],
      ['text-enable', '--file', csv, '--loa', 'blanket', '--service-plan', 'plan-text'],
    ];
    const results = await Promise.all(commands.map((command) => runCli(command)));
    for (const [index, result] of results.entries()) {
      const command = commands[index] as string[];
      expect(result.exitCode, command.join(' ')).toBe(2);
      for (const line of [3, 5, 7, 8]) {
        expect(result.stderr, `${command.join(' ')} names line ${line}`).toContain(`bad.csv:${line}:`);
      }
      expect(result.stderr).not.toContain('bad.csv:2:');
      expect(result.stderr).toContain('4 invalid numbers; nothing was sent');
    }
    expect(await projectCounts()).toEqual(before);
    for (const phoneNumber of ['+13032000051', '+13032000052']) {
      expect((await service.api(`/qualifiedNumbers/${encoded(phoneNumber)}`)).status).toBe(404);
      expect((await service.api(`/importedNumbers/${encoded(phoneNumber)}`)).status).toBe(404);
    }
  });
});

describe('verify', () => {
  it('verifies with the call code', async () => {
    const phoneNumber = '+17202000001';
    await qualify(service, [phoneNumber]);
    const call = await runCli(['verify', 'call', phoneNumber]);
    expect(call.exitCode, call.stderr).toBe(0);
    expect(call.stdout).toContain('VERIFICATION_PENDING');
    expect(call.stderr).toContain(`numberhost verify check ${phoneNumber} <code>`);
    const code = await latestVoiceCode(service, phoneNumber);

    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await runCli(['verify', 'check', phoneNumber, wrongCode]);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toContain('VERIFICATION_FAILED');
    expect(wrong.stderr).toContain('Wrong code');

    const right = await runCli(['verify', 'check', phoneNumber, code, '--json']);
    expect(right.exitCode, right.stderr).toBe(0);
    expect(parseJson<{ globalProcessState: string }>(right).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
  });

  it('exits 1 when blocked', async () => {
    const phoneNumber = '+17202000002';
    await qualify(service, [phoneNumber]);
    expect((await runCli(['verify', 'call', phoneNumber, '--json'])).exitCode).toBe(0);
    const code = await latestVoiceCode(service, phoneNumber);
    const wrongCode = code === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      await readJson(service.api(`/qualifiedNumbers/${encoded(phoneNumber)}:verifyVoiceChallenge`, { method: 'POST', body: JSON.stringify({ code: wrongCode }) }));
    }
    const third = await runCli(['verify', 'check', phoneNumber, wrongCode]);
    expect(third.exitCode).toBe(1);
    expect(third.stdout).toContain('VERIFICATION_BLOCKED');
    expect(third.stderr).toContain('Ask the operator to unblock it');
  });

  it('exits 3 on a call too soon', async () => {
    const limited = await startTestService(newSqliteUrl(), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' });
    try {
      const phoneNumber = '+17202000003';
      await qualify(limited, [phoneNumber]);
      expect((await runCli(['verify', 'call', phoneNumber], { service: limited })).exitCode).toBe(0);
      const again = await runCli(['verify', 'call', phoneNumber], { service: limited });
      expect(again.exitCode).toBe(3);
      expect(again.stderr).toContain('429 RESOURCE_EXHAUSTED');
      expect(again.stderr).toMatch(/Call again in \d+ s \(Retry-After\)/);
    } finally {
      await limited.close();
    }
  });
});

describe('text-enable', () => {
  let loaFile: string;
  let resellerLoaFile: string;

  beforeAll(() => {
    loaFile = writeWorkFile('loa.json', JSON.stringify(DIRECT_LOA));
    resellerLoaFile = writeWorkFile('reseller-loa.json', JSON.stringify(RESELLER_LOA));
  });

  it('waits for the direct LOA signature', async () => {
    const numbers = ['+17202000011', '+17202000012'];
    await qualify(service, numbers);
    for (const phoneNumber of numbers) {
      await approveOwnership(phoneNumber);
    }
    const running = startCli(['text-enable', ...numbers, '--loa', 'direct', '--loa-file', loaFile, '--service-plan', 'plan-text', '--campaign', 'CTEXT', '--wait', ...INTERVAL]);
    const notice = await running.waitForStderr(/Order (\w+): the LOA was mailed to ada@example\.com; sign it from the link in the mail\./);
    const hostingOrderId = /Order (\w+):/.exec(notice)?.[1] as string;
    await signLoa(hostingOrderId);

    const result = await running.result;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${hostingOrderId}\\s+TYPE_TEXT_ENABLE\\s+COMPLETED\\s+2\\s+0`));
    expect(result.stderr).toMatch(/WAITING_FOR_LOA_SIGNATURE -> (IN_PROGRESS|COMPLETED)/);

    const numbersTable = await runCli(['orders', 'numbers', hostingOrderId]);
    expect(numbersTable.exitCode).toBe(0);
    expect(numbersTable.stdout).toMatch(/^NUMBER\s+OSR\s+PLATFORM\s+CAMPAIGN$/m);
    for (const phoneNumber of numbers) {
      expect(numbersTable.stdout).toMatch(new RegExp(`\\${phoneNumber}\\s+DONE\\s+DONE\\s+DONE`));
      expect(await qualifiedState(service, phoneNumber)).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
    }
  });

  it('schedules toll-free numbers with --osr-at', async () => {
    const numbers = ['+18885550160', '+18885550161'];
    await qualify(service, numbers);
    for (const phoneNumber of numbers) {
      await approveOwnership(phoneNumber);
    }
    const clock = await readJson<{ now: string }>(service.admin('/clock'));
    const osrAt = new Date(Date.parse(clock.now) + 2 * 60 * 60 * 1000).toISOString();
    const created = await runCli(['text-enable', ...numbers, '--toll-free', '--loa', 'reseller', '--loa-file', resellerLoaFile, '--service-plan', 'plan-text', '--osr-at', osrAt, '--json']);
    expect(created.exitCode, created.stderr).toBe(0);
    const [order] = parseJson<{ hostingOrders: OrderBody[] }>(created).hostingOrders;
    expect(order?.type).toBe('TYPE_TEXT_ENABLE');
    expect(order?.textEnableInfo?.loaType).toBe('Reseller');
    expect(order?.textEnableInfo?.businessName).toBe('Acme, Inc.');
    expect(Date.parse(order?.scheduledOsrUpdateTime ?? '')).toBe(Date.parse(osrAt));
    const hostingOrderId = order?.hostingOrderId as string;

    await signLoa(hostingOrderId);
    const early = await runCli(['orders', 'watch', hostingOrderId, ...INTERVAL, '--timeout', '1']);
    expect(early.exitCode).toBe(4);
    expect(early.stderr).toContain(`${hostingOrderId} (IN_PROGRESS)`);

    await readJson(service.admin('/clock:advance', { method: 'POST', body: JSON.stringify({ seconds: 3 * 60 * 60 }) }));
    const watched = await runCli(['orders', 'watch', hostingOrderId, ...INTERVAL, '--json']);
    expect(watched.exitCode, watched.stderr).toBe(0);
    const [outcome] = parseJson<{ orders: Array<{ hostingOrder: OrderBody; report: { total: number; osrUpdated: number }; failedNumbers: unknown[] }> }>(watched).orders;
    expect(outcome?.hostingOrder.state).toBe('COMPLETED');
    expect(outcome?.report.total).toBe(2);
    expect(outcome?.report.osrUpdated).toBe(2);
    expect(outcome?.failedNumbers).toEqual([]);
  });

  it('checks input before sending', async () => {
    const badLoa = writeWorkFile('bad-loa.json', JSON.stringify({ authorisedPerson: { firstName: '', email: 'not-an-address' }, address: 'Main St', extra: true }));
    const before = await projectCounts();
    const cases: Array<{ args: string[]; messages: string[] }> = [
      {
        args: ['+17202000041', '+18885550141', '--loa', 'direct', '--loa-file', loaFile],
        messages: ['1 toll-free number', 'argument 2: +18885550141', 'with --toll-free'],
      },
      {
        args: ['+17202000041', '+18885550141', '--toll-free', '--loa', 'direct', '--loa-file', loaFile],
        messages: ['every number must be toll-free', 'argument 1: +17202000041'],
      },
      {
        args: ['+18885550141', '--toll-free', '--loa', 'blanket', '--campaign', 'CTEXT', '--nnid', '12x', '--osr-at', 'tomorrow'],
        messages: ['a blanket LOA covers standard numbers only', '--campaign is not used with --toll-free', '--nnid "12x" is invalid', '--osr-at "tomorrow" is not an RFC 3339 time'],
      },
      { args: ['+17202000041', '--loa', 'direct'], messages: ['--loa direct needs --loa-file'] },
      {
        args: ['+17202000041', '--loa', 'direct', '--loa-file', badLoa],
        messages: [
          'bad-loa.json: authorisedPerson.firstName is empty.',
          'bad-loa.json: authorisedPerson.lastName is missing.',
          'authorisedPerson.email "not-an-address" is not an e-mail address',
          'bad-loa.json: address must be an object',
          'bad-loa.json: currentVoiceCarrier is missing.',
          'bad-loa.json: extra is not an LOA field',
        ],
      },
      { args: ['+17202000041', '--loa', 'reseller', '--loa-file', loaFile], messages: ['loa.json: businessName is missing.'] },
    ];
    const results = await Promise.all(cases.map(({ args }) => runCli(['text-enable', ...args, '--service-plan', 'plan-text'])));
    for (const [index, result] of results.entries()) {
      const { args, messages } = cases[index] as { args: string[]; messages: string[] };
      expect(result.exitCode, args.join(' ')).toBe(2);
      for (const message of messages) {
        expect(result.stderr, args.join(' ')).toContain(message);
      }
    }
    expect(await projectCounts()).toEqual(before);
  });

  it('names the input of unverified numbers', async () => {
    const phoneNumber = '+17202000021';
    await qualify(service, [phoneNumber]);
    const result = await runCli(['text-enable', phoneNumber, '--loa', 'direct', '--loa-file', loaFile, '--service-plan', 'plan-text', '--json']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('numbers[0] (argument 1)');
    const body = parseJson<{ error: { status: string; fieldViolations: Array<{ field: string }> } }>(result);
    expect(body.error.status).toBe('FAILED_PRECONDITION');
    expect(body.error.fieldViolations[0]?.field).toBe('numbers[0] (argument 1)');
  });
});

describe('orders', () => {
  let waitingOrderId: string;

  beforeAll(async () => {
    const phoneNumber = '+17202000031';
    await qualify(service, [phoneNumber]);
    await approveOwnership(phoneNumber);
    const loaFile = writeWorkFile('orders-loa.json', JSON.stringify(DIRECT_LOA));
    const created = await runCli(['text-enable', phoneNumber, '--loa', 'direct', '--loa-file', loaFile, '--service-plan', 'plan-orders', '--name', 'Waiting order', '--json']);
    expect(created.exitCode, created.stderr).toBe(0);
    waitingOrderId = parseJson<{ hostingOrders: OrderBody[] }>(created).hostingOrders[0]?.hostingOrderId as string;
    await waitUntil(
      async () => (await readJson<OrderBody>(service.api(`/hostingOrders/${waitingOrderId}`))).state,
      (state) => state === 'WAITING_FOR_LOA_SIGNATURE',
    );
  });

  it('lists, gets and reports orders', async () => {
    const [listed, none, table, got, report] = await Promise.all([
      runCli(['orders', 'list', '--service-plan', 'plan-orders', '--type', 'TEXT_ENABLE', '--json']),
      runCli(['orders', 'list', '--service-plan', 'plan-orders', '--type', 'IMPORT', '--json']),
      runCli(['orders', 'list', '--state', 'WAITING_FOR_LOA_SIGNATURE']),
      runCli(['orders', 'get', waitingOrderId]),
      runCli(['orders', 'report', waitingOrderId, '--json']),
    ]);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(parseJson<{ hostingOrders: OrderBody[] }>(listed).hostingOrders.map((order) => order.hostingOrderId)).toEqual([waitingOrderId]);
    expect(parseJson<{ hostingOrders: OrderBody[] }>(none).hostingOrders).toEqual([]);

    expect(table.stdout).toMatch(/^ID\s+TYPE\s+STATE\s+SERVICE PLAN/);
    expect(table.stdout).toMatch(new RegExp(`${waitingOrderId}\\s+TYPE_TEXT_ENABLE\\s+WAITING_FOR_LOA_SIGNATURE\\s+plan-orders`));

    expect(got.exitCode).toBe(0);
    expect(got.stdout).toMatch(/^displayName\s+Waiting order$/m);
    expect(got.stdout).toMatch(/^authorisedPerson\s+Ada Lovelace <ada@example.com>$/m);

    expect(parseJson<{ total: number; osrUpdated: number }>(report)).toMatchObject({ total: 1, osrUpdated: 0 });
  });

  it('watch exits 4 on timeout and Ctrl-C', async () => {
    const timedOut = await runCli(['orders', 'watch', waitingOrderId, ...INTERVAL, '--timeout', '0.5']);
    expect(timedOut.exitCode).toBe(4);
    expect(timedOut.stderr).toContain(`Not finished yet: ${waitingOrderId} (WAITING_FOR_LOA_SIGNATURE)`);

    const running = startCli(['orders', 'watch', waitingOrderId, ...INTERVAL]);
    await running.waitForStderr(/Watching 1 order/);
    running.kill('SIGINT');
    const interrupted = await running.result;
    expect(interrupted.exitCode).toBe(4);
    expect(interrupted.stderr).toContain('Interrupted');
  });

  it('watch exits 1 for REJECTED', async () => {
    await readJson(service.admin(`/projects/${service.projectId}/hostingOrders/${waitingOrderId}:reject`, { method: 'POST', body: JSON.stringify({ reason: 'Test rejection' }) }));
    const result = await runCli(['orders', 'watch', waitingOrderId, ...INTERVAL]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`${waitingOrderId}\\s+TYPE_TEXT_ENABLE\\s+REJECTED`));
  });
});

describe('1,200-number CSV', () => {
  const numbers = Array.from({ length: 1200 }, (_, index) => `+1202300${String(index).padStart(4, '0')}`);

  it('goes from qualification to COMPLETED', async () => {
    const csv = writeWorkFile('big.csv', `phoneNumber,note\n${numbers.map((number, index) => `${number},line ${index}`).join('\n')}\n`);

    const qualified = await runCli(['qualify', 'add', '--file', csv, '--wait', '--json']);
    expect(qualified.exitCode, qualified.stderr).toBe(0);
    const states = parseJson<{ qualifiedNumbers: Array<{ globalProcessState: string }> }>(qualified).qualifiedNumbers.map((number) => number.globalProcessState);
    expect(states).toHaveLength(1200);
    expect(new Set(states)).toEqual(new Set(['GLOBAL_PROCESS_STATE_ELIGIBLE']));

    await forEachConcurrently(numbers, 16, approveOwnership);
    await readJson(service.admin(`/projects/${service.projectId}`, { method: 'PATCH', body: JSON.stringify({ isBlanketLoaApproved: true }) }));

    const created = await runCli(['text-enable', '--file', csv, '--loa', 'blanket', '--service-plan', 'plan-big', '--json']);
    expect(created.exitCode, created.stderr).toBe(0);
    const ids = parseJson<{ hostingOrders: OrderBody[] }>(created).hostingOrders.map((order) => order.hostingOrderId);
    expect(ids).toHaveLength(3);

    const watched = await runCli(['orders', 'watch', ...ids, '--interval', '0.5']);
    expect(watched.exitCode, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/^ORDER\s+TYPE\s+STATE\s+NUMBERS\s+FAILED$/m);
    ids.forEach((id, index) => {
      expect(watched.stdout).toMatch(new RegExp(`^${id}\\s+TYPE_TEXT_ENABLE\\s+COMPLETED\\s+${[500, 500, 200][index]}\\s+0$`, 'm'));
    });
    expect(watched.stdout).not.toContain('Failed numbers');
    expect(watched.stderr).toMatch(/^Watching 3 orders: 1200\/1200 3 COMPLETED$/m);

    const report = await runCli(['orders', 'report', ids[2] as string, '--json']);
    expect(parseJson<{ total: number; osrUpdated: number; smsProvisioned: number }>(report)).toMatchObject({ total: 200, osrUpdated: 200, smsProvisioned: 200 });
    expect(await totalSize(`/importedNumbers?pageSize=1&numberPattern.pattern=${encoded('+1202300')}&numberPattern.searchPattern=START`)).toBe(1200);
  });
});
