/**
 * Reads of one run on SQLite: workflowRunGet (the run, and its steps in definition order,
 * each with its job's live state, or a map step's jobs counted by state; a durable
 * function's checkpoints) and
 * workflowStepInputs (what a step's job is handed: the run's input and its parents'
 * outcomes). Each is one read transaction, so the run and its steps come from one snapshot.
 */
import type { ErrorInfo, JobState, Json } from '../../../core/types.js';
import type { ParentOutcome, RunRecord, RunStep, StepEndState, StepInputs, StepRow, WorkflowDefinition } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';
import { toDate, toRowId } from '../rows.js';
import { listCheckpoints } from './checkpoints.js';
import { type StepTableRow, loadRun, parseJson, readRunRow, stepFromRow } from './workflows-rows.js';

// Each step with its own job's live state (a map step has no job of its own).
const STEPS_WITH_JOBS = `
  SELECT s.*, j.state AS job_state, j.attempt AS job_attempt, j.started_at AS job_started_at
  FROM workflow_steps s LEFT JOIN jobs j ON j.id = s.job_id
  WHERE s.run_id = ?`;

// A run's map jobs counted by step and state: a range of `jobs_run` (exported for the plan tests).
export const MAP_COUNTS = `
  SELECT step, state, COUNT(*) AS n FROM jobs
  WHERE run_id = ? AND map_index IS NOT NULL
  GROUP BY step, state`;

// Only the parents' rows: a step of a wide run reads what it needs.
const PARENT_ROWS = `
  SELECT * FROM workflow_steps
  WHERE run_id = ? AND step IN (SELECT value FROM json_each(?))`;

type StepJobRow = StepTableRow & { job_state: JobState | null; job_attempt: number | null; job_started_at: number | null };

const ENDED: readonly string[] = ['succeeded', 'failed', 'skipped', 'cancelled'] satisfies StepEndState[];

export function getRun(c: SqliteConnection, runId: string): RunRecord | null {
  const id = toRowId(runId);
  if (id === null) return null;
  return c.read(() => {
    const row = readRunRow(c, id);
    if (!row) return null;
    const definition = JSON.parse(row.definition) as WorkflowDefinition;
    return {
      id: String(row.id),
      workflow: row.workflow,
      state: row.state,
      input: JSON.parse(row.input) as Json,
      output: parseJson<Json>(row.output),
      error: parseJson<ErrorInfo>(row.error),
      definition,
      traceId: row.trace_id,
      createdAt: new Date(row.created_at),
      finishedAt: toDate(row.finished_at),
      steps: runSteps(c, id, definition),
      parentRunId: row.parent_run_id === null ? null : String(row.parent_run_id),
      checkpoints: definition.kind === 'function' ? listCheckpoints(c, id) : [],
    };
  });
}

function runSteps(c: SqliteConnection, runId: number, definition: WorkflowDefinition): RunStep[] {
  const rows = new Map((c.prepare(STEPS_WITH_JOBS).all(runId) as StepJobRow[]).map((row) => [row.step, row]));
  const counts = mapCounts(c, runId);
  const steps: RunStep[] = [];
  for (const step of definition.steps) {
    const row = rows.get(step.name);
    if (!row) continue;
    steps.push({
      ...stepFromRow(row),
      task: step.task,
      dependsOn: step.dependsOn,
      map: step.map,
      condition: step.condition,
      jobState: row.job_state,
      attempt: row.job_attempt,
      startedAt: toDate(row.job_started_at),
      mapJobs: step.map === null ? null : (counts.get(step.name) ?? {}),
    });
  }
  return steps;
}

function mapCounts(c: SqliteConnection, runId: number): Map<string, Partial<Record<JobState, number>>> {
  const counts = new Map<string, Partial<Record<JobState, number>>>();
  for (const { step, state, n } of c.prepare(MAP_COUNTS).all(runId) as { step: string; state: JobState; n: number }[]) {
    const byState = counts.get(step) ?? {};
    byState[state] = n;
    counts.set(step, byState);
  }
  return counts;
}

/** The run's input and the ended parents' outcomes of `step`; null without such a run or step. */
export function stepInputs(c: SqliteConnection, runId: string, step: string): StepInputs | null {
  const id = toRowId(runId);
  if (id === null) return null;
  return c.read(() => {
    const run = loadRun(c, id);
    const definition = run?.definition.steps.find((s) => s.name === step);
    if (!run || !definition) return null;
    const names = JSON.stringify(definition.dependsOn.map((edge) => edge.step));
    const rows = new Map((c.prepare(PARENT_ROWS).all(id, names) as StepTableRow[]).map((row) => [row.step, stepFromRow(row)]));
    const parents: Record<string, ParentOutcome> = {};
    for (const edge of definition.dependsOn) {
      const parent = rows.get(edge.step);
      if (parent && ENDED.includes(parent.state)) parents[edge.step] = outcomeOf(parent);
    }
    return { workflow: run.workflow, runId: String(id), input: run.input, parents, condition: definition.condition };
  });
}

function outcomeOf(row: StepRow): ParentOutcome {
  return { state: row.state as StepEndState, result: row.result, error: row.error, reason: row.reason };
}
