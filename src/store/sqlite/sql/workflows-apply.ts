/**
 * Writes a RunPlan (core/workflow-plan.ts) inside the caller's IMMEDIATE transaction, in the
 * order both engines keep: step rows, new jobs, cancellations, retries, then the run itself.
 * The plan was decided from the rows read under the same write lock, so nothing here reads
 * again to decide; a map step's expansion is one prepared INSERT per element. A run that ends
 * and was spawned by a durable function wakes that function's run (workflows-wake.ts).
 */
import type { JobInsert } from '../../../core/types.js';
import type { PlannedJob, RunPlan, StepChange } from '../../../core/workflow-plan.js';
import type { StepDefinition } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';
import { insertJobRow } from './jobs-insert.js';
import { type LoadedRun, jsonOrNull } from './workflows-rows.js';
import { wakeParent } from './workflows-wake.js';

// Each field is written only when the change carries it (`has*` = 1): undefined = unchanged;
// `finished`: 1 ends the step now, 0 clears its end (a retry), NULL leaves it.
const STEP_CHANGE = `
  UPDATE workflow_steps
  SET state = @state,
      result = CASE WHEN @hasResult THEN @result ELSE result END,
      error = CASE WHEN @hasError THEN @error ELSE error END,
      reason = CASE WHEN @hasReason THEN @reason ELSE reason END,
      skip = CASE WHEN @hasSkip THEN @skip ELSE skip END,
      map_total = CASE WHEN @hasMapTotal THEN @mapTotal ELSE map_total END,
      map_done = CASE WHEN @hasMapTotal THEN 0 ELSE map_done END,
      finished_at = CASE @finished WHEN 1 THEN @now WHEN 0 THEN NULL ELSE finished_at END
  WHERE run_id = @runId AND step = @step`;

const SET_STEP_JOB = `UPDATE workflow_steps SET job_id = @jobId WHERE run_id = @runId AND step = @step`;

// As jobCancel: pending jobs end now, running ones are asked to stop (their workers abort).
const CANCEL_PENDING = `
  UPDATE jobs SET state = 'cancelled', finished_at = @now
  WHERE run_id = @runId AND step = @step AND state = 'pending'`;
const REQUEST_CANCEL = `
  UPDATE jobs SET cancel_requested = 1
  WHERE run_id = @runId AND step = @step AND state = 'running'`;

// As jobRetry: failed and cancelled jobs due now, with one more attempt allowed.
const RETRY_JOBS = `
  UPDATE jobs
  SET state = 'pending', run_at = @now, locked_until = NULL,
      cancel_requested = 0, max_attempts = MAX(max_attempts, attempt + 1)
  WHERE run_id = @runId AND step = @step AND state IN ('failed', 'cancelled')
  RETURNING queue`;
const RECOUNT_MAP = `
  UPDATE workflow_steps
  SET map_done = (SELECT COUNT(*) FROM jobs WHERE run_id = @runId AND step = @step AND map_index IS NOT NULL AND state = 'succeeded')
  WHERE run_id = @runId AND step = @step AND map_total IS NOT NULL`;

const END_RUN = `
  UPDATE workflow_runs
  SET state = @state, output = @output, error = @error,
      finished_at = CASE WHEN @state = 'running' THEN NULL ELSE @now END
  WHERE id = @runId`;

/** Writes `plan` for `run`; returns the queues that got a due job (to wake after commit). */
export function applyPlan(c: SqliteConnection, now: number, run: LoadedRun, plan: RunPlan): Set<string> {
  const runId = run.id;
  const queues = new Set<string>();
  const change = c.prepare(STEP_CHANGE);
  for (const step of plan.steps) change.run(stepChangeParams(runId, now, step));
  insertPlannedJobs(c, now, run, plan.jobs, queues);
  for (const step of plan.cancelJobsOf) {
    c.prepare(CANCEL_PENDING).run({ runId, step, now });
    c.prepare(REQUEST_CANCEL).run({ runId, step });
  }
  for (const step of plan.retryJobsOf) {
    for (const queue of c.prepare(RETRY_JOBS).pluck().all({ runId, step, now }) as string[]) queues.add(queue);
    c.prepare(RECOUNT_MAP).run({ runId, step });
  }
  if (plan.run) {
    const { state, output, error } = plan.run;
    c.prepare(END_RUN).run({ runId, state, output: jsonOrNull(output), error: jsonOrNull(error), now });
    if (state !== 'running' && run.parentRunId !== null) wakeParent(c, now, run.parentRunId, queues);
  }
  return queues;
}

/** Inserts the planned jobs of `run` (due now, its trace id); a step's own job becomes the step's `job_id`. */
export function insertPlannedJobs(c: SqliteConnection, now: number, run: LoadedRun, jobs: readonly PlannedJob[], queues: Set<string>): void {
  if (jobs.length === 0) return;
  const steps = new Map(run.definition.steps.map((step) => [step.name, step]));
  const setJob = c.prepare(SET_STEP_JOB);
  for (const planned of jobs) {
    const step = steps.get(planned.step);
    if (!step) throw new Error(`workflow run ${run.id}: the plan names step ${JSON.stringify(planned.step)}, which its definition does not have`);
    const jobId = insertJobRow(c, now, jobOfStep(run, step, planned));
    if (planned.mapIndex === null) setJob.run({ jobId, runId: run.id, step: planned.step });
    queues.add(step.queue);
  }
}

function jobOfStep(run: LoadedRun, step: StepDefinition, planned: PlannedJob): JobInsert {
  return {
    task: step.task,
    queue: step.queue,
    payload: planned.payload,
    priority: step.priority,
    runAt: null,
    delayMs: 0,
    maxAttempts: step.maxAttempts,
    timeoutMs: step.timeoutMs,
    backoffBaseMs: step.backoffBaseMs,
    backoffCapMs: step.backoffCapMs,
    uniqueKey: null,
    traceId: run.traceId,
    workflow: { runId: String(run.id), step: step.name, mapIndex: planned.mapIndex },
  };
}

function stepChangeParams(runId: number, now: number, change: StepChange): Record<string, unknown> {
  const has = (value: unknown): number => (value === undefined ? 0 : 1);
  return {
    runId,
    now,
    step: change.step,
    state: change.state,
    hasResult: has(change.result),
    result: jsonOrNull(change.result),
    hasError: has(change.error),
    error: jsonOrNull(change.error),
    hasReason: has(change.reason),
    reason: change.reason ?? null,
    hasSkip: has(change.skip),
    skip: change.skip ?? null,
    hasMapTotal: has(change.mapTotal),
    mapTotal: change.mapTotal ?? null,
    finished: change.finished === undefined ? null : change.finished ? 1 : 0,
  };
}
