/**
 * An operator's actions on a run, on SQLite: workflowRunCancel and workflowRunRetry. Each
 * reads the run and its steps and writes the plan of `planCancel` / `planRetry` in one
 * IMMEDIATE transaction, the same write lock every finish of the run's jobs takes, so a
 * cancellation and a step's end never interleave.
 */
import { ConflictError } from '../../../core/errors.js';
import { planCancel, planRetry, planRun } from '../../../core/workflow-plan.js';
import type { RunState } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';
import { toRowId } from '../rows.js';
import { mapSucceeded } from './workflows-advance.js';
import { applyPlan } from './workflows-apply.js';
import { loadRun, loadSteps } from './workflows-rows.js';

const COMPLETE_MAPS = `SELECT step FROM workflow_steps WHERE run_id = ? AND state = 'active' AND map_total IS NOT NULL AND map_done = map_total`;

const RUNNING_JOBS = `SELECT id, step FROM jobs WHERE run_id = ? AND state = 'running' LIMIT 1`;

// A durable function's replay runs its failed steps again, and what it did after the first
// of them (a function that caught a failure took a branch the retry may not take again);
// what succeeded before stays done.
const DROP_FAILED_CHECKPOINTS = `
  DELETE FROM run_checkpoints WHERE run_id = @runId
    AND seq >= (SELECT MIN(seq) FROM run_checkpoints WHERE run_id = @runId AND state = 'failed')`;

/** Cancels a running run; returns its state after the call, null without such a run. */
export function cancelRun(c: SqliteConnection, now: number, runId: string): { state: RunState; queues: string[] } | null {
  const id = toRowId(runId);
  if (id === null) return null;
  return c.write(() => {
    const run = loadRun(c, id);
    if (!run) return null;
    if (run.state !== 'running') return { state: run.state, queues: [] };
    const plan = planCancel({ steps: loadSteps(c, id) });
    const queues = applyPlan(c, now, run, plan);
    return { state: plan.run?.state ?? run.state, queues: [...queues] };
  });
}

/** Runs a failed or cancelled run again; `retried: false` for a running or succeeded one. */
export function retryRun(c: SqliteConnection, now: number, runId: string): { retried: boolean; state: RunState; queues: string[] } | null {
  const id = toRowId(runId);
  if (id === null) return null;
  return c.write(() => {
    const run = loadRun(c, id);
    if (!run) return null;
    if (run.state === 'running' || run.state === 'succeeded') return { retried: false, state: run.state, queues: [] };
    const running = c.prepare(RUNNING_JOBS).get(id) as { id: number; step: string } | undefined;
    if (running) {
      throw new ConflictError(
        `workflow run ${id} cannot be retried yet: job ${running.id} of its step ${running.step} is still running (its cancellation not yet noticed); try again once it has stopped`,
        { retryable: true, details: { runId: String(id), jobId: String(running.id), step: running.step } },
      );
    }
    if (run.definition.kind === 'function') c.prepare(DROP_FAILED_CHECKPOINTS).run({ runId: id });
    const plan = planRetry({ definition: run.definition, input: run.input, steps: loadSteps(c, id) });
    const queues = applyPlan(c, now, run, plan);
    // A map step cancelled while its last elements ran, which then all succeeded, is back
    // `active` with nothing left to run: it ends now, as the last element's finish would.
    const complete = c.prepare(COMPLETE_MAPS).all(id) as { step: string }[];
    if (complete.length > 0) {
      const ends = complete.map(({ step }) => mapSucceeded(c, id, step));
      const next = planRun({ definition: run.definition, input: run.input, runState: 'running', steps: loadSteps(c, id), ends });
      for (const queue of applyPlan(c, now, run, next)) queues.add(queue);
    }
    return { retried: true, state: loadRun(c, id)?.state ?? 'running', queues: [...queues] };
  });
}
