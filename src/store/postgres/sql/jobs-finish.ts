/**
 * jobFinishMany: ends a whole batch of running attempts in ONE named statement. The batch
 * travels as parallel arrays, unnested and joined to the rows by primary key; each row is
 * fenced by its attempt, its worker and state = 'running', and takes its finish from its own
 * batch row as typed columns. An earlier form sent the batch as one JSON object keyed by
 * fence and looked each row's finish up in it: every lookup of a field copied jsonb, and the
 * record went through three jsonb encodings (its concatenation with finishedAt, the array
 * around it, the append): 20 us per row against 9 us for the bare write, 200 finishes of
 * 20,000 jobs. The join must be driven from the batch (the WHERE below says why). The
 * attempt record is appended inside that same UPDATE, so a first-try success costs exactly
 * one write after its claim. `pg_notify` for queues that got a pending job back (retries,
 * releases) rides along in the same statement.
 *
 * A release (graceful shutdown, a worker without the task) gives the attempt back and
 * records nothing: `attempt - 1`, due at now + its delay, `locked_by` back to the worker of
 * the last recorded attempt — as in SQLite. A retry or release of a job whose cancellation
 * was requested ends it `cancelled` instead of `pending`; the flag is read from the row the
 * UPDATE locks, so a concurrent `jobCancel` is either seen here or waits for our commit.
 * A finish whose fence no longer matches changes nothing and is left out of `applied`.
 *
 * The attempt record's `finishedAt` is the database's `now()`, like `finished_at` and the
 * claim's `started_at`, so both times of one attempt come from one clock whatever the
 * worker's clock says. `finished_at` is set by every finish, a retry's too: it is when the
 * latest attempt ended, so a retry shows among the jobs finished in a window (jobChanges)
 * while it waits. A retry delay that is not a finite number >= 0 counts as 0, and one
 * beyond 100 years is cut to that: out of range, it would fail the whole batch (22008) on
 * every try, and the batch's other results would never be recorded.
 *
 * Jobs of workflow runs: a finish of one applies only when it carries the job's `runId`
 * (fenced in the statement, by the entry's `runId`), so a batch without any runId stays the
 * one auto-committed statement above and never moves a run's job outside a transaction. A
 * batch with runIds runs in one transaction: the named runs are locked first (ascending ids,
 * the lock order of workflows-rows.ts), then the same finish statement, returning the run
 * columns and the steps of those runs too (read after the locks), then the runs advance
 * (workflows-advance.ts): a chain's step is BEGIN, lock, finish, the plan's write, COMMIT.
 * A durable function's `main` job released while it waits is made due now in that
 * transaction when its wait is already over (an emit or a child's end that found it running).
 */
import type { JobFinish } from '../../../core/types.js';
import { errorInfo, retryDelay } from '../../records.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { attemptJson, isRowId, isoSql, jsonParam, storableJson } from '../rows.js';
import { type EndedSqlRow, advanceRuns, endedJobsOf } from './workflows-advance.js';
import { DEADLOCK_SAFE, lockRuns, stepsFromJson, stepsJsonSql } from './workflows-rows.js';
import { wakeReleased } from './workflows-wake.js';

/**
 * The finish statement for schema `s` (exported for the plan tests). The state CASE below makes
 * the moves out of `running` by jobFinishMany in core/states.ts. Parameters, one array element
 * per finish: $1 ids, $2 attempts, $3 workers, $4 states, $5 released flags, $6 retry delays,
 * $7 results, $8 errors, $9 attempt records (JSON text without the closing brace), $10 runIds;
 * $11 the notify channel.
 */
export const finishSql = (s: string, forRuns: boolean): string => `
  WITH done AS (
    UPDATE ${s}.jobs AS t
    SET state = CASE WHEN f.state = 'pending' AND t.cancel_requested THEN 'cancelled' ELSE f.state END,
        attempt = CASE WHEN f.released THEN t.attempt - 1 ELSE t.attempt END,
        run_at = CASE WHEN f.state = 'pending' AND NOT t.cancel_requested
                      THEN now() + f.delay_ms * interval '1 millisecond'
                      ELSE t.run_at END,
        -- Every finish but a release sets it, a retry's too: when the latest attempt ended.
        finished_at = CASE WHEN f.released AND NOT t.cancel_requested THEN t.finished_at ELSE now() END,
        locked_by = CASE WHEN f.released THEN t.attempts -> -1 ->> 'worker' ELSE t.locked_by END,
        locked_until = NULL,
        started_at = CASE WHEN f.released THEN NULL ELSE t.started_at END,
        progress = CASE WHEN f.released THEN NULL ELSE t.progress END,
        result = CASE WHEN f.released THEN t.result ELSE f.result END,
        last_error = CASE WHEN f.released THEN t.last_error ELSE f.last_error END,
        -- The record is parsed once, already closed with the database's finishedAt (a key given
        -- twice keeps its last value in jsonb, so it replaces the worker's); a first attempt's
        -- array is that one element, with no concatenation to decode and encode it again.
        attempts = CASE WHEN f.released THEN t.attempts
                        WHEN t.attempts = '[]'::jsonb THEN ('[' || f.record || ${CLOSE_RECORD})::jsonb
                        ELSE t.attempts || ('[' || f.record || ${CLOSE_RECORD})::jsonb END
    -- Joined by primary key only: the planner drives the join from the batch (its estimate of
    -- the unnest is a constant) into jobs_pkey. Adding t.id = ANY (ids) would make the
    -- jobs side look tiny, and the generic plan a named statement switches to after five runs
    -- then looped over it and rescanned the whole unnest per row (EXPLAIN ANALYZE, 235
    -- finishes, 55,000 join filter rows: 24 ms against 2.7 ms). The fence is the join's
    -- filter: attempt, worker and state of the row locked by the UPDATE.
    FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::boolean[], $6::double precision[],
                $7::jsonb[], $8::jsonb[], $9::text[], $10::bigint[])
         AS f(id, attempt, worker, state, released, delay_ms, result, last_error, record, run_id)
    -- The state is compared with a sub-select's value, which no partial index's predicate can
    -- be proven from: written as a constant, it let the generic plan read the batch through
    -- jobs_running, filtering EVERY running job of the table by id, whenever the statistics
    -- counted few running jobs (as they do after an ANALYZE of an idle table).
    WHERE t.id = f.id AND t.attempt = f.attempt AND t.locked_by = f.worker AND t.state = (SELECT 'running')
      -- A job of a run only with its runId (a plain job's row has none: nothing more to read).
      AND (t.run_id IS NULL OR t.run_id = f.run_id)
    RETURNING t.id, t.queue, t.state${forRuns ? RUN_COLUMNS : ''}
  ),
  notified AS (
    SELECT count(pg_notify($11, queue)) AS n
    FROM (SELECT DISTINCT queue FROM done WHERE state = 'pending') AS q
  )
  SELECT ${forRuns ? `done.*, CASE WHEN row_number() OVER () = 1 THEN ${ENDED_STEPS(s)} END AS steps` : 'done.id, done.queue, done.state'}
  FROM done CROSS JOIN notified`;

// The end of every record and of its one-element array, formatted once per statement (an
// uncorrelated sub-select), not once per row.
const CLOSE_RECORD = `(SELECT ',"finishedAt":"' || ${isoSql('now()')} || '"}]')`;

// The steps of the runs whose jobs' ends are planned at once (all but map elements' successes,
// which are counted first), on one row only: this statement starts after the runs'
// locks are held, so it sees every committed change of their steps, as a read after it would.
// `= ANY (ARRAY(...))`: a primary-key range per run whatever plan the named statement settles on.
const ENDED_STEPS = (s: string): string =>
  stepsJsonSql(s, `st.run_id = ANY (ARRAY(SELECT DISTINCT run_id FROM done WHERE state IN ('succeeded', 'failed', 'cancelled') AND (map_index IS NULL OR state <> 'succeeded')))`);

// What the advance of a run needs of each finished job; a map element's result stays in
// its row (the fan-in aggregates them in SQL).
const RUN_COLUMNS = `, t.run_id, t.step, t.map_index, t.last_error, CASE WHEN t.map_index IS NULL THEN t.result END AS result`;

/** Applies `finishes`; returns the applied ids (in input order) and the queues that got a pending job back. */
export async function finishJobs(ctx: PgContext, finishes: readonly JobFinish[]): Promise<{ applied: string[]; queues: string[] }> {
  const batch = finishes.filter((item) => isRowId(item.id));
  if (batch.length === 0) return { applied: [], queues: [] };
  const values = [...batchArrays(batch), ctx.channel];
  const runIds = [...new Set(batch.map((item) => item.runId).filter((id): id is string => typeof id === 'string' && isRowId(id)))];
  const { rows, queues } =
    runIds.length === 0
      ? { rows: await ctx.db.rows<FinishedRow>({ name: 'ordo_job_finish', text: finishSql(ctx.s, false), values }), queues: [] as string[] }
      : await ctx.db.transaction(async (client) => {
          const runs = await lockRuns(ctx, client, runIds);
          const finished = (await client.query(finishSql(ctx.s, true), values, 'ordo_job_finish_runs')).rows as FinishedRow[];
          const skipped = new Map(batch.filter((item) => item.skipped !== undefined).map((item) => [item.id, item.skipped as string]));
          const read = stepsFromJson(finished.find((row) => row.steps)?.steps ?? null);
          const queues = await advanceRuns(ctx, client, runs, endedJobsOf(finished, skipped), read);
          const releasedIds = new Set(batch.filter((item) => item.outcome === 'released').map((item) => item.id));
          queues.push(...(await wakeReleasedFunctions(ctx, client, finished, releasedIds)));
          return { rows: finished, queues };
        }, DEADLOCK_SAFE);
  const applied = new Set(rows.map((row) => String(row.id)));
  return {
    applied: [...new Set(batch.map((item) => item.id))].filter((id) => applied.has(id)),
    queues: [...new Set([...rows.filter((row) => row.state === 'pending').map((row) => row.queue), ...queues])],
  };
}

type FinishedRow = EndedSqlRow & { queue: string; steps?: Parameters<typeof stepsFromJson>[0] };

/** Makes released `main` jobs whose wait is over due now (workflows-wake.ts); returns their queues. */
async function wakeReleasedFunctions(ctx: PgContext, client: Queryable, finished: readonly FinishedRow[], releasedIds: ReadonlySet<string>): Promise<string[]> {
  // Releases only: a retry waits out its backoff whatever its waits.
  const released = finished.filter((row) => row.state === 'pending' && row.step === 'main' && row.map_index === null && releasedIds.has(String(row.id)));
  if (released.length === 0) return [];
  return wakeReleased(ctx, client, released.map((row) => String(row.id)), [...new Set(released.map((row) => String(row.run_id)))]);
}

/**
 * The batch as parallel arrays, one element per finish. A fence given twice keeps its last
 * finish (the join would take any one of them). Absent result / error / record read as SQL
 * NULL; a result of JSON null stays JSON null. A record is its JSON text without the closing
 * brace: the statement closes it with the database's finishedAt.
 */
function batchArrays(batch: readonly JobFinish[]): unknown[][] {
  const byFence = new Map<string, JobFinish>();
  for (const item of batch) {
    const fence = `${item.id}:${item.attempt}:${item.workerId}`;
    byFence.delete(fence);
    byFence.set(fence, item);
  }
  const items = [...byFence.values()];
  return [
    items.map((item) => item.id),
    items.map((item) => item.attempt),
    items.map((item) => item.workerId),
    items.map((item) => (item.outcome === 'released' ? 'pending' : item.state)),
    items.map((item) => item.outcome === 'released'),
    items.map((item) => retryDelay(item.retryDelayMs)),
    items.map((item) => jsonParam(item.result)),
    items.map((item) => (item.error === undefined ? null : storableJson(errorInfo(item.error)))),
    items.map((item) => (item.outcome === 'released' ? null : attemptJson({ ...item, outcome: item.outcome }).slice(0, -1))),
    items.map((item) => (typeof item.runId === 'string' && isRowId(item.runId) ? item.runId : null)),
  ];
}
