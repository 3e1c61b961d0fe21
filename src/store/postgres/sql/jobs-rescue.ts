/**
 * jobRescueExpired: gives running jobs whose lease expired (their worker died or stalled)
 * back to `pending`, recording the lost attempt as `worker_lost` with the database clock as
 * its finish time; fails them when their attempts are used up, and cancels them when their
 * cancellation was requested (a request is never lost with the worker). One statement: the
 * expired rows are picked with `FOR UPDATE SKIP LOCKED` (so rescuers in many processes split
 * the work instead of waiting on each other) and the UPDATE re-checks the fence
 * (attempt, state = 'running', lease still expired), so a job finished or heartbeated
 * meanwhile is left alone and each job is rescued once.
 *
 * Jobs of workflow runs: their runs must be locked before their rows (the lock order of
 * workflows-rows.ts), so the expired jobs' run ids are read first (one index read of the
 * running rows); when there are any, the runs are locked, the same statement rescues only
 * plain jobs and jobs of those runs, and the runs of the jobs it failed or cancelled advance
 * in the same transaction. A run's job that expires in between waits for the next sweep.
 */
import { DEFAULT_RESCUE_LIMIT } from '../../records.js';
import type { PgContext } from '../context.js';
import { isoSql as iso } from '../rows.js';
import { type EndedSqlRow, advanceRuns, endedJobsOf } from './workflows-advance.js';
import { DEADLOCK_SAFE, lockRuns } from './workflows-rows.js';

const expiredRunsSql = (s: string): string => `
  SELECT DISTINCT run_id FROM (
    SELECT run_id FROM ${s}.jobs
    WHERE state = 'running' AND locked_until < now() AND locked_by <> ALL ($2::text[])
    ORDER BY locked_until LIMIT $1
  ) AS expired
  WHERE run_id IS NOT NULL`;

// The state CASE below makes the moves out of `running` by jobRescueExpired in core/states.ts.
const rescueSql = (s: string): string => `
  WITH expired AS MATERIALIZED (
    SELECT id, attempt,
           jsonb_build_object('message', 'lease expired: worker ' || coalesce(locked_by, 'unknown')
                                         || ' stopped heartbeating') AS error
    FROM ${s}.jobs
    WHERE state = 'running' AND locked_until < now() AND locked_by <> ALL ($3::text[])
      AND (run_id IS NULL OR run_id = ANY ($4::bigint[]))
    ORDER BY locked_until
    LIMIT $1
    FOR UPDATE SKIP LOCKED
  ),
  done AS (
    UPDATE ${s}.jobs AS t
    SET state = CASE WHEN t.attempt >= t.max_attempts THEN 'failed'
                     WHEN t.cancel_requested THEN 'cancelled'
                     ELSE 'pending' END,
        run_at = CASE WHEN t.attempt < t.max_attempts AND NOT t.cancel_requested THEN now() ELSE t.run_at END,
        -- The lost attempt ended now, whatever comes next (jobChanges lists it as finished).
        finished_at = now(),
        locked_until = NULL,
        last_error = e.error,
        attempts = t.attempts || jsonb_build_array(jsonb_build_object(
          'attempt', t.attempt,
          'worker', t.locked_by,
          'startedAt', ${iso('t.started_at')},
          'finishedAt', ${iso('now()')},
          'outcome', 'worker_lost',
          'error', e.error))
    FROM expired AS e
    WHERE t.id = ANY (ARRAY(SELECT id FROM expired)) -- a primary-key lookup whatever the estimates
      AND t.id = e.id AND t.attempt = e.attempt AND t.state = 'running' AND t.locked_until < now()
    RETURNING t.id, t.queue, t.state, t.run_id, t.step, t.map_index, t.last_error
  ),
  notified AS (
    SELECT count(pg_notify($2, queue)) AS n
    FROM (SELECT DISTINCT queue FROM done WHERE state = 'pending') AS q
  )
  SELECT done.id, done.state, done.queue, done.run_id, done.step, done.map_index, done.last_error
  FROM done CROSS JOIN notified ORDER BY done.id`;

/** Rescues up to `limit` expired jobs, leaving those of `exceptWorkers` alone; `queues` lists those that got a pending job back. */
export async function rescueExpired(
  ctx: PgContext,
  limit = DEFAULT_RESCUE_LIMIT,
  exceptWorkers: readonly string[] = [],
): Promise<{ rescued: string[]; failed: string[]; cancelled: string[]; queues: string[] }> {
  const runIds = (await ctx.db.rows<{ run_id: string }>({ text: expiredRunsSql(ctx.s), values: [limit, exceptWorkers] })).map((row) => row.run_id);
  const { rows, queues } =
    runIds.length === 0
      ? { rows: await ctx.db.rows<RescuedRow>({ text: rescueSql(ctx.s), values: [limit, ctx.channel, exceptWorkers, []] }), queues: [] as string[] }
      : await ctx.db.transaction(async (client) => {
          const runs = await lockRuns(ctx, client, runIds);
          const rescued = (await client.query(rescueSql(ctx.s), [limit, ctx.channel, exceptWorkers, runIds])).rows as RescuedRow[];
          return { rows: rescued, queues: await advanceRuns(ctx, client, runs, endedJobsOf(rescued)) };
        }, DEADLOCK_SAFE);
  const idsIn = (state: string): string[] => rows.filter((row) => row.state === state).map((row) => row.id);
  return {
    rescued: idsIn('pending'),
    failed: idsIn('failed'),
    cancelled: idsIn('cancelled'),
    queues: [...new Set([...rows.filter((row) => row.state === 'pending').map((row) => row.queue), ...queues])],
  };
}

type RescuedRow = EndedSqlRow & { id: string; queue: string };
