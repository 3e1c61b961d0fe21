/**
 * workflowRunList on SQLite: runs newest first by id, filtered by workflow and state, paged
 * with an id cursor, counted; then each listed run's steps counted by state in one grouped
 * read (never one query per run). The filter is checked first, each error naming its field.
 */
import { ValidationError } from '../../../core/errors.js';
import type { ErrorInfo } from '../../../core/types.js';
import { MAX_PAGE_LIMIT } from '../../../core/page.js';
import { RUN_STATES, type RunFilter, type RunState, type RunSummary, type StepState } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';
import { toDate, toRowId } from '../rows.js';
import { parseJson } from './workflows-rows.js';

interface RunListQuery {
  workflow: string | null;
  states: RunState[] | null;
  limit: number;
  before: number | null;
}

const STEP_COUNTS = `
  SELECT run_id, state, COUNT(*) AS n FROM workflow_steps
  WHERE run_id IN (SELECT value FROM json_each(?))
  GROUP BY run_id, state`;

interface SummaryRow {
  id: number;
  workflow: string;
  state: RunState;
  created_at: number;
  finished_at: number | null;
  error: string | null;
}

export function listRuns(c: SqliteConnection, params: { readonly filter?: RunFilter; readonly limit: number; readonly before?: string }): { runs: RunSummary[]; total: number } {
  const query = checkRunList(params);
  const conditions: string[] = [];
  const args: unknown[] = [];
  if (query.workflow !== null) {
    conditions.push('workflow = ?');
    args.push(query.workflow);
  }
  if (query.states !== null) {
    conditions.push('state IN (SELECT value FROM json_each(?))');
    args.push(JSON.stringify(query.states));
  }
  const paged = query.before === null ? conditions : [...conditions, 'id < ?'];
  const pageArgs = query.before === null ? args : [...args, query.before];
  const where = (list: string[]): string => (list.length === 0 ? '' : `WHERE ${list.join(' AND ')}`);
  const select = c.prepare(`SELECT id, workflow, state, created_at, finished_at, error FROM workflow_runs ${where(paged)} ORDER BY id DESC LIMIT ?`);
  const count = c.prepare(`SELECT COUNT(*) AS total FROM workflow_runs ${where(conditions)}`);
  return c.read(() => {
    const rows = select.all(...pageArgs, query.limit) as SummaryRow[];
    const { total } = count.get(...args) as { total: number };
    const steps = stepCounts(c, rows.map((row) => row.id));
    return { runs: rows.map((row) => summaryOf(row, steps.get(row.id) ?? {})), total };
  });
}

function stepCounts(c: SqliteConnection, ids: readonly number[]): Map<number, Partial<Record<StepState, number>>> {
  const counts = new Map<number, Partial<Record<StepState, number>>>();
  if (ids.length === 0) return counts;
  for (const { run_id, state, n } of c.prepare(STEP_COUNTS).all(JSON.stringify(ids)) as { run_id: number; state: StepState; n: number }[]) {
    const byState = counts.get(run_id) ?? {};
    byState[state] = n;
    counts.set(run_id, byState);
  }
  return counts;
}

function summaryOf(row: SummaryRow, steps: Partial<Record<StepState, number>>): RunSummary {
  return {
    id: String(row.id),
    workflow: row.workflow,
    state: row.state,
    createdAt: new Date(row.created_at),
    finishedAt: toDate(row.finished_at),
    error: parseJson<ErrorInfo>(row.error),
    steps,
  };
}

function checkRunList(params: { readonly filter?: RunFilter; readonly limit: number; readonly before?: string }): RunListQuery {
  const { filter = {}, limit, before } = params;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw new ValidationError('limit', `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
  if (filter.workflow !== undefined && typeof filter.workflow !== 'string') throw new ValidationError('filter.workflow', 'a workflow name', filter.workflow);
  let states: RunState[] | null = null;
  if (filter.state !== undefined) {
    states = typeof filter.state === 'string' ? [filter.state] : Array.isArray(filter.state) ? [...(filter.state as readonly RunState[])] : [];
    const unknown = states.find((state) => !RUN_STATES.includes(state));
    if (unknown !== undefined || (typeof filter.state !== 'string' && !Array.isArray(filter.state))) {
      throw new ValidationError('filter.state', `a run state (${RUN_STATES.join(', ')}) or a list of them`, unknown ?? filter.state);
    }
  }
  let cursor: number | null = null;
  if (before !== undefined) {
    cursor = typeof before === 'string' ? toRowId(before) : null;
    if (cursor === null) throw new ValidationError('before', 'a run id (a decimal number from 1)', before);
  }
  return { workflow: filter.workflow ?? null, states, limit, before: cursor };
}
