import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_ALL_IMPORTED, EXIT_SOME_FAILED, EXIT_USAGE, readNumbersCsv, splitCsvLine, toBatches } from '../examples/import-csv.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService } from './helpers/service.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD_TIMEOUT_MS = 50_000;

interface ChildResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

describe('readNumbersCsv', () => {
  it('reads one number per line', () => {
    const result = readNumbersCsv('+12025550101\n\n+12025550102\n', 'US');
    expect(result.problems).toEqual([]);
    expect(result.numbers).toEqual([
      { line: 1, phoneNumber: '+12025550101' },
      { line: 3, phoneNumber: '+12025550102' },
    ]);
  });

  it('reads the phoneNumber column after a header', () => {
    const result = readNumbersCsv('\uFEFFname,phoneNumber\r\n"Doe, Jane", +12025550101 \r\n', 'US');
    expect(result.problems).toEqual([]);
    expect(result.numbers).toEqual([{ line: 2, phoneNumber: '+12025550101' }]);
  });

  it('reports each invalid line with its number', () => {
    const result = readNumbersCsv('+12025550101\n2025550102\n+12025550101\n+14165550103\n', 'US');
    expect(result.numbers.map((entry) => entry.phoneNumber)).toEqual(['+12025550101']);
    expect(result.problems.map((problem) => problem.line)).toEqual([2, 3, 4]);
    expect(result.problems[0]?.message).toContain('Did you mean +12025550102?');
    expect(result.problems[1]?.message).toContain('repeats line 1');
    expect(result.problems[2]?.message).toContain('region CA');
  });

  it('rejects several columns without a header', () => {
    const result = readNumbersCsv('+12025550101,+12025550102\n', 'US');
    expect(result.numbers).toEqual([]);
    expect(result.problems[0]?.message).toContain('no "phoneNumber" header');
  });

  it('splits quoted cells', () => {
    expect(splitCsvLine('"a ""b"", c",d')).toEqual(['a "b", c', 'd']);
  });

  it('batches at most five numbers per order', () => {
    expect(toBatches([1, 2, 3, 4, 5, 6, 7], 5)).toEqual([[1, 2, 3, 4, 5], [6, 7]]);
  });
});

describe('examples/import-csv.ts against a running service', () => {
  let service: TestService;
  let folder: string;

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl());
    folder = mkdtempSync(join(tmpdir(), 'numberhost-examples-'));
  });

  afterAll(async () => {
    await service?.close();
  });

  function writeCsv(name: string, text: string): string {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  }

  function runImport(args: string[]): Promise<ChildResult> {
    const env = {
      ...process.env,
      NUMBERHOST_URL: service.baseUrl,
      SINCH_PROJECT_ID: service.projectId,
      SINCH_KEY_ID: service.keyId,
      SINCH_KEY_SECRET: service.keySecret,
      SERVICE_PLAN_ID: '',
      CAMPAIGN_ID: '',
    };
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'examples/import-csv.ts', '--poll-interval-ms', '100', '--timeout-seconds', '40', ...args],
        { cwd: REPOSITORY_ROOT, env, timeout: CHILD_TIMEOUT_MS },
        (error, stdout, stderr) => {
          let exitCode = 0;
          if (error !== null) {
            // A child killed by the timeout has no numeric code.
            exitCode = typeof error.code === 'number' ? error.code : -1;
          }
          resolve({ exitCode, stdout, stderr });
        },
      );
    });
  }

  async function countHostingOrders(): Promise<number> {
    const response = await service.api('/hostingOrders?states=HOSTING_ORDER_STATE_UNSPECIFIED&type=HOSTING_ORDER_TYPE_UNSPECIFIED&servicePlanId=&campaignId=');
    expect(response.status).toBe(200);
    return ((await response.json()) as { totalSize: number }).totalSize;
  }

  it('imports every number and exits 0', async () => {
    const numbers = ['+12025550120', '+12065550121', '+12125550122', '+13035550123', '+13125550124', '+14155550125', '+15125550126'];
    const csv = writeCsv('valid.csv', `phoneNumber\n${numbers.join('\n')}\n`);
    const ordersBefore = await countHostingOrders();

    const result = await runImport(['--service-plan', 'plan-csv', '--campaign', 'CCSV001', csv]);

    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(EXIT_ALL_IMPORTED);
    expect(result.stdout).toContain('Imported 7 of 7 numbers');
    expect(await countHostingOrders()).toBe(ordersBefore + 2);
    for (const phoneNumber of numbers) {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
      expect(response.status, phoneNumber).toBe(200);
      const body = (await response.json()) as { smsProvisioning: { state: string }; campaignProvisioning: { state: string; serviceId: string } };
      expect(body.smsProvisioning.state, phoneNumber).toBe('DONE');
      expect(body.campaignProvisioning.state, phoneNumber).toBe('DONE');
      expect(body.campaignProvisioning.serviceId, phoneNumber).toBe('CCSV001');
    }
  });

  it('exits 2 on an invalid line and creates nothing', async () => {
    const csv = writeCsv('invalid.csv', '+12025550130\n+12025550131\n(202) 555-0132\n+12025550133\n');
    const ordersBefore = await countHostingOrders();

    const result = await runImport(['--service-plan', 'plan-csv', csv]);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.stderr).toContain(`${csv}:3:`);
    expect(result.stderr).toContain('Did you mean +12025550132?');
    expect(result.stderr).toContain('nothing was sent');
    expect(await countHostingOrders()).toBe(ordersBefore);
    for (const phoneNumber of ['+12025550130', '+12025550131', '+12025550133']) {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
      expect(response.status, phoneNumber).toBe(404);
    }
  });

  it('exits 1 when a number fails', async () => {
    const csv = writeCsv('magic.csv', '+13035550140\n+13035550184\n');

    const result = await runImport(['--service-plan', 'plan-csv', csv]);

    expect(result.exitCode).toBe(EXIT_SOME_FAILED);
    expect(result.stdout).toContain('+13035550184  failed: SMS platform PROVISIONING_FAILED');
    expect(result.stdout).toContain('Imported 1 of 2 numbers');
  });

  it('exits 2 without a service plan', async () => {
    const csv = writeCsv('no-plan.csv', '+13035550150\n');

    const result = await runImport([csv]);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.stderr).toContain('--service-plan');
  });
});
