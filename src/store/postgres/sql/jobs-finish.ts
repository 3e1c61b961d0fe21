/**
 * jobFinishMany: ends a whole batch of running attempts in ONE named statement. The batch
 * travels as one JSON object keyed by fence, `id:attempt:worker`, next to the array of its
 * ids: the rows are found by primary key (`id = ANY($1)`), each is fenced by state =
 * 'running' and by its own key being in the object, and takes its finish from the object by
 * that key (a binary search over jsonb's sorted keys). No join, so no plan can go quadratic:
 * the earlier form joined `unnest(...)` of parallel arrays to the rows, and the generic plan a
 * named statement switches to after five runs, estimating one row for the batch, made that a
 * nested loop rescanning the whole unnest per row (EXPLAIN ANALYZE, 235 finishes, 55,000 join
 * filter rows: 24 ms against 2.7 ms for the custom plan; now 3.3 ms either way). The generic
 * plan must not walk the running jobs either (the state test below says why): finishes of 10
 * with 3,000 jobs running, 1.08 ms of server CPU each before, 0.41 ms after; of 500 with
 * 15,000 running, 54 ms per 1,000 jobs before, 23-26 ms after. The attempt
 * record is appended with `attempts || jsonb_build_array(record)` inside that same UPDATE, so
 * a first-try success costs exactly one write after its claim. `pg_notify` for queues that
 * got a pending job back (retries, releases) rides along in the same statement.
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
 * The fence of a running row as the key of its finish in the batch object: id and attempt are
 * digits, so the first two colons split it unambiguously whatever the worker id holds.
 */
const FENCE_KEY = `(t.id || ':' || t.attempt || ':' || t.locked_by)`;

/**
 * The finish statement for schema `s` (exported for the plan tests). The state CASE below makes
 * the moves out of `running` by jobFinishMany in core/states.ts.
 */
export const finishSql = (s: string, forRuns: boolean): string => `
  WITH done AS (
    UPDATE ${s}.jobs AS t
    SET (state, attempt, run_at, finished_at, locked_by, locked_until, started_at, progress, result, last_error, attempts) = (
      SELECT
        CASE WHEN f.state = 'pending' AND t.cancel_requested THEN 'cancelled' ELSE f.state END,
        CASE WHEN f.released THEN t.attempt - 1 ELSE t.attempt END,
        CASE WHEN f.state = 'pending' AND NOT t.cancel_requested
             THEN now() + f.delay_ms * interval '1 millisecond'
             ELSE t.run_at END,
        -- Every finish but a release sets it, a retry's too: when the latest attempt ended.
        CASE WHEN f.released AND NOT t.cancel_requested THEN t.finished_at ELSE now() END,
        CASE WHEN f.released THEN t.attempts -> -1 ->> 'worker' ELSE t.locked_by END,
        NULL::timestamptz,
        CASE WHEN f.released THEN NULL ELSE t.started_at END,
        CASE WHEN f.released THEN NULL ELSE t.progress END,
        CASE WHEN f.released THEN t.result ELSE f.result END,
        CASE WHEN f.released THEN t.last_error ELSE f.last_error END,
        CASE WHEN f.released THEN t.attempts
             ELSE t.attempts || jsonb_build_array(f.record || jsonb_build_object('finishedAt', ${isoSql('now()')})) END
      -- The row's own finish, by key: a binary search in the batch object. The -> operator keeps
      -- a JSON null result apart from an absent one (SQL NULL); jsonb_to_record would not.
      FROM (SELECT e ->> 'state' AS state, (e -> 'released')::boolean AS released,
                   (e -> 'delayMs')::double precision AS delay_ms,
                   e -> 'result' AS result, e -> 'lastError' AS last_error, e -> 'record' AS record
            -- OFFSET 0: look the entry up once per row, not once per use of each of its fields.
            FROM (SELECT $2::jsonb -> ${FENCE_KEY} AS e OFFSET 0) AS entry) AS f
    )
    -- A primary-key lookup of the batch; attempt and worker are fenced by the key's presence.
    -- The state is compared with a sub-select's value, which no partial index's predicate can
    -- be proven from: written as a constant, it let the generic plan read the batch through
    -- jobs_running, filtering EVERY running job of the table by id, whenever the statistics
    -- counted few running jobs (as they do after an ANALYZE of an idle table).
    WHERE t.id = ANY ($1::bigint[]) AND t.state = (SELECT 'running') AND $2::jsonb ? ${FENCE_KEY}
      -- A job of a run only with its runId (a plain job's row has none: nothing more to read).
      AND (t.run_id IS NULL OR t.run_id::text = $2::jsonb -> ${FENCE_KEY} ->> 'runId')
    RETURNING t.id, t.queue, t.state${forRuns ? RUN_COLUMNS : ''}
  ),
  notified AS (
    SELECT count(pg_notify($3, queue)) AS n
    FROM (SELECT DISTINCT queue FROM done WHERE state = 'pending') AS q
  )
  SELECT ${forRuns ? `done.*, CASE WHEN row_number() OVER () = 1 THEN ${ENDED_STEPS(s)} END AS steps` : 'done.id, done.queue, done.state'}
  FROM done CROSS JOIN notified`;

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
  const values = [batch.map((item) => item.id), batchJson(batch), ctx.channel];
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
 * The batch as ONE JSON object keyed by fence (`id:attempt:worker`), written from the JSON
 * texts the records already are, so nothing is parsed twice. A key given twice keeps its last
 * finish (a join would have taken any one of them). Absent result / error / record fields
 * read as SQL NULL; a result of JSON null stays JSON null.
 */
function batchJson(batch: readonly JobFinish[]): string {
  const entries = batch.map((item) => {
    const released = item.outcome === 'released';
    const fields = [
      `"state":${JSON.stringify(released ? 'pending' : item.state)}`,
      `"released":${released}`,
      `"delayMs":${retryDelay(item.retryDelayMs)}`,
    ];
    const result = jsonParam(item.result);
    if (result !== null) fields.push(`"result":${result}`);
    if (item.error !== undefined) fields.push(`"lastError":${storableJson(errorInfo(item.error))}`);
    if (item.outcome !== 'released') fields.push(`"record":${attemptJson({ ...item, outcome: item.outcome })}`);
    if (typeof item.runId === 'string' && isRowId(item.runId)) fields.push(`"runId":${JSON.stringify(item.runId)}`);
    return `${storableJson(`${item.id}:${item.attempt}:${item.workerId}`)}:{${fields.join(',')}}`;
  });
  return `{${entries.join(',')}}`;
}
