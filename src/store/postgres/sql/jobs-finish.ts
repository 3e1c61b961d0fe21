/**
 * jobFinishMany: ends a whole batch of running attempts in ONE named statement. The batch
 * travels as parallel arrays (`unnest($ids::bigint[], $attempts::integer[], …)`), each row
 * fenced by (id, attempt, locked_by, state = 'running'), and the attempt record is appended
 * with `attempts || jsonb_build_array(record)` inside that same UPDATE, so a first-try
 * success costs exactly one write after its claim. `pg_notify` for queues that got a pending
 * job back (retries, releases) rides along in the same statement.
 *
 * A release (graceful shutdown, a worker without the task) gives the attempt back and
 * records nothing: `attempt - 1`, due at now + its delay, `locked_by` back to the worker of
 * the last recorded attempt — as in SQLite. A retry or release of a job whose cancellation
 * was requested ends it `cancelled` instead of `pending`; the flag is read from the row the
 * UPDATE locks, so a concurrent `jobCancel` is either seen here or waits for our commit.
 * A finish whose fence no longer matches changes nothing and is left out of `applied`.
 *
 * The attempt record's `finishedAt` is the database's `now()`, like `finished_at` and the
 * claim's `started_at`, so both times of one attempt come from one clock whatever the
 * worker's clock says. A retry delay that is not a finite number >= 0 counts as 0, and one
 * beyond 100 years is cut to that: out of range, it would fail the whole batch (22008) on
 * every try, and the batch's other results would never be recorded.
 */
import type { JobFinish } from '../../../core/types.js';
import { errorInfo, retryDelay } from '../../records.js';
import type { PgContext } from '../context.js';
import { attemptJson, isRowId, isoSql, jsonParam } from '../rows.js';


const finishSql = (s: string): string => `
  WITH done AS (
    UPDATE ${s}.jobs AS t
    SET state = CASE WHEN f.state = 'pending' AND t.cancel_requested THEN 'cancelled' ELSE f.state END,
        attempt = CASE WHEN f.released THEN t.attempt - 1 ELSE t.attempt END,
        run_at = CASE WHEN f.state = 'pending' AND NOT t.cancel_requested
                      THEN now() + f.delay_ms * interval '1 millisecond'
                      ELSE t.run_at END,
        finished_at = CASE WHEN f.state = 'pending' AND t.cancel_requested THEN now()
                           WHEN f.released THEN t.finished_at
                           WHEN f.state = 'pending' THEN NULL ELSE now() END,
        locked_by = CASE WHEN f.released THEN t.attempts -> -1 ->> 'worker' ELSE t.locked_by END,
        locked_until = NULL,
        started_at = CASE WHEN f.released THEN NULL ELSE t.started_at END,
        progress = CASE WHEN f.released THEN NULL ELSE t.progress END,
        result = CASE WHEN f.released THEN t.result ELSE f.result END,
        last_error = CASE WHEN f.released THEN t.last_error ELSE f.last_error END,
        attempts = CASE WHEN f.released THEN t.attempts
                        ELSE t.attempts || jsonb_build_array(f.record || jsonb_build_object('finishedAt', ${isoSql('now()')})) END
    FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::boolean[],
                $6::double precision[], $7::jsonb[], $8::jsonb[], $9::jsonb[])
         AS f(id, attempt, worker_id, state, released, delay_ms, result, last_error, record)
    -- id = ANY($1) is redundant with the join; it makes the plan a primary-key lookup of the
    -- batch instead of a walk over every running row.
    WHERE t.id = ANY ($1::bigint[])
      AND t.id = f.id AND t.attempt = f.attempt AND t.locked_by = f.worker_id AND t.state = 'running'
    RETURNING t.id, t.queue, t.state
  ),
  notified AS (
    SELECT count(pg_notify($10, queue)) AS n
    FROM (SELECT DISTINCT queue FROM done WHERE state = 'pending') AS q
  )
  SELECT done.id, done.queue, done.state FROM done CROSS JOIN notified`;

/** Applies `finishes`; returns the applied ids (in input order) and the queues that got a pending job back. */
export async function finishJobs(ctx: PgContext, finishes: readonly JobFinish[]): Promise<{ applied: string[]; queues: string[] }> {
  const batch = finishes.filter((item) => isRowId(item.id));
  if (batch.length === 0) return { applied: [], queues: [] };
  const rows = await ctx.db.rows<{ id: string; queue: string; state: string }>({
    name: 'ordo_job_finish',
    text: finishSql(ctx.s),
    values: [...finishColumns(batch), ctx.channel],
  });
  const applied = new Set(rows.map((row) => row.id));
  return {
    applied: [...new Set(batch.map((item) => item.id))].filter((id) => applied.has(id)),
    queues: [...new Set(rows.filter((row) => row.state === 'pending').map((row) => row.queue))],
  };
}

function finishColumns(batch: readonly JobFinish[]): unknown[][] {
  const released = batch.map((item) => item.outcome === 'released');
  return [
    batch.map((item) => item.id),
    batch.map((item) => item.attempt),
    batch.map((item) => item.workerId),
    batch.map((item, i) => (released[i] ? 'pending' : item.state)),
    released,
    batch.map((item) => retryDelay(item.retryDelayMs)),
    batch.map((item) => jsonParam(item.result)),
    batch.map((item) => (item.error === undefined ? null : jsonParam(errorInfo(item.error)))),
    batch.map((item) => (item.outcome === 'released' ? null : attemptJson({ ...item, outcome: item.outcome }))),
  ];
}
