/**
 * Advances workflow runs after jobs of theirs moved to a terminal state (a finish, a lease
 * rescue, a cancellation of a pending job, a bulk cancel), inside the caller's IMMEDIATE
 * transaction: SQLite's write lock is the run's lock, so two workers ending the last two
 * parents of a step one after the other release it exactly once.
 *
 * The ended jobs are grouped by run (ascending id, the order the PostgreSQL engine locks
 * runs in). Each becomes a StepEnd, or nothing: a step's own job ends its step (an end after
 * the step was cancelled too: the planner records the real outcome); a map step's job that succeeded only counts (`map_done + 1`, one UPDATE
 * on the step row), and the step ends when the count reaches `map_total`, its result the
 * element results aggregated by `map_index` in one read, so a 10,000-way fan-in reads the
 * run once, at the end; a map job that failed or was cancelled while its step is active
 * ends the step as `mapElementFailure` says. Only runs with ends are loaded and planned.
 */
import type { ErrorInfo, Json, JobState } from '../../../core/types.js';
import { type StepEnd, mapElementFailure, planRun } from '../../../core/workflow-plan.js';
import type { SqliteConnection } from '../connection.js';
import { applyPlan } from './workflows-apply.js';
import { type StepTableRow, loadRun, loadSteps } from './workflows-rows.js';

/** A job of a run that has just reached a terminal state. */
export interface EndedJob {
  id: number;
  runId: number;
  step: string;
  mapIndex: number | null;
  state: Extract<JobState, 'succeeded' | 'failed' | 'cancelled'>;
  result: Json | null;
  lastError: ErrorInfo | null;
  /** A false condition: the step ends `skipped` with this reason (a `cancelled` finish). */
  skipped?: string;
}

const STEP = `SELECT state, job_id, map_total FROM workflow_steps WHERE run_id = ? AND step = ?`;

// Exported for the plan tests.
export const COUNT_ELEMENT = `
  UPDATE workflow_steps SET map_done = map_done + 1
  WHERE run_id = ? AND step = ? AND state = 'active'
  RETURNING map_done, map_total`;

// The fan-in: the elements' results in element order, as one JSON array, read once.
export const MAP_RESULTS = `
  SELECT json_group_array(json(result) ORDER BY map_index) AS results FROM jobs
  WHERE run_id = ? AND step = ? AND map_index IS NOT NULL`;

/** Advances the runs of `ended`; returns the queues that got a due job. */
export function advanceRuns(c: SqliteConnection, now: number, ended: readonly EndedJob[]): Set<string> {
  const queues = new Set<string>();
  if (ended.length === 0) return queues;
  const byRun = new Map<number, EndedJob[]>();
  for (const job of ended) {
    const jobs = byRun.get(job.runId);
    if (jobs) jobs.push(job);
    else byRun.set(job.runId, [job]);
  }
  for (const runId of [...byRun.keys()].sort((a, b) => a - b)) {
    const ends = stepEnds(c, runId, byRun.get(runId)!);
    if (ends.length === 0) continue;
    const run = loadRun(c, runId);
    if (!run) continue;
    const plan = planRun({ definition: run.definition, input: run.input, runState: run.state, steps: loadSteps(c, runId), ends });
    for (const queue of applyPlan(c, now, run, plan)) queues.add(queue);
  }
  return queues;
}

/** The step ends the jobs of one run make; at most one per step. */
function stepEnds(c: SqliteConnection, runId: number, jobs: readonly EndedJob[]): StepEnd[] {
  const ends = new Map<string, StepEnd>();
  for (const job of jobs) {
    if (ends.has(job.step)) continue;
    const end = job.mapIndex === null ? ownJobEnd(c, runId, job) : mapJobEnd(c, runId, job);
    if (end) ends.set(job.step, end);
  }
  return [...ends.values()];
}

function ownJobEnd(c: SqliteConnection, runId: number, job: EndedJob): StepEnd | null {
  const step = c.prepare(STEP).get(runId, job.step) as Pick<StepTableRow, 'state' | 'job_id'> | undefined;
  // Only the step's own job ends it; a late end of a step already ended (its run cancelled
  // or failed meanwhile) is still told: the planner records the job's real outcome.
  if (!step || step.state === 'waiting' || step.job_id !== job.id) return null;
  if (job.state === 'cancelled' && job.skipped !== undefined) {
    return { step: job.step, state: 'skipped', skip: 'condition', reason: job.skipped };
  }
  const reason = job.state === 'cancelled' ? `job ${job.id} was cancelled` : null;
  return { step: job.step, state: job.state, result: job.result, error: job.lastError, reason };
}

function mapJobEnd(c: SqliteConnection, runId: number, job: EndedJob): StepEnd | null {
  if (job.state === 'succeeded') {
    const counted = c.prepare(COUNT_ELEMENT).get(runId, job.step) as { map_done: number; map_total: number | null } | undefined;
    if (!counted || counted.map_done !== counted.map_total) return null;
    return mapSucceeded(c, runId, job.step);
  }
  const step = c.prepare(STEP).get(runId, job.step) as Pick<StepTableRow, 'state'> | undefined;
  if (!step || step.state !== 'active') return null;
  return mapElementFailure({ step: job.step, index: job.mapIndex!, jobId: String(job.id), state: job.state, error: job.lastError });
}

/** A map step whose elements all succeeded: its end, with their results in element order. */
export function mapSucceeded(c: SqliteConnection, runId: number, step: string): StepEnd {
  const { results } = c.prepare(MAP_RESULTS).get(runId, step) as { results: string };
  return { step, state: 'succeeded', result: JSON.parse(results) as Json[] };
}
