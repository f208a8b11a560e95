import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../schema.js';

const INT8_OID = 20;
// Every bigint column contains epoch milliseconds, which fit a JavaScript number exactly.
pg.types.setTypeParser(INT8_OID, (value) => Number(value));

export function connectPostgres(connectionString: string, maxConnections = 10): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
