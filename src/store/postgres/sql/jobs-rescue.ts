/**
 * jobRescueExpired: gives running jobs whose lease expired (their worker died or stalled)
 * back to `pending`, recording the lost attempt as `worker_lost` with the database clock as
 * its finish time; fails them when their attempts are used up, and cancels them when their
 * cancellation was requested (a request is never lost with the worker). One statement: the
 * expired rows are picked with `FOR UPDATE SKIP LOCKED` (so rescuers in many processes split
 * the work instead of waiting on each other) and the UPDATE re-checks the fence
 * (attempt, state = 'running', lease still expired), so a job finished or heartbeated
 * meanwhile is left alone and each job is rescued once.
 */
import { DEFAULT_RESCUE_LIMIT } from '../../records.js';
import type { PgContext } from '../context.js';
import { isoSql as iso } from '../rows.js';

// The state CASE below makes the moves out of `running` by jobRescueExpired in core/states.ts.
const rescueSql = (s: string): string => `
  WITH expired AS MATERIALIZED (
    SELECT id, attempt,
           jsonb_build_object('message', 'lease expired: worker ' || coalesce(locked_by, 'unknown')
                                         || ' stopped heartbeating') AS error
    FROM ${s}.jobs
    WHERE state = 'running' AND locked_until < now() AND locked_by <> ALL ($3::text[])
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
    RETURNING t.id, t.queue, t.state
  ),
  notified AS (
    SELECT count(pg_notify($2, queue)) AS n
    FROM (SELECT DISTINCT queue FROM done WHERE state = 'pending') AS q
  )
  SELECT done.id, done.state, done.queue FROM done CROSS JOIN notified ORDER BY done.id`;

/** Rescues up to `limit` expired jobs, leaving those of `exceptWorkers` alone; `queues` lists those that got a pending job back. */
export async function rescueExpired(
  ctx: PgContext,
  limit = DEFAULT_RESCUE_LIMIT,
  exceptWorkers: readonly string[] = [],
): Promise<{ rescued: string[]; failed: string[]; cancelled: string[]; queues: string[] }> {
  const rows = await ctx.db.rows<{ id: string; state: string; queue: string }>({ text: rescueSql(ctx.s), values: [limit, ctx.channel, exceptWorkers] });
  const idsIn = (state: string): string[] => rows.filter((row) => row.state === state).map((row) => row.id);
  return {
    rescued: idsIn('pending'),
    failed: idsIn('failed'),
    cancelled: idsIn('cancelled'),
    queues: [...new Set(rows.filter((row) => row.state === 'pending').map((row) => row.queue))],
  };
}
