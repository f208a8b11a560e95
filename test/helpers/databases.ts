import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export type DialectName = 'sqlite' | 'postgres';
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

/** Returns the URL of a fresh SQLite file in its own temporary folder. */
export function newSqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'numberhost-sqlite-')), 'test.db')}`;
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates an empty PostgreSQL database for one test file and returns its URL. */
export async function newPostgresUrl(): Promise<string> {
  const serverUrl = inject('postgresServerUrl');
  const name = `${inject('databasePrefix')}${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return databaseUrl(serverUrl, name);
}

export async function newDatabaseUrl(dialect: DialectName): Promise<string> {
  return dialect === 'sqlite' ? newSqliteUrl() : newPostgresUrl();
}
