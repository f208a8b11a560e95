import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import type { Database, JobRow } from '../schema.js';
import type { ClaimJobsRequest, JobTypeFilter } from '../dialect.js';

function typeCondition(filter: JobTypeFilter | undefined): RawBuilder<unknown> {
  if (filter === undefined || filter.types.length === 0) {
    return sql``;
  }
  const types = sql.join(filter.types);
  return filter.kind === 'only' ? sql`and type in (${types})` : sql`and type not in (${types})`;
}

/**
 * Claims due jobs in one statement. SQLite serialises writers, so no two claims can
 * take the same row; SQLite storage serves one instance only.
 */
export async function claimJobs(db: Kysely<Database>, request: ClaimJobsRequest): Promise<JobRow[]> {
  const result = await sql<JobRow>`
    update jobs
       set locked_by = ${request.workerId},
           locked_until_ms = ${request.leaseUntilMs},
           attempts = attempts + 1
     where id in (
       select id from jobs
        where run_at_ms <= ${request.dueBeforeMs}
          and (locked_until_ms is null or locked_until_ms < ${request.wallNowMs})
          ${typeCondition(request.typeFilter)}
        order by run_at_ms, id
        limit ${request.limit})
    returning *`.execute(db);
  return result.rows;
}
