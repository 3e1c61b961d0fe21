/**
 * The one lookup of "which active jobs hold these unique keys", shared by jobInsertMany
 * (the ids of the jobs a batch collided with) and jobRetry (which must not make two active
 * jobs share a key). Active means `pending` or `running` (the states core/states.ts does not
 * mark terminal), exactly the predicate of the partial unique index `jobs_unique_active`,
 * which serves the lookup and backs the rule up.
 * Same module as the SQLite engine's.
 */
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';

/**
 * How long our own transactions (enqueue, retry) wait for another transaction's uncommitted
 * job with the same unique key before failing as a retryable conflict: the wait holds a
 * pooled connection, and an application's long transaction must not tie up the pool.
 */
export const UNIQUE_KEY_LOCK_TIMEOUT_MS = 3_000;

const activeWithKeysSql = (s: string): string => `
  SELECT id, unique_key FROM ${s}.jobs
  WHERE unique_key = ANY ($1::text[]) AND state IN ('pending', 'running')`;

/**
 * The id of the active job holding each of `uniqueKeys` that one holds, keyed by unique key.
 * Runs on `client`, so it sees the caller's transaction.
 */
export async function activeJobsWithKeys(ctx: PgContext, client: Queryable, uniqueKeys: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await client.query(activeWithKeysSql(ctx.s), [uniqueKeys]);
  // String(): the caller's client may parse bigint as a number or a BigInt.
  return new Map((rows as { id: unknown; unique_key: string }[]).map((row) => [row.unique_key, String(row.id)]));
}
