/**
 * The jobs of a workflow run belong to the run: deleting one of a running run would leave its
 * step waiting forever, and retrying one alone (whatever its run's state) would run a step
 * the run has already decided about, releasing nothing after it. Deletes that sweep (a
 * queue's clean, bulk delete, retention) leave a running run's jobs out with the condition
 * below, bulk retry leaves out every run's jobs; jobDelete and jobRetry refuse them, naming
 * the run to act on instead.
 */
import { ConflictError } from '../../../core/errors.js';
import type { SqliteConnection } from '../connection.js';

/**
 * A condition on an unaliased `jobs` row: not a job of a running run. Plain jobs stop at
 * `run_id IS NULL`; a job of a run costs one primary-key seek in `workflow_runs`.
 */
export const OUTSIDE_RUNNING_RUNS = `(run_id IS NULL OR NOT EXISTS (SELECT 1 FROM workflow_runs r WHERE r.id = jobs.run_id AND r.state = 'running'))`;

/** A condition on a `jobs` row: a job of its own, not a step of a run (what bulk retry takes). */
export const NOT_OF_A_RUN = `run_id IS NULL`;

const RUN_STATE = `SELECT state FROM workflow_runs WHERE id = ?`;

/** Throws a ConflictError when the job belongs to a running run. Inside the caller's transaction. */
export function assertNotInRunningRun(c: SqliteConnection, job: { id: number; run_id: number | null; step: string | null }, action: 'deleted' | 'retried'): void {
  if (job.run_id === null) return;
  const run = c.prepare(RUN_STATE).get(job.run_id) as { state: string } | undefined;
  if (run?.state !== 'running') return;
  throw new ConflictError(`job ${job.id} is step ${job.step ?? '?'} of workflow run ${job.run_id}, which is running, and cannot be ${action} alone; retry or cancel the run`, {
    details: { id: String(job.id), runId: String(job.run_id), step: job.step },
  });
}

/** Throws a ConflictError for a job of any run: a step runs again with its run (workflowRunRetry). */
export function assertNotAStep(job: { id: number; run_id: number | null; step: string | null }): void {
  if (job.run_id === null) return;
  throw new ConflictError(`job ${job.id} is step ${job.step ?? '?'} of workflow run ${job.run_id} and cannot be retried alone; retry the run instead`, {
    details: { id: String(job.id), runId: String(job.run_id), step: job.step },
  });
}
