/**
 * The jobs of a workflow run belong to the run, and go with it: deleting one would leave a
 * running run's step waiting forever, or a retried run's step with no job to run again, and
 * retrying one alone would run a step the run has already decided about, releasing nothing
 * after it. Deletes that sweep (a queue's clean, bulk delete) and bulk retry leave them out
 * with the condition below; jobDelete and jobRetry refuse them, naming the run to act on
 * instead; retention removes them with their run (jobs-prune.ts).
 */
import { ConflictError } from '../../../core/errors.js';

/** A condition on a `jobs` row: a job of its own, not a step's job of a run. */
export const NOT_OF_A_RUN = `run_id IS NULL`;

/** Throws a ConflictError for a job of a run: it is retried with its run and removed with it. */
export function assertNotAStep(job: { id: number; run_id: number | null; step: string | null }, action: 'deleted' | 'retried'): void {
  if (job.run_id === null) return;
  const instead = action === 'retried' ? 'retry the run instead' : 'its jobs are removed with the run (retention)';
  throw new ConflictError(`job ${job.id} is step ${job.step ?? '?'} of workflow run ${job.run_id} and cannot be ${action} alone; ${instead}`, {
    details: { id: String(job.id), runId: String(job.run_id), step: job.step },
  });
}
