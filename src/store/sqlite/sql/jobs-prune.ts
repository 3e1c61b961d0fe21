/**
 * jobPrune on SQLite: retention. Deletes finished jobs (succeeded, failed, cancelled) that
 * finished before the cut-off, fire-ledger rows fired before it except each schedule's
 * latest fire, audit entries written before it (audit.ts), workflow runs that ended
 * before it with their steps, checkpoints and jobs (a run's jobs go only with their run: its
 * retry needs them), and emitted events that expired (whatever the cut-off), at most `limit` of each per call (`jobs` counts both kinds), in one IMMEDIATE
 * transaction. Pending and running jobs are never touched, however old (core/states.ts: only
 * finished jobs move to `deleted` by jobPrune), nor a run with a job still running.
 * Bounded, so the write lock is held briefly; the pruner calls again.
 */
import { DEFAULT_PRUNE_LIMIT } from '../../schedule-records.js';
import type { SqliteConnection } from '../connection.js';
import { pruneAudit } from './audit.js';
import { pruneEvents } from './events.js';
import { NOT_OF_A_RUN } from './workflows-guard.js';

// Walks `jobs_finished` (migration 5): rows with a finish time, by finish time; the few in
// the range that wait for a retry (pending, running) are skipped by the state test.
// Exported for the plan tests.
export const PRUNE_JOBS = `
  DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs
    WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < @cutoff AND ${NOT_OF_A_RUN}
    ORDER BY finished_at LIMIT @limit)`;

// Ended runs by end time (workflow_runs_finished, migration 7), none of whose jobs still runs
// (a cancellation its worker has not noticed yet); steps go by ON DELETE CASCADE.
export const PRUNED_RUNS = `
  SELECT id FROM workflow_runs r
  WHERE finished_at < @cutoff AND state <> 'running'
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = r.id AND j.state = 'running')
  ORDER BY finished_at LIMIT @limit`;
const PRUNE_RUN_JOBS = `DELETE FROM jobs WHERE run_id IN (SELECT value FROM json_each(?))`;
const PRUNE_RUN = `DELETE FROM workflow_runs WHERE id IN (SELECT value FROM json_each(?))`;

// A schedule's newest fire stays, so its history and last fire time never go blank.
const PRUNE_FIRES = `
  DELETE FROM schedule_fires WHERE rowid IN (
    SELECT f.rowid FROM schedule_fires f
    WHERE f.fired_at < @cutoff
      AND f.fire_time < (SELECT MAX(g.fire_time) FROM schedule_fires g WHERE g.schedule_id = f.schedule_id)
    ORDER BY f.fired_at LIMIT @limit)`;

export function pruneJobs(
  c: SqliteConnection,
  now: number,
  olderThanMs: number,
  limit = DEFAULT_PRUNE_LIMIT,
): { jobs: number; fires: number; audit: number; runs: number; events: number } {
  const params = { cutoff: now - olderThanMs, limit };
  return c.write(() => {
    const runs = JSON.stringify((c.prepare(PRUNED_RUNS).all(params) as { id: number }[]).map((row) => row.id));
    const runJobs = c.prepare(PRUNE_RUN_JOBS).run(runs).changes;
    return {
      jobs: c.prepare(PRUNE_JOBS).run(params).changes + runJobs,
      fires: c.prepare(PRUNE_FIRES).run(params).changes,
      audit: pruneAudit(c, params.cutoff, limit),
      runs: c.prepare(PRUNE_RUN).run(runs).changes,
      events: pruneEvents(c, now, limit),
    };
  });
}
