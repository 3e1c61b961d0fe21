/**
 * The lookups of "which job holds this unique key". Active means `pending` or `running` (the
 * states core/states.ts does not mark terminal), exactly the predicate of the partial unique
 * index `jobs_unique_active`, which serves the lookup and backs the rule up: jobRetry must
 * not make two active jobs share a key. Enqueue (jobInsertMany) also honours `uniqueForMs`:
 * a job with the key created within that window counts too, whatever its state (served by
 * `jobs_unique_key`, migration 4).
 */
import type { JobInsert } from '../../../core/types.js';
import type { SqliteConnection } from '../connection.js';

const ACTIVE_WITH_KEY = `
  SELECT id FROM jobs
  WHERE unique_key = ? AND state IN ('pending', 'running')`;

// The active job first (there is at most one), else the newest created since @since.
const DUPLICATE_OF = `
  SELECT id FROM jobs
  WHERE unique_key = @key AND (state IN ('pending', 'running') OR created_at > @since)
  ORDER BY state IN ('pending', 'running') DESC, id DESC
  LIMIT 1`;

/** The id of the active job holding `uniqueKey`, if any. Call inside the caller's transaction. */
export function activeJobWithKey(c: SqliteConnection, uniqueKey: string): number | undefined {
  const row = c.prepare(ACTIVE_WITH_KEY).get(uniqueKey) as { id: number } | undefined;
  return row?.id;
}

/**
 * The job an enqueue of `job` (which has a unique key) must return instead of inserting: the
 * active one with its key, or one created within its `uniqueForMs`. Inside the caller's transaction.
 */
export function duplicateOf(c: SqliteConnection, now: number, job: JobInsert & { uniqueKey: string }): number | undefined {
  const windowMs = job.uniqueForMs ?? null;
  if (windowMs === null || !(windowMs > 0) || !Number.isFinite(windowMs)) return activeJobWithKey(c, job.uniqueKey);
  const row = c.prepare(DUPLICATE_OF).get({ key: job.uniqueKey, since: now - windowMs }) as { id: number } | undefined;
  return row?.id;
}
