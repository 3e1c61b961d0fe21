/**
 * The one lookup of "which active job holds this unique key", shared by jobInsertMany
 * (deduplication) and jobRetry (which must not make two active jobs share a key). Active
 * means `pending` or `running` (the states core/states.ts does not mark terminal), exactly
 * the predicate of the partial unique index `jobs_unique_active`, which serves the lookup
 * and backs the rule up.
 */
import type { SqliteConnection } from '../connection.js';

const ACTIVE_WITH_KEY = `
  SELECT id FROM jobs
  WHERE unique_key = ? AND state IN ('pending', 'running')`;

/** The id of the active job holding `uniqueKey`, if any. Call inside the caller's transaction. */
export function activeJobWithKey(c: SqliteConnection, uniqueKey: string): number | undefined {
  const row = c.prepare(ACTIVE_WITH_KEY).get(uniqueKey) as { id: number } | undefined;
  return row?.id;
}
