/**
 * The dashboard's job operations on PostgreSQL: jobBulk (cancel, retry or delete every job a
 * filter matches) and jobDelete (one job). Each action is one statement, atomic on its own; a
 * dry run counts with the very conditions the action writes with, so its count is what the
 * action would change on the same data. Same structure as the SQLite engine's.
 *
 * Workers claim and finish while an action runs: a row a claim has locked is waited for, and
 * its new version re-checked against the conditions (a job claimed meanwhile is no longer
 * pending, so a cancel asks it to stop instead). Such waits are bounded by a lock timeout;
 * a timeout, a deadlock with a worker's batch, or a unique key taken meanwhile (a retry) fail
 * the whole action, changing nothing, as a retryable conflict.
 *
 * A bulk retry keeps enqueue's promise of one active job per unique key: a job whose key an
 * active job holds is left as it is, and of several matched jobs sharing a key only the
 * newest runs again.
 *
 * Jobs of workflow runs: a bulk cancel locks the runs of the jobs it matches first (the lock
 * order of workflows-rows.ts), cancels, and advances those runs in the same transaction; a
 * run's job that appears in between is left for the next call. A bulk
 * retry or delete leaves the jobs of running runs alone.
 *
 * Measured over 100,000 matching jobs (test/store.bulk-scale.test.ts, one call each): cancel
 * 2.0 s, retry 1.6–2.4 s, delete 0.1 s, each dry run 0.05–0.15 s.
 */
import { OrdoError } from '../../../core/errors.js';
import type { JobState } from '../../../core/types.js';
import type { BulkQuery } from '../../bulk.js';
import type { PgContext } from '../context.js';
import { isLockTimeout } from '../errors.js';
import type { Queryable } from '../pool.js';
import { isRowId } from '../rows.js';
import { where, whereClause } from './job-filter.js';
import { type EndedSqlRow, advanceRuns, endedJobsOf } from './workflows-advance.js';
import { DEADLOCK_SAFE, lockRuns, refuseStepJob } from './workflows-rows.js';

/** Longest wait for one row lock held by a worker's claim or finish (milliseconds each). */
const BULK_LOCK_TIMEOUT_MS = 5_000;
/** Longest time one action may take: 100,000 jobs take about 2 s (see above), and the store's usual statement timeout (15 s) would stop an action a few times larger. */
const BULK_QUERY_TIMEOUT_MS = 120_000;

/** Statement texts of one action over the matched jobs; `ch` is the NOTIFY channel's parameter. */
const actionSql = {
  cancel: (s: string, matched: string, runs: string) => ({
    count: `SELECT count(*)::integer AS n FROM ${s}.jobs ${matched} AND (state = 'pending' OR NOT cancel_requested)`,
    // A run's job is changed only under its run's lock (the runs listed in the last
    // parameter): a pending one ends and its run advances, a running one is flagged; so no
    // run's job is ever locked here before its run, and no cycle with an advance can form.
    write: `
      WITH changed AS (
        UPDATE ${s}.jobs SET
          finished_at = CASE WHEN state = 'pending' THEN now() ELSE finished_at END,
          cancel_requested = CASE WHEN state = 'running' THEN true ELSE cancel_requested END,
          state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END,
          -- Out of pending, a debounce key means nothing (see jobs-claim.ts); a running job has none.
          debounce_key = NULL
        ${matched} AND (state = 'pending' OR NOT cancel_requested)
          AND (run_id IS NULL OR run_id = ANY (${runs}::bigint[]))
        RETURNING id, state, run_id, step, map_index, last_error)
      SELECT (SELECT count(*) FROM changed)::integer AS n,
             coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id::text, 'state', c.state, 'run_id', c.run_id::text, 'step', c.step,
                                                   'map_index', c.map_index, 'last_error', c.last_error))
                       FROM changed c WHERE c.run_id IS NOT NULL AND c.state = 'cancelled'), '[]'::jsonb) AS ended`,
    runs: `SELECT DISTINCT run_id FROM ${s}.jobs ${matched} AND (state = 'pending' OR NOT cancel_requested) AND run_id IS NOT NULL`,
  }),
  retry: (s: string, matched: string, ch: string) => ({
    count: `${retriedSql(s, matched)} SELECT count(*)::integer AS n FROM retried`,
    write: `
      ${retriedSql(s, matched)},
      changed AS (
        UPDATE ${s}.jobs j
        SET state = 'pending', run_at = now(), locked_until = NULL,
            cancel_requested = false, max_attempts = greatest(j.max_attempts, j.attempt + 1)
        WHERE j.id IN (SELECT id FROM retried) AND j.state IN ('failed', 'cancelled')
        RETURNING j.queue),
      woken AS (SELECT DISTINCT queue FROM changed),
      notified AS (SELECT pg_notify(${ch}, queue) FROM woken)
      SELECT (SELECT count(*) FROM changed)::integer AS n, ARRAY(SELECT queue FROM woken) AS queues,
             (SELECT count(*) FROM notified) AS notified`,
  }),
  delete: (s: string, matched: string) => ({
    count: `SELECT count(*)::integer AS n FROM ${s}.jobs ${matched}`,
    write: `WITH gone AS (DELETE FROM ${s}.jobs ${matched} RETURNING 1) SELECT count(*)::integer AS n FROM gone`,
  }),
};

const retriedSql = (s: string, matched: string): string => `
  WITH candidates AS (SELECT id, unique_key FROM ${s}.jobs ${matched}),
  retried AS (
    SELECT id FROM candidates WHERE unique_key IS NULL
    UNION ALL
    SELECT max(c.id) FROM candidates c WHERE c.unique_key IS NOT NULL GROUP BY c.unique_key
    HAVING NOT EXISTS (SELECT 1 FROM ${s}.jobs a WHERE a.unique_key = c.unique_key AND a.state IN ('pending', 'running'))
  )`;

/** How many jobs the action changed (or, dry, would change), and the queues of retried jobs. */
export async function bulkJobs(ctx: PgContext, query: BulkQuery): Promise<{ count: number; queues: string[] }> {
  if (query.states.length === 0) return { count: 0, queues: [] };
  const { conditions, args } = whereClause(query.filter);
  args.push([...query.states]);
  // Cancel takes the jobs of runs (their runs advance); delete and retry leave them alone (a
  // step runs again with its run, and its job goes with it).
  const own = query.action === 'cancel' ? [] : ['run_id IS NULL'];
  const matched = where([...conditions, `state = ANY ($${args.length}::text[])`, ...own]);
  // A retry's statement notifies, on the channel after the filter's parameters; a cancel's
  // takes the locked runs there.
  const after = `$${args.length + 1}`;
  if (query.dryRun) {
    const text = query.action === 'cancel' ? actionSql.cancel(ctx.s, matched, after).count : actionSql[query.action](ctx.s, matched, after).count;
    const [row] = await ctx.db.rows<{ n: number }>({ text, values: args });
    return { count: row?.n ?? 0, queues: [] };
  }
  try {
    return await ctx.db.transaction(
      async (client) => {
        if (query.action === 'cancel') return cancelMatched(ctx, client, actionSql.cancel(ctx.s, matched, after), args);
        const values = query.action === 'retry' ? [...args, ctx.channel] : args;
        const [row] = (await client.query(actionSql[query.action](ctx.s, matched, after).write, values)).rows as { n: number; queues?: string[] }[];
        return { count: row?.n ?? 0, queues: row?.queues ?? [] };
      },
      { lockTimeoutMs: BULK_LOCK_TIMEOUT_MS, queryTimeoutMs: BULK_QUERY_TIMEOUT_MS, ...DEADLOCK_SAFE },
    );
  } catch (err) {
    throw conflictOf(err, query.action) ?? err;
  }
}

/** The bulk cancel: lock the runs of the matched jobs, cancel, advance those runs. */
async function cancelMatched(
  ctx: PgContext,
  client: Queryable,
  sql: ReturnType<typeof actionSql.cancel>,
  args: unknown[],
): Promise<{ count: number; queues: string[] }> {
  const runIds = ((await client.query(sql.runs, args)).rows as { run_id: unknown }[]).map((row) => String(row.run_id));
  const runs = await lockRuns(ctx, client, runIds);
  const [row] = (await client.query(sql.write, [...args, runIds])).rows as { n: number; ended: EndedSqlRow[] }[];
  const queues = runs.size === 0 ? [] : await advanceRuns(ctx, client, runs, endedJobsOf(row?.ended ?? []));
  return { count: row?.n ?? 0, queues };
}

/** The retryable conflict a bulk action that changed nothing reports, or null for other errors. */
function conflictOf(err: unknown, action: string): OrdoError | null {
  const code = (err as { code?: unknown } | null)?.code;
  const why =
    code === '23505'
      ? 'a job with the unique key of a job it retries was enqueued meanwhile'
      : code === '40P01'
        ? 'it deadlocked with a worker changing the same jobs'
        : isLockTimeout(err)
          ? `a job it changes stayed locked by another transaction for ${BULK_LOCK_TIMEOUT_MS} ms`
          : null;
  if (why === null) return null;
  return new OrdoError('conflict', `the bulk ${action} changed nothing: ${why}; retry it`, { retryable: true, details: { action }, cause: err });
}

const lockStateSql = (s: string): string => `SELECT state, run_id, step FROM ${s}.jobs WHERE id = $1 FOR UPDATE`;
const deleteSql = (s: string): string => `DELETE FROM ${s}.jobs WHERE id = $1`;

/** Deletes a job that is not running; `running` when it is (nothing changed), null when there is none. */
export async function deleteJob(ctx: PgContext, id: string): Promise<'deleted' | 'running' | null> {
  if (!isRowId(id)) return null;
  // The row lock keeps a claim from taking the job between the check and the delete.
  return ctx.db.transaction(async (client) => {
    const [row] = (await client.query(lockStateSql(ctx.s), [id])).rows as { state: JobState; run_id: string | null; step: string | null }[];
    if (!row) return null;
    if (row.state === 'running') return 'running';
    refuseStepJob({ id, runId: row.run_id, step: row.step }, 'deleted');
    await client.query(deleteSql(ctx.s), [id]);
    return 'deleted';
  });
}
