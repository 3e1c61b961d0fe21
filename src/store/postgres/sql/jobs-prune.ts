/**
 * jobPrune on PostgreSQL: retention, as one statement. Deletes finished jobs (succeeded,
 * failed, cancelled) that finished before the cut-off, fire-ledger rows fired before it
 * except each schedule's latest fire, and audit entries written before it, at most `limit`
 * of each per call. Pending and running
 * jobs are never touched (core/states.ts: only finished jobs move to `deleted` by jobPrune);
 * a finished job being retried at the same moment is skipped (its row is locked) or
 * re-checked after the retry commits, and then no longer matches. A job of a workflow run
 * goes only with its run (a retry of the run needs it): runs that ended before the cut-off,
 * none of whose jobs still runs, go with their steps (ON DELETE CASCADE) and their jobs
 * (counted in `jobs`), and their checkpoints. Emitted events that expired are deleted too
 * (`events`). Same module as the SQLite engine's.
 */
import type { PgContext } from '../context.js';

// Walks `jobs_finished` (migration 4): rows with a finish time, by finish time; the few in
// the range that wait for a retry (pending, running) are skipped by the state test.
// Exported for the plan tests.
export const pruneSql = (s: string): string => `
  WITH doomed_jobs AS (
    SELECT id FROM ${s}.jobs
    WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < now() - $1 * interval '1 millisecond'
      AND run_id IS NULL
    ORDER BY finished_at LIMIT $2
    FOR UPDATE SKIP LOCKED
  ),
  jobs_gone AS (
    -- A primary-key lookup whatever the estimates: the generic plan of this named statement
    -- guesses a third of the table is doomed and hash-joins it against a scan of every row.
    DELETE FROM ${s}.jobs j WHERE j.id = ANY (ARRAY(SELECT id FROM doomed_jobs)) RETURNING 1
  ),
  fires_gone AS (
    DELETE FROM ${s}.schedule_fires f
    WHERE (f.schedule_id, f.manual, f.fire_time) IN (
      SELECT o.schedule_id, o.manual, o.fire_time FROM ${s}.schedule_fires o
      WHERE o.fired_at < now() - $1 * interval '1 millisecond'
        AND o.fire_time < (SELECT max(g.fire_time) FROM ${s}.schedule_fires g WHERE g.schedule_id = o.schedule_id)
      ORDER BY o.fired_at LIMIT $2)
    RETURNING 1
  ),
  audit_gone AS (
    DELETE FROM ${s}.audit_log a WHERE a.id = ANY (ARRAY(
      SELECT o.id FROM ${s}.audit_log o WHERE o.at < now() - $1 * interval '1 millisecond' ORDER BY o.at LIMIT $2))
    RETURNING 1
  ),
  doomed_runs AS (
    -- Walks workflow_runs_finished; a running run has no finish time. Runs are locked before
    -- their jobs, as everywhere.
    SELECT o.id FROM ${s}.workflow_runs o
    WHERE o.finished_at < now() - $1 * interval '1 millisecond' AND o.state <> 'running'
      AND NOT EXISTS (SELECT 1 FROM ${s}.jobs rj WHERE rj.run_id = o.id AND rj.state = 'running')
    ORDER BY o.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED
  ),
  run_jobs_gone AS (
    DELETE FROM ${s}.jobs j WHERE j.run_id = ANY (ARRAY(SELECT id FROM doomed_runs)) RETURNING 1
  ),
  runs_gone AS (
    -- Their checkpoints go with them (ON DELETE CASCADE).
    DELETE FROM ${s}.workflow_runs r WHERE r.id = ANY (ARRAY(SELECT id FROM doomed_runs)) RETURNING 1
  ),
  events_gone AS (
    -- Expired events, whatever the retention age: nothing reads them any more.
    DELETE FROM ${s}.workflow_events e WHERE e.key = ANY (ARRAY(
      SELECT o.key FROM ${s}.workflow_events o WHERE o.expires_at <= now() ORDER BY o.expires_at LIMIT $2))
    RETURNING 1
  )
  SELECT ((SELECT count(*) FROM jobs_gone) + (SELECT count(*) FROM run_jobs_gone))::integer AS jobs, (SELECT count(*) FROM fires_gone)::integer AS fires,
         (SELECT count(*) FROM audit_gone)::integer AS audit, (SELECT count(*) FROM runs_gone)::integer AS runs,
         (SELECT count(*) FROM events_gone)::integer AS events`;

type Pruned = { jobs: number; fires: number; audit: number; runs: number; events: number };

export async function pruneJobs(ctx: PgContext, olderThanMs: number, limit: number): Promise<Pruned> {
  const [row] = await ctx.db.rows<Pruned>({ name: 'ordo_job_prune', text: pruneSql(ctx.s), values: [olderThanMs, limit] });
  return { jobs: row?.jobs ?? 0, fires: row?.fires ?? 0, audit: row?.audit ?? 0, runs: row?.runs ?? 0, events: row?.events ?? 0 };
}
