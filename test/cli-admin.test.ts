import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService } from './helpers/service.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
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

describe('numberhost projects and keys commands', () => {
  const databaseUrl = newSqliteUrl();
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(databaseUrl);
  });

  afterAll(async () => {
    await service.close();
  });

  it('creates a project and a working key', async () => {
    const env = { DATABASE_URL: databaseUrl, NUMBERHOST_ADMIN_TOKEN: service.adminToken };
    const project = await runCli(['projects', 'create', '--name', 'CLI project', '--json'], env);
    expect(project.stderr).toBe('');
    expect(project.exitCode).toBe(0);
    const { projectId } = JSON.parse(project.stdout) as { projectId: string };

    const key = await runCli(['keys', 'create', '--project', projectId], env);
    expect(key.exitCode).toBe(0);
    const lines = Object.fromEntries(key.stdout.trim().split('\n').map((line) => line.split('=', 2) as [string, string]));
    expect(lines.SINCH_PROJECT_ID).toBe(projectId);

    const basic = Buffer.from(`${lines.SINCH_KEY_ID}:${lines.SINCH_KEY_SECRET}`).toString('base64');
    const response = await fetch(`${service.baseUrl}/v1/projects/${projectId}/importedNumbers`, { headers: { authorization: `Basic ${basic}` } });
    expect(response.status).toBe(200);
  });

  it('rejects a key for an unknown project', async () => {
    const result = await runCli(['keys', 'create', '--project', 'no-such-project'], { DATABASE_URL: databaseUrl, NUMBERHOST_ADMIN_TOKEN: service.adminToken });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no-such-project');
  });

  it('reports a bad setting with exit code 2', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'mysql://nope' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL');
  });
});
