import type { Kysely } from 'kysely';
import type { DialectOperations } from './dialect.js';
import type { Database } from './schema.js';
import { claimJobs as claimSqliteJobs } from './sqlite/claim-jobs.js';
import { connectSqlite } from './sqlite/connect.js';
import { lockCallbackEvent as lockSqliteCallbackEvent, lockHostingOrder as lockSqliteHostingOrder, lockProject as lockSqliteProject } from './sqlite/lock-row.js';
import { isUniqueViolation as isSqliteUniqueViolation } from './sqlite/errors.js';
import { claimJobs as claimPostgresJobs } from './postgres/claim-jobs.js';
import { connectPostgres } from './postgres/connect.js';
import { lockCallbackEvent as lockPostgresCallbackEvent, lockHostingOrder as lockPostgresHostingOrder, lockProject as lockPostgresProject } from './postgres/lock-row.js';
import { isUniqueViolation as isPostgresUniqueViolation } from './postgres/errors.js';
import { migrateToLatest } from './migrations.js';

export interface Storage {
  db: Kysely<Database>;
  dialect: DialectOperations;
  close(): Promise<void>;
}

/** Opens the database named by `databaseUrl` (`sqlite:<path>` or `postgres://...`). */
export function openStorage(databaseUrl: string): Storage {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = connectSqlite(databaseUrl.slice('sqlite:'.length));
    return {
      db,
      dialect: {
        name: 'sqlite',
        claimJobs: claimSqliteJobs,
        lockHostingOrder: lockSqliteHostingOrder,
        lockProject: lockSqliteProject,
        lockCallbackEvent: lockSqliteCallbackEvent,
        isUniqueViolation: isSqliteUniqueViolation,
      },
      close: () => db.destroy(),
    };
  }
  const db = connectPostgres(databaseUrl);
  return {
    db,
    dialect: {
      name: 'postgres',
      claimJobs: claimPostgresJobs,
      lockHostingOrder: lockPostgresHostingOrder,
      lockProject: lockPostgresProject,
      lockCallbackEvent: lockPostgresCallbackEvent,
      isUniqueViolation: isPostgresUniqueViolation,
    },
    close: () => db.destroy(),
  };
}

export async function openMigratedStorage(databaseUrl: string): Promise<Storage> {
  const storage = openStorage(databaseUrl);
  await migrateToLatest(storage.db);
  return storage;
}
