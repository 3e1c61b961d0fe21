/**
 * Rows of `workflow_runs` and `workflow_steps` on SQLite and their mapping, and the two reads
 * every workflow operation starts from: a run and its steps. JSON columns are TEXT; times
 * INTEGER milliseconds; ids INTEGERs in the tables and decimal strings outside.
 */
import type { ErrorInfo, Json } from '../../../core/types.js';
import type { RunState, SkipCause, StepRow, StepState, WorkflowDefinition } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';
import { toDate } from '../rows.js';

export interface RunRow {
  id: number;
  workflow: string;
  state: RunState;
  input: string;
  output: string | null;
  error: string | null;
  definition: string;
  trace_id: string | null;
  created_at: number;
  finished_at: number | null;
  parent_run_id: number | null;
}

export interface StepTableRow {
  step: string;
  state: StepState;
  job_id: number | null;
  map_total: number | null;
  map_done: number;
  result: string | null;
  error: string | null;
  reason: string | null;
  skip: SkipCause | null;
  finished_at: number | null;
}

/** A run as the planner needs it: its state, input and the definition it started with. */
export interface LoadedRun {
  id: number;
  workflow: string;
  state: RunState;
  input: Json;
  definition: WorkflowDefinition;
  traceId: string | null;
  /** The run that spawned this one: woken when this one ends. */
  parentRunId: number | null;
}

const RUN = `SELECT * FROM workflow_runs WHERE id = ?`;
const STEPS = `SELECT * FROM workflow_steps WHERE run_id = ?`;

export function readRunRow(c: SqliteConnection, id: number): RunRow | undefined {
  return c.prepare(RUN).get(id) as RunRow | undefined;
}

export function loadRun(c: SqliteConnection, id: number): LoadedRun | null {
  const row = readRunRow(c, id);
  if (!row) return null;
  return {
    id: row.id,
    workflow: row.workflow,
    state: row.state,
    input: JSON.parse(row.input) as Json,
    definition: JSON.parse(row.definition) as WorkflowDefinition,
    traceId: row.trace_id,
    parentRunId: row.parent_run_id,
  };
}

/** The run's step rows, in no particular order (callers index them by name). */
export function readStepRows(c: SqliteConnection, runId: number): StepTableRow[] {
  return c.prepare(STEPS).all(runId) as StepTableRow[];
}

export function loadSteps(c: SqliteConnection, runId: number): StepRow[] {
  return readStepRows(c, runId).map(stepFromRow);
}

export function stepFromRow(row: StepTableRow): StepRow {
  return {
    step: row.step,
    state: row.state,
    jobId: row.job_id === null ? null : String(row.job_id),
    mapTotal: row.map_total,
    mapDone: row.map_done,
    result: parseJson<Json>(row.result),
    error: parseJson<ErrorInfo>(row.error),
    reason: row.reason,
    skip: row.skip,
    finishedAt: toDate(row.finished_at),
  };
}

/** JSON text for a nullable column: null stays SQL NULL. */
export function jsonOrNull(value: Json | ErrorInfo | null | undefined): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
