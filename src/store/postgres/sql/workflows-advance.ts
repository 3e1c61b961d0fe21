/**
 * Advances workflow runs after jobs of theirs reached a terminal state (a finish, a lease
 * rescue, a cancellation, a bulk cancel), inside the transaction that moved the jobs and
 * that already holds the runs' locks (workflows-rows.ts: lockRuns, taken BEFORE the jobs were
 * updated). The steps are read after the lock, so two transactions ending the last two parents
 * of a step one after the other see each other's work, and the dependant is released once.
 *
 * The fan-in of a map step costs no reload of its run per element: a batch of element
 * successes is one `map_done = map_done + n` per step (one statement for the whole batch);
 * only the batch that brings `map_done` to `map_total` reads the steps, aggregates the
 * elements' results with `jsonb_agg(result ORDER BY map_index)` and asks the planner.
 */
import type { ErrorInfo, Json } from '../../../core/types.js';
import { type StepEnd, mapElementFailure, planRun } from '../../../core/workflow-plan.js';
import type { StepRow } from '../../../core/workflow-types.js';
import { compareIds } from '../../records.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { applyPlan } from './workflows-apply.js';
import { type LockedRun, stepsOfRuns } from './workflows-rows.js';

/** A job of a run that just reached a terminal state, as the statement that moved it returned it. */
export interface EndedJob {
  id: string;
  runId: string;
  step: string;
  mapIndex: number | null;
  state: 'succeeded' | 'failed' | 'cancelled';
  /** The job's result (null for map elements: their results are aggregated in SQL). */
  result: Json | null;
  lastError: ErrorInfo | null;
  /** A cancelled job whose step's condition was false: the reason. */
  skipped?: string;
}

export interface EndedSqlRow {
  id: unknown;
  state: string;
  run_id: unknown;
  step: string | null;
  map_index: number | null;
  result?: Json | null;
  last_error: ErrorInfo | null;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** The rows of jobs of runs that ended, as EndedJobs (`skipped`: reasons by job id). */
export function endedJobsOf(rows: readonly EndedSqlRow[], skipped: ReadonlyMap<string, string> = new Map()): EndedJob[] {
  return rows
    .filter((row) => row.run_id !== null && row.run_id !== undefined && TERMINAL.has(row.state))
    .map((row) => {
      const id = String(row.id);
      const ended: EndedJob = {
        id,
        runId: String(row.run_id),
        step: row.step ?? '',
        mapIndex: row.map_index,
        state: row.state as EndedJob['state'],
        result: row.result ?? null,
        lastError: row.last_error,
      };
      const reason = skipped.get(id);
      if (reason !== undefined && row.state === 'cancelled') ended.skipped = reason;
      return ended;
    });
}

const countMapSql = (s: string): string => `
  UPDATE ${s}.workflow_steps AS st SET map_done = st.map_done + u.n
  FROM unnest($1::bigint[], $2::text[], $3::integer[]) AS u(run_id, step, n)
  WHERE st.run_id = u.run_id AND st.step = u.step
  RETURNING st.run_id, st.step, st.state, st.map_done, st.map_total, u.n`;

// Exported for the plan tests.
export const aggregateMapSql = (s: string): string => `
  SELECT j.run_id, j.step, jsonb_agg(j.result ORDER BY j.map_index) AS result
  FROM unnest($1::bigint[], $2::text[]) AS u(run_id, step)
  JOIN ${s}.jobs j ON j.run_id = u.run_id AND j.step = u.step AND j.map_index IS NOT NULL
  GROUP BY j.run_id, j.step`;

/** A map step that this batch completed: its run and step. */
type StepKey = { runId: string; step: string };

/**
 * Advances the locked `runs` for the `ended` jobs (those of other runs are ignored); returns
 * the queues that got due jobs. Runs are planned in ascending id order. `read`: step rows the
 * caller already read after the locks (the finish statement does, saving a round trip); a run
 * whose map elements were counted here is read again, its `map_done` having moved since.
 */
export async function advanceRuns(
  ctx: PgContext,
  client: Queryable,
  runs: ReadonlyMap<string, LockedRun>,
  ended: readonly EndedJob[],
  read: ReadonlyMap<string, StepRow[]> = new Map(),
): Promise<string[]> {
  const jobs = ended.filter((job) => runs.has(job.runId));
  if (jobs.length === 0) return [];
  const successes = jobs.filter((job) => job.mapIndex !== null && job.state === 'succeeded');
  const completed = await countMapSuccesses(ctx, client, successes);
  const planned = new Set([...jobs.filter((job) => job.mapIndex === null || job.state !== 'succeeded').map((job) => job.runId), ...completed.map((key) => key.runId)]);
  if (planned.size === 0) return [];
  const runIds = [...planned].sort(compareIds);
  const counted = new Set(successes.map((job) => job.runId));
  const fresh = await stepsOfRuns(ctx, client, runIds.filter((id) => !read.has(id) || counted.has(id)));
  const steps = new Map(runIds.map((id) => [id, fresh.get(id) ?? read.get(id) ?? []]));
  const results = await mapResults(ctx, client, completed);
  const queues: string[] = [];
  for (const runId of runIds) {
    const run = runs.get(runId) as LockedRun;
    const rows = steps.get(runId) ?? [];
    const ends = endsOf(rows, jobs.filter((job) => job.runId === runId), completed.filter((key) => key.runId === runId), results);
    if (ends.length === 0) continue;
    const plan = planRun({ definition: run.definition, input: run.input, runState: run.state, steps: rows, ends });
    queues.push(...(await applyPlan(ctx, client, run, plan)));
    if (plan.run) run.state = plan.run.state;
  }
  return [...new Set(queues)];
}

/** Counts map elements' successes per step; returns the steps they completed (active, all done). */
async function countMapSuccesses(ctx: PgContext, client: Queryable, successes: readonly EndedJob[]): Promise<StepKey[]> {
  if (successes.length === 0) return [];
  const counts = new Map<string, StepKey & { n: number }>();
  for (const job of successes) {
    const key = `${job.runId}\u0000${job.step}`;
    const entry = counts.get(key) ?? { runId: job.runId, step: job.step, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  const entries = [...counts.values()];
  const { rows } = await client.query(countMapSql(ctx.s), [entries.map((e) => e.runId), entries.map((e) => e.step), entries.map((e) => e.n)], 'ordo_wf_count_map');
  type Counted = { run_id: unknown; step: string; state: string; map_done: number; map_total: number | null; n: number };
  // Completed by THIS batch: the count crossed the total now (never again, whatever follows).
  return (rows as Counted[])
    .filter((row) => row.state === 'active' && row.map_total !== null && row.map_done >= row.map_total && row.map_done - row.n < row.map_total)
    .map((row) => ({ runId: String(row.run_id), step: row.step }));
}

/** The ordered array of results of each completed map step, keyed `runId\0step`. */
async function mapResults(ctx: PgContext, client: Queryable, completed: readonly StepKey[]): Promise<Map<string, Json>> {
  if (completed.length === 0) return new Map();
  const { rows } = await client.query(aggregateMapSql(ctx.s), [completed.map((key) => key.runId), completed.map((key) => key.step)], 'ordo_wf_map_results');
  return new Map((rows as { run_id: unknown; step: string; result: Json }[]).map((row) => [`${String(row.run_id)}\u0000${row.step}`, row.result]));
}

const completeMapsSql = (s: string): string => `
  SELECT step FROM ${s}.workflow_steps
  WHERE run_id = $1 AND state = 'active' AND map_total IS NOT NULL AND map_done >= map_total`;

/**
 * After a run's retry: a map step cancelled while its last elements ran, which then all
 * succeeded, is back `active` with nothing left to run; it ends now, as the last element's
 * finish would have ended it. Returns the queues that got due jobs.
 */
export async function endCompleteMaps(ctx: PgContext, client: Queryable, run: LockedRun): Promise<string[]> {
  const { rows } = await client.query(completeMapsSql(ctx.s), [run.id]);
  const completed = (rows as { step: string }[]).map(({ step }) => ({ runId: run.id, step }));
  if (completed.length === 0) return [];
  const results = await mapResults(ctx, client, completed);
  const steps = (await stepsOfRuns(ctx, client, [run.id])).get(run.id) ?? [];
  const ends = endsOf(steps, [], completed, results);
  const plan = planRun({ definition: run.definition, input: run.input, runState: 'running', steps, ends });
  const queues = await applyPlan(ctx, client, run, plan);
  if (plan.run) run.state = plan.run.state;
  return queues;
}

/** The step ends of one run: its own jobs' ends, its maps' first element failure, its completed maps. */
function endsOf(rows: readonly StepRow[], jobs: readonly EndedJob[], completed: readonly StepKey[], results: ReadonlyMap<string, Json>): StepEnd[] {
  const byStep = new Map(rows.map((row) => [row.step, row]));
  const ends: StepEnd[] = [];
  const failedMaps = new Set<string>();
  for (const job of jobs) {
    const row = byStep.get(job.step);
    if (!row) continue;
    if (job.mapIndex === null) {
      if (row.jobId === job.id) ends.push(ownEnd(job));
    } else if (job.state !== 'succeeded' && row.state === 'active' && !failedMaps.has(job.step)) {
      failedMaps.add(job.step);
      ends.push(mapElementFailure({ step: job.step, index: job.mapIndex, jobId: job.id, state: job.state, error: job.lastError }));
    }
  }
  for (const key of completed) {
    if (failedMaps.has(key.step)) continue;
    ends.push({ step: key.step, state: 'succeeded', result: results.get(`${key.runId}\u0000${key.step}`) ?? [], error: null, reason: null, skip: null });
  }
  return ends;
}

/** The end of a step whose own job ended. */
function ownEnd(job: EndedJob): StepEnd {
  if (job.state === 'succeeded') return { step: job.step, state: 'succeeded', result: job.result, error: null, reason: null, skip: null };
  if (job.state === 'failed') return { step: job.step, state: 'failed', result: null, error: job.lastError, reason: null, skip: null };
  if (job.skipped !== undefined) return { step: job.step, state: 'skipped', result: null, error: null, reason: job.skipped, skip: 'condition' };
  return { step: job.step, state: 'cancelled', result: null, error: job.lastError, reason: `job ${job.id} was cancelled`, skip: null };
}
