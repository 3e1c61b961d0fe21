/**
 * Mapping between the workflow tables' rows and the workflow types, and the lock every change
 * of a run starts with. Ids come back as strings whatever the client (the caller's own `tx`
 * may parse bigint as a number or a BigInt).
 *
 * LOCK ORDER: a transaction that changes a run locks its `workflow_runs` row (ascending ids
 * when several) BEFORE it updates any job of that run, in every operation (finish, rescue,
 * cancel, bulk cancel, run cancel and retry), so two of them never wait on each other in a
 * cycle. Operations that lock jobs without locking runs (claim, heartbeat, jobDelete,
 * jobRetry, bulk retry and delete) never wait for a run lock, but a heartbeat locks several
 * jobs of one worker at once, and an advance that cancels a failed run's running steps locks
 * those too: the two can meet in a cycle, so every advance runs `DEADLOCK_SAFE` (below).
 */
import { ConflictError } from '../../../core/errors.js';
import type { ErrorInfo, Json } from '../../../core/types.js';
import type { RunState, SkipCause, StepRow, StepState, WorkflowDefinition } from '../../../core/workflow-types.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';

/** A locked run: what the planner needs of it besides its steps. */
export interface LockedRun {
  id: string;
  workflow: string;
  state: RunState;
  input: Json;
  definition: WorkflowDefinition;
  traceId: string | null;
  /** The run of the durable function that spawned it, which its end wakes; null for none. */
  parentRunId: string | null;
}

interface RunLockRow {
  id: unknown;
  workflow: string;
  state: RunState;
  input: Json;
  definition: WorkflowDefinition;
  trace_id: string | null;
  parent_run_id: unknown;
}

const lockRunsSql = (s: string): string => `
  SELECT id, workflow, state, input, definition, trace_id, parent_run_id FROM ${s}.workflow_runs
  WHERE id = ANY ($1::bigint[]) ORDER BY id FOR UPDATE`;

/** Locks the runs `ids` (ascending, FOR UPDATE) and returns those that exist, by id. */
export async function lockRuns(ctx: PgContext, client: Queryable, ids: readonly string[]): Promise<Map<string, LockedRun>> {
  if (ids.length === 0) return new Map();
  const { rows } = await client.query(lockRunsSql(ctx.s), [[...new Set(ids)]], 'ordo_wf_lock_runs');
  return new Map(
    (rows as RunLockRow[]).map((row) => {
      const id = String(row.id);
      const parentRunId = row.parent_run_id === null || row.parent_run_id === undefined ? null : String(row.parent_run_id);
      return [id, { id, workflow: row.workflow, state: row.state, input: row.input, definition: row.definition, traceId: row.trace_id, parentRunId }];
    }),
  );
}

/** The columns of a `workflow_steps` row, for every statement that reads steps. */
export const STEP_COLUMNS = 'run_id, step, state, job_id, map_total, map_done, result, error, reason, skip, finished_at';

export interface StepSqlRow {
  run_id: unknown;
  step: string;
  state: StepState;
  job_id: unknown;
  map_total: number | null;
  map_done: number;
  result: Json | null;
  error: ErrorInfo | null;
  reason: string | null;
  skip: SkipCause | null;
  finished_at: Date | null;
}

export function stepFromRow(row: StepSqlRow): StepRow {
  return {
    step: row.step,
    state: row.state,
    jobId: row.job_id === null ? null : String(row.job_id),
    mapTotal: row.map_total,
    mapDone: Number(row.map_done),
    result: row.result,
    error: row.error,
    reason: row.reason,
    skip: row.skip,
    finishedAt: row.finished_at,
  };
}

const stepsOfRunsSql = (s: string): string => `SELECT ${STEP_COLUMNS} FROM ${s}.workflow_steps WHERE run_id = ANY ($1::bigint[])`;

/** The step rows of `runIds`, by run id (each run's rows in no particular order). */
export async function stepsOfRuns(ctx: PgContext, client: Queryable, runIds: readonly string[]): Promise<Map<string, StepRow[]>> {
  const byRun = new Map<string, StepRow[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  const { rows } = await client.query(stepsOfRunsSql(ctx.s), [[...runIds]], 'ordo_wf_steps');
  for (const row of rows as StepSqlRow[]) byRun.get(String(row.run_id))?.push(stepFromRow(row));
  return byRun;
}

/**
 * A `json` expression: the `workflow_steps` rows (alias `st`) that match `where`, as one
 * array, for a statement that reads a run's steps along with its own work (the finish of a
 * run's job: its snapshot is taken after the run's lock, so it sees every committed change of
 * the steps). Ids as text (no bigint is rounded), times in ISO 8601 with their offset;
 * `stepsFromJson` reads it back.
 */
export function stepsJsonSql(s: string, where: string): string {
  return `(SELECT json_agg(x) FROM (
      SELECT st.run_id::text AS run_id, st.step, st.state, st.job_id::text AS job_id, st.map_total, st.map_done,
             st.result, st.error, st.reason, st.skip, st.finished_at
      FROM ${s}.workflow_steps AS st WHERE ${where}) AS x)`;
}

/** The array of `stepsJsonSql` (null: no rows), by run id. */
export function stepsFromJson(rows: readonly (Omit<StepSqlRow, 'finished_at'> & { finished_at: string | null })[] | null): Map<string, StepRow[]> {
  const byRun = new Map<string, StepRow[]>();
  for (const row of rows ?? []) {
    const runId = String(row.run_id);
    const steps = byRun.get(runId) ?? [];
    steps.push(stepFromRow({ ...row, finished_at: row.finished_at === null ? null : new Date(row.finished_at) }));
    byRun.set(runId, steps);
  }
  return byRun;
}

/**
 * Refuses an operator's action on one job of a run (jobRetry, jobDelete): a step runs again
 * with its run (workflowRunRetry), and its job is removed with the run (retention), which
 * needs it for a retry. Sweeping actions (clean, bulk delete and retry) leave such jobs out
 * with `run_id IS NULL`.
 */
export function refuseStepJob(job: { id: string; runId: unknown; step: string | null }, action: 'deleted' | 'retried'): void {
  if (job.runId === null || job.runId === undefined) return;
  const runId = String(job.runId);
  const instead = action === 'retried' ? 'retry the run instead' : 'its jobs are removed with the run (retention)';
  throw new ConflictError(`job ${job.id} is step ${job.step ?? '?'} of workflow run ${runId} and cannot be ${action} alone; ${instead}`, {
    details: { id: job.id, runId, step: job.step },
  });
}

/**
 * The options of every transaction that advances runs: it locks runs, then jobs, but a
 * worker's heartbeat locks its running jobs in id order without the runs, so a run's advance
 * that asks another of the same worker's jobs to stop (a failed run cancelling its running
 * steps) can still meet it in a cycle. PostgreSQL then aborts one side; the advance only
 * reads and writes the database, so it runs again.
 */
export const DEADLOCK_SAFE = { retryDeadlock: true } as const;
