import type { Kysely, Transaction } from 'kysely';
import type { Database, JobRow } from './schema.js';

export interface ClaimJobsRequest {
  workerId: string;
  limit: number;
  /** Jobs with `run_at_ms` at or before this time (service clock) are due. */
  dueBeforeMs: number;
  /** Current wall-clock time, to tell expired leases. */
  wallNowMs: number;
  leaseUntilMs: number;
  /** Restricts the claim to some job types, or to all but some; undefined claims any type. */
  typeFilter?: JobTypeFilter;
}

export interface JobTypeFilter {
  kind: 'only' | 'except';
  types: string[];
}

/** The operations whose SQL differs between SQLite and PostgreSQL. */
export interface DialectOperations {
  name: 'sqlite' | 'postgres';
  claimJobs(db: Kysely<Database>, request: ClaimJobsRequest): Promise<JobRow[]>;
  lockHostingOrder(trx: Transaction<Database>, hostingOrderId: string): Promise<void>;
  /** Takes the project's row lock until the transaction ends, for checks of a per-project count before an insert. */
  lockProject(trx: Transaction<Database>, projectId: string): Promise<void>;
  lockCallbackEvent(trx: Transaction<Database>, eventId: string): Promise<void>;
  isUniqueViolation(error: unknown): boolean;
}
