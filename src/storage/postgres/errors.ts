const UNIQUE_VIOLATION_SQLSTATE = '23505';

/** True for PostgreSQL's unique_violation, which primary keys raise too. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION_SQLSTATE;
}
