/**
 * The one lookup of "which active jobs hold these unique keys", shared by jobInsertMany
 * (the ids of the jobs a batch collided with) and jobRetry (which must not make two active
 * jobs share a key). Active means `pending` or `running` (the states core/states.ts does not
 * mark terminal), exactly the predicate of the partial unique index `jobs_unique_active`,
 * which serves the lookup and backs the rule up. With `uniqueForMs`, enqueue also takes a job
 * with the key created within that window, whatever its state (`recentJobsWithKeys`).
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

// Per (key, window): the active job with the key first, else the newest created within the
// window, whatever its state. Served by `jobs_unique_key` (migration 3).
const recentWithKeysSql = (s: string): string => `
  SELECT w.key AS unique_key, r.id
  FROM unnest($1::text[], $2::double precision[]) AS w(key, window_ms)
  CROSS JOIN LATERAL (
    SELECT id FROM ${s}.jobs
    WHERE unique_key = w.key
      AND (state IN ('pending', 'running') OR created_at > statement_timestamp() - w.window_ms * interval '1 millisecond')
    ORDER BY state IN ('pending', 'running') DESC, id DESC
    LIMIT 1
  ) AS r`;

/**
 * For jobs with a unique key and a `uniqueForMs` window: the job each must return instead
 * of being inserted (the active one, else one created within its window), by key. Call
 * after the keys' advisory locks are held, so a concurrent enqueue of the key has committed.
 */
export async function recentJobsWithKeys(
  ctx: PgContext,
  client: Queryable,
  windows: readonly { key: string; windowMs: number }[],
): Promise<Map<string, string>> {
  if (windows.length === 0) return new Map();
  const { rows } = await client.query(recentWithKeysSql(ctx.s), [windows.map((w) => w.key), windows.map((w) => w.windowMs)]);
  return new Map((rows as { id: unknown; unique_key: string }[]).map((row) => [row.unique_key, String(row.id)]));
}
