/**
 * Writes a run's plan (core/workflow-plan.ts's RunPlan) inside the transaction that holds the
 * run's lock: the new jobs, the step rows and the run's end in ONE statement, then the
 * cancellations and retries of jobs (rare: a run that fails, is cancelled or retried). A
 * fixed number of statements whatever the plan's size: a map step of 10,000 elements is ONE
 * `INSERT … SELECT FROM jsonb_array_elements(…) WITH ORDINALITY` (ids ascend with the element
 * index) in that statement, which also NOTIFYs the queues, so its jobs are due the moment the
 * transaction commits. A run that ends and was spawned by a durable function makes its
 * parent's pending `main` job due now in that same statement. Same steps as the SQLite engine's.
 */
import type { Json } from '../../../core/types.js';
import type { PlannedJob, RunPlan, StepChange } from '../../../core/workflow-plan.js';
import type { StepDefinition, WorkflowDefinition } from '../../../core/workflow-types.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { jsonParam, storableJson } from '../rows.js';
import { lockParentWake } from './workflows-wake.js';

/**
 * The plan's writes but its jobs' cancellations and retries, in ONE statement (a step's
 * finish is one round trip, not three): the planned jobs (in plan order, with their step's
 * settings looked up by name in $3), the step changes, and the run's end. A row of
 * workflow_steps is updated once per statement at most, so a job of an ordinary step becomes
 * its step's `job_id` through its step's change (the FULL JOIN also covers a job without a
 * change). A field absent from a change (undefined in JS, so absent from its JSON) stays as
 * it is; a step without a change keeps every field but `job_id`. $7 null: the run goes on.
 */
const applySql = (s: string): string => `
  WITH planned AS (
    SELECT e ->> 's' AS step, (e ->> 'i')::integer AS map_index, e -> 'p' AS payload, $3::jsonb -> (e ->> 's') AS d, ord
    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(e, ord)
  ),
  inserted AS (
    INSERT INTO ${s}.jobs (task, queue, payload, state, priority, run_at, created_at, max_attempts,
                           timeout_ms, backoff_base_ms, backoff_cap_ms, trace_id, run_id, step, map_index)
    SELECT d ->> 'task', d ->> 'queue', payload, 'pending', (d ->> 'priority')::integer,
           statement_timestamp(), statement_timestamp(), (d ->> 'maxAttempts')::integer,
           (d ->> 'timeoutMs')::bigint, (d ->> 'backoffBaseMs')::bigint, (d ->> 'backoffCapMs')::bigint,
           $4::text, $1::bigint, step, map_index
    FROM planned ORDER BY ord
    RETURNING id, step, map_index, queue
  ),
  changes AS (
    SELECT coalesce(c.step, o.step) AS step, c.change, o.id AS job_id
    FROM (SELECT change ->> 'step' AS step, change FROM jsonb_array_elements($6::jsonb) AS change) AS c
    FULL JOIN (SELECT step, id FROM inserted WHERE map_index IS NULL) AS o ON o.step = c.step
  ),
  stepped AS (
    UPDATE ${s}.workflow_steps AS st SET
      state = coalesce(ch.change ->> 'state', st.state),
      result = CASE WHEN ch.change ? 'result' THEN ch.change -> 'result' ELSE st.result END,
      error = CASE WHEN ch.change ? 'error' THEN nullif(ch.change -> 'error', 'null'::jsonb) ELSE st.error END,
      reason = CASE WHEN ch.change ? 'reason' THEN ch.change ->> 'reason' ELSE st.reason END,
      skip = CASE WHEN ch.change ? 'skip' THEN ch.change ->> 'skip' ELSE st.skip END,
      map_total = CASE WHEN ch.change ? 'mapTotal' THEN (ch.change ->> 'mapTotal')::integer ELSE st.map_total END,
      map_done = CASE WHEN ch.change ? 'mapTotal' THEN 0 ELSE st.map_done END,
      finished_at = CASE ch.change -> 'finished' WHEN 'true'::jsonb THEN now() WHEN 'false'::jsonb THEN NULL ELSE st.finished_at END,
      job_id = coalesce(ch.job_id, st.job_id)
    FROM changes AS ch
    WHERE st.run_id = $1 AND st.step = ch.step
    RETURNING 1
  ),
  ended AS (
    UPDATE ${s}.workflow_runs
    SET state = $7::text, output = $8::jsonb, error = $9::jsonb, finished_at = CASE WHEN $7::text = 'running' THEN NULL ELSE now() END
    WHERE id = $1 AND $7::text IS NOT NULL
    RETURNING parent_run_id, state
  ),
  -- A run spawned by a durable function that ends wakes its parent: the parent's pending
  -- main job is due now. Only that job row is locked (not the parent's run), so the lock
  -- order stays runs, then jobs.
  parent_woken AS (
    UPDATE ${s}.jobs AS p SET run_at = least(p.run_at, now())
    WHERE p.run_id = (SELECT parent_run_id FROM ended WHERE state <> 'running') AND p.step = 'main' AND p.state = 'pending'
    RETURNING p.queue
  ),
  woken AS (SELECT queue FROM inserted UNION SELECT queue FROM parent_woken),
  notified AS (SELECT count(pg_notify($5, queue)) AS n FROM woken)
  SELECT ARRAY(SELECT queue FROM woken) AS queues, (SELECT n FROM notified) AS notified,
         (SELECT count(*) FROM stepped) AS stepped, (SELECT count(*) FROM ended) AS ended`;

// Pending jobs end at once; running ones are asked to stop (their workers abort them).
export const cancelJobsSql = (s: string): string => `
  UPDATE ${s}.jobs SET
    finished_at = CASE WHEN state = 'pending' THEN now() ELSE finished_at END,
    cancel_requested = CASE WHEN state = 'running' THEN true ELSE cancel_requested END,
    state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END
  WHERE run_id = $1 AND step = ANY ($2::text[]) AND state IN ('pending', 'running')`;

// As jobRetry does; a map step counts its succeeded elements again (the CTE reads the jobs
// as they were before the retry, and a retry changes no succeeded job).
const retryJobsSql = (s: string): string => `
  WITH retried AS (
    UPDATE ${s}.jobs SET state = 'pending', run_at = now(), locked_until = NULL,
                         cancel_requested = false, max_attempts = greatest(max_attempts, attempt + 1)
    WHERE run_id = $1 AND step = ANY ($2::text[]) AND state IN ('failed', 'cancelled')
    RETURNING queue
  ),
  counted AS (
    UPDATE ${s}.workflow_steps AS st
    SET map_done = (SELECT count(*) FROM ${s}.jobs j WHERE j.run_id = $1 AND j.step = st.step AND j.state = 'succeeded')
    WHERE st.run_id = $1 AND st.step = ANY ($2::text[]) AND st.map_total IS NOT NULL
    RETURNING 1
  ),
  woken AS (SELECT DISTINCT queue FROM retried),
  notified AS (SELECT count(pg_notify($3, queue)) AS n FROM woken)
  SELECT ARRAY(SELECT queue FROM woken) AS queues, (SELECT n FROM notified) AS notified, (SELECT count(*) FROM counted) AS counted`;

/** The run a plan is written for: its id, the definition its jobs' settings come from, its trace id. */
export interface PlanTarget {
  id: string;
  definition: WorkflowDefinition;
  traceId: string | null;
}

/** A run whose plan may end it: also whom its end wakes. */
export interface EndableRun extends PlanTarget {
  parentRunId: string | null;
}

/** Writes `plan` for `run`; returns the queues that got due jobs (for in-process wake-ups). */
export async function applyPlan(ctx: PgContext, client: Queryable, run: EndableRun, plan: RunPlan): Promise<string[]> {
  // A run that ends wakes the function that spawned it: lock first (workflows-wake.ts).
  if (plan.run && plan.run.state !== 'running' && run.parentRunId !== null) await lockParentWake(client, run.parentRunId);
  const queues = await writePlan(ctx, client, run, plan.steps, plan.jobs, plan.run);
  if (plan.cancelJobsOf.length > 0) await client.query(cancelJobsSql(ctx.s), [run.id, plan.cancelJobsOf], 'ordo_wf_cancel_jobs');
  if (plan.retryJobsOf.length > 0) {
    const { rows } = await client.query(retryJobsSql(ctx.s), [run.id, plan.retryJobsOf, ctx.channel]);
    queues.push(...((rows[0] as { queues: string[] } | undefined)?.queues ?? []));
  }
  return [...new Set(queues)];
}

/** Inserts the planned jobs of `run` in one statement; returns their queues. */
export function insertPlannedJobs(ctx: PgContext, client: Queryable, run: PlanTarget, jobs: readonly PlannedJob[]): Promise<string[]> {
  return writePlan(ctx, client, run, [], jobs, null);
}

/** The one statement of applySql (none for an empty plan); returns the queues of the new jobs. */
async function writePlan(ctx: PgContext, client: Queryable, run: PlanTarget, steps: readonly StepChange[], jobs: readonly PlannedJob[], end: RunPlan['run']): Promise<string[]> {
  if (steps.length === 0 && jobs.length === 0 && !end) return [];
  const settings = stepSettings(run.definition, new Set(jobs.map((job) => job.step)));
  const values = [
    run.id,
    plannedJson(jobs),
    JSON.stringify(settings),
    run.traceId,
    ctx.channel,
    changesJson(steps),
    end ? end.state : null,
    end && end.output !== null ? jsonParam(end.output) : null,
    end && end.error !== null ? jsonParam(end.error) : null,
  ];
  const { rows } = await client.query(applySql(ctx.s), values, 'ordo_wf_apply');
  return [...((rows[0] as { queues: string[] } | undefined)?.queues ?? [])];
}

/** The changes as one JSON array; absent fields stay absent (unchanged). */
function changesJson(changes: readonly StepChange[]): string {
  return storableJson(changes);
}

/** The jobs as one JSON array text, built from each payload's text (no intermediate objects). */
function plannedJson(jobs: readonly PlannedJob[]): string {
  const parts = jobs.map((job) => `{"s":${JSON.stringify(job.step)},"i":${job.mapIndex === null ? 'null' : job.mapIndex},"p":${storableJson(job.payload ?? null)}}`);
  return `[${parts.join(',')}]`;
}

type JobSettings = Pick<StepDefinition, 'task' | 'queue' | 'priority' | 'maxAttempts' | 'timeoutMs' | 'backoffBaseMs' | 'backoffCapMs'>;

function stepSettings(definition: WorkflowDefinition, steps: ReadonlySet<string>): Record<string, JobSettings> {
  const settings: Record<string, JobSettings> = {};
  for (const step of definition.steps) {
    if (!steps.has(step.name)) continue;
    const { task, queue, priority, maxAttempts, timeoutMs, backoffBaseMs, backoffCapMs } = step;
    settings[step.name] = { task, queue, priority, maxAttempts, timeoutMs, backoffBaseMs, backoffCapMs };
  }
  return settings;
}

/** A JSON value's storable text (NUL characters replaced), for a jsonb parameter. */
export function jsonText(value: Json): string {
  return storableJson(value);
}
