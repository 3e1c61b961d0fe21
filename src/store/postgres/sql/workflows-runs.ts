/**
 * Reads of workflow runs: workflowRunGet (the run, its steps in definition order with their
 * jobs' live states, its parent run and its checkpoints by seq), workflowRunList (newest first, filtered, counted, with each run's steps
 * counted by state in ONE grouped statement for the page) and workflowStepInputs (what a
 * step's job reads before its handler runs). Same module as the SQLite engine's.
 */
import { ValidationError } from '../../../core/errors.js';
import type { ErrorInfo, JobState, Json } from '../../../core/types.js';
import {
  RUN_STATES,
  type ParentOutcome,
  type RunFilter,
  type RunRecord,
  type RunState,
  type RunStep,
  type RunSummary,
  type StepEndState,
  type StepInputs,
  type StepState,
  type WorkflowDefinition,
} from '../../../core/workflow-types.js';
import type { PgContext } from '../context.js';
import { isRowId } from '../rows.js';
import { listCheckpoints } from './workflows-checkpoints.js';
import { STEP_COLUMNS, type StepSqlRow, stepFromRow } from './workflows-rows.js';

interface RunRow {
  id: string;
  workflow: string;
  state: RunState;
  input: Json;
  output: Json | null;
  error: ErrorInfo | null;
  definition: WorkflowDefinition;
  trace_id: string | null;
  created_at: Date;
  finished_at: Date | null;
  parent_run_id?: unknown;
}

const RUN_COLUMNS = 'id, workflow, state, input, output, error, definition, trace_id, created_at, finished_at, parent_run_id';

const runSql = (s: string): string => `SELECT ${RUN_COLUMNS} FROM ${s}.workflow_runs WHERE id = $1`;

// Each step with its own job's live state (ordinary steps), in one statement.
const stepsSql = (s: string): string => `
  SELECT ${STEP_COLUMNS.split(', ').map((column) => `st.${column}`).join(', ')},
         j.state AS job_state, j.attempt AS job_attempt, j.started_at AS job_started_at
  FROM ${s}.workflow_steps st LEFT JOIN ${s}.jobs j ON j.id = st.job_id
  WHERE st.run_id = $1`;

// A map step's jobs by state (jobs_run: this run's rows only).
const mapJobsSql = (s: string): string => `
  SELECT step, state, count(*)::integer AS n FROM ${s}.jobs
  WHERE run_id = $1 AND map_index IS NOT NULL GROUP BY step, state`;

type StepWithJob = StepSqlRow & { job_state: JobState | null; job_attempt: number | null; job_started_at: Date | null };

export async function getRun(ctx: PgContext, id: string): Promise<RunRecord | null> {
  if (!isRowId(id)) return null;
  const [run] = await ctx.db.rows<RunRow>({ text: runSql(ctx.s), values: [id] });
  if (!run) return null;
  const [steps, mapJobs, checkpoints] = await Promise.all([
    ctx.db.rows<StepWithJob>({ text: stepsSql(ctx.s), values: [id] }),
    ctx.db.rows<{ step: string; state: JobState; n: number }>({ text: mapJobsSql(ctx.s), values: [id] }),
    listCheckpoints(ctx, id),
  ]);
  const byStep = new Map(steps.map((row) => [row.step, row]));
  const counts = new Map<string, Partial<Record<JobState, number>>>();
  for (const row of mapJobs) counts.set(row.step, { ...counts.get(row.step), [row.state]: row.n });
  const runSteps = run.definition.steps.flatMap((step): RunStep[] => {
    const row = byStep.get(step.name);
    if (!row) return [];
    const isMap = step.map !== null;
    return [
      {
        ...stepFromRow(row),
        task: step.task,
        dependsOn: step.dependsOn,
        map: step.map,
        condition: step.condition,
        jobState: isMap ? null : row.job_state,
        attempt: isMap ? null : row.job_attempt,
        startedAt: isMap ? null : row.job_started_at,
        mapJobs: isMap ? (counts.get(step.name) ?? {}) : null,
      },
    ];
  });
  const parentRunId = run.parent_run_id === null || run.parent_run_id === undefined ? null : String(run.parent_run_id);
  return { ...runOf(run), input: run.input, output: run.output, definition: run.definition, traceId: run.trace_id, steps: runSteps, parentRunId, checkpoints };
}

function runOf(run: RunRow): Omit<RunSummary, 'steps'> {
  return { id: String(run.id), workflow: run.workflow, state: run.state, createdAt: run.created_at, finishedAt: run.finished_at, error: run.error };
}

// The total joins the page with LEFT JOIN ON true, so an empty page still carries the count.
const listSql = (s: string, where: string, paged: string, n: number): string => `
  SELECT c.total, p.id, p.workflow, p.state, p.created_at, p.finished_at, p.error
  FROM (SELECT count(*)::bigint AS total FROM ${s}.workflow_runs ${where}) AS c
  LEFT JOIN (SELECT id, workflow, state, created_at, finished_at, error FROM ${s}.workflow_runs ${paged}
             ORDER BY id DESC LIMIT $${n}) AS p ON true`;

const stepCountsSql = (s: string): string => `
  SELECT run_id, state, count(*)::integer AS n FROM ${s}.workflow_steps
  WHERE run_id = ANY ($1::bigint[]) GROUP BY run_id, state`;

export async function listRuns(ctx: PgContext, params: { readonly filter?: RunFilter; readonly limit: number; readonly before?: string }): Promise<{ runs: RunSummary[]; total: number }> {
  const { conditions, args } = runConditions(params.filter ?? {});
  const limit = params.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError('limit', 'an integer from 1 to 1000', limit);
  const paged = [...conditions];
  if (params.before !== undefined) {
    if (!isRowId(params.before)) throw new ValidationError('before', 'a run id (a positive whole number as a string)', params.before);
    args.push(params.before);
    paged.push(`id < $${args.length}::bigint`);
  }
  const where = (list: string[]): string => (list.length === 0 ? '' : `WHERE ${list.join(' AND ')}`);
  const rows = await ctx.db.rows<RunRow & { total: string }>({ text: listSql(ctx.s, where(conditions), where(paged), args.length + 1), values: [...args, limit] });
  const page = rows.filter((row) => row.id !== null);
  const counts = new Map<string, Partial<Record<StepState, number>>>(page.map((row) => [String(row.id), {}]));
  if (page.length > 0) {
    const grouped = await ctx.db.rows<{ run_id: string; state: StepState; n: number }>({ text: stepCountsSql(ctx.s), values: [page.map((row) => row.id)] });
    for (const row of grouped) (counts.get(String(row.run_id)) ?? {})[row.state] = row.n;
  }
  return { runs: page.map((row) => ({ ...runOf(row), steps: counts.get(String(row.id)) ?? {} })), total: Number(rows[0]?.total ?? 0) };
}

function runConditions(filter: RunFilter): { conditions: string[]; args: unknown[] } {
  const conditions: string[] = [];
  const args: unknown[] = [];
  if (filter.workflow !== undefined) {
    if (typeof filter.workflow !== 'string' || filter.workflow.includes('\0')) throw new ValidationError('filter.workflow', 'a workflow name', filter.workflow);
    args.push(filter.workflow);
    conditions.push(`workflow = $${args.length}`);
  }
  if (filter.state !== undefined) {
    const states = ([] as unknown[]).concat(filter.state);
    const unknown = states.find((state) => !RUN_STATES.includes(state as RunState));
    if (unknown !== undefined || states.length === 0) throw new ValidationError('filter.state', `a run state (${RUN_STATES.join(', ')}) or a list of them`, filter.state);
    args.push(states);
    conditions.push(`state = ANY ($${args.length}::text[])`);
  }
  return { conditions, args };
}

// One statement: the step is looked up in the run's snapshot by the server, so a step of a
// long chain does not ship and parse the whole definition; then its parents' rows (a handful).
// A run without that step gives one row with `found` false; no run, no row.
// MATERIALIZED: the step's definition is looked up once (inlined, the lookup ran again for
// every step row of the run: 3.3 ms for a 100-step run); then each parent's row by key.
const inputsSql = (s: string): string => `
  WITH r AS MATERIALIZED (
    SELECT workflow, input, (SELECT e FROM jsonb_array_elements(definition -> 'steps') AS e WHERE e ->> 'name' = $2 LIMIT 1) AS own
    FROM ${s}.workflow_runs WHERE id = $1
  ),
  parents AS MATERIALIZED (SELECT d ->> 'step' AS step FROM r, jsonb_array_elements(r.own -> 'dependsOn') AS d)
  SELECT r.workflow, r.input, r.own IS NOT NULL AS found, r.own ->> 'condition' AS condition,
         st.step, st.state, st.result, st.error, st.reason
  FROM r LEFT JOIN (parents JOIN ${s}.workflow_steps st ON st.run_id = $1 AND st.step = parents.step) ON true`;

interface InputsRow {
  workflow: string;
  input: Json;
  found: boolean;
  condition: string | null;
  step: string | null;
  state: StepEndState;
  result: Json | null;
  error: ErrorInfo | null;
  reason: string | null;
}

export async function stepInputs(ctx: PgContext, runId: string, step: string): Promise<StepInputs | null> {
  if (!isRowId(runId) || typeof step !== 'string') return null;
  const rows = await ctx.db.rows<InputsRow>({ name: 'ordo_wf_step_inputs', text: inputsSql(ctx.s), values: [runId, step] });
  const [run] = rows;
  if (!run?.found) return null;
  const outcomes: Record<string, ParentOutcome> = {};
  for (const row of rows) {
    if (row.step === null) continue;
    outcomes[row.step] = { state: row.state, result: row.result, error: row.error, reason: row.reason };
  }
  return { workflow: run.workflow, runId, input: run.input, parents: outcomes, condition: run.condition };
}
