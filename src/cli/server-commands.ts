import { loadConfig } from '../config/config.js';
import { startService } from '../service.js';
import { openStorage } from '../storage/storage.js';
import { migrateToLatest } from '../storage/migrations.js';

function printBanner(
  url: string,
  credentials: { projectId?: string | undefined; keyId?: string | undefined; keySecret?: string | undefined; adminToken?: string | undefined },
  mode: string,
  warnings: readonly string[],
): void {
  const lines = [
    '',
    `numberhost is running (${mode} mode)`,
    `  base URL     ${url}`,
    `  project id   ${credentials.projectId ?? '(none: create one with `numberhost projects create`)'}`,
    `  key id       ${credentials.keyId ?? '-'}`,
    `  key secret   ${credentials.keySecret ?? (credentials.keyId === undefined ? '-' : '(from SINCH_KEY_SECRET)')}`,
    `  admin token  ${credentials.adminToken ?? '(from NUMBERHOST_ADMIN_TOKEN)'}`,
    `  console      ${url}/console (log in with the admin token)`,
    ...warnings.map((warning) => `  warning: ${warning}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Starts HTTP and/or the worker and runs until SIGINT or SIGTERM. */
export async function runServe(overrides: Record<string, string>, role: 'serve' | 'worker'): Promise<void> {
  const config = loadConfig({ ...process.env, ...overrides });
  const service = await startService(config, {
    isServingHttp: role === 'serve',
    isRunningWorker: role === 'worker' || config.isWorkerEnabled,
  });
  if (service.url !== undefined) {
    const shownUrl = service.url.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
    printBanner(shownUrl, service.credentials, config.mode, config.warnings);
  }
  let isClosing = false;
  const shutdown = (signal: string) => {
    if (isClosing) {
      return;
    }
    isClosing = true;
    service.ctx.logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        service.ctx.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

export async function runMigrate(): Promise<void> {
  const config = loadConfig();
  const storage = openStorage(config.databaseUrl);
  try {
    const applied = await migrateToLatest(storage.db);
    process.stdout.write(applied.length === 0 ? 'Database is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
  } finally {
    await storage.close();
  }
}
