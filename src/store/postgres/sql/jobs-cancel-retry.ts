/**
 * Operator actions on single jobs and queues: jobCancel, jobRetry, jobDeleteMany. Cancel and
 * retry read the job with `SELECT … FOR UPDATE` and change it in the same transaction, so the
 * decision and the write see the same state even while workers claim and finish it (a claim
 * skips the locked row; a finish waits for our COMMIT). Same structure as the SQLite engine.
 *
 * A retry makes the job active again, so it waits on the unique index while another
 * transaction holds an uncommitted job with the same key; like an enqueue, that wait is
 * bounded by `lock_timeout` and then fails as a retryable conflict.
 *
 * Jobs of workflow runs: a cancel locks the job's run BEFORE the job (the lock order of
 * workflows-rows.ts; a job's run never changes, so reading it first is safe) and advances the
 * run when a pending job ends; a retry of a job of a running run is refused (the run decides
 * what its jobs do), and a queue's clean leaves such jobs alone.
 */
import { OrdoError } from '../../../core/errors.js';
import { canTransition } from '../../../core/states.js';
import type { JobState } from '../../../core/types.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { isLockTimeout } from '../errors.js';
import { deletableStates } from '../../records.js';
import { isRowId } from '../rows.js';
import { UNIQUE_KEY_LOCK_TIMEOUT_MS, activeJobsWithKeys } from './unique-keys.js';
import { type EndedSqlRow, advanceRuns, endedJobsOf } from './workflows-advance.js';
import { DEADLOCK_SAFE, lockRuns, refuseStepJob } from './workflows-rows.js';

const stateSql = (s: string): string => `SELECT state, cancel_requested, queue, unique_key, run_id, step FROM ${s}.jobs WHERE id = $1 FOR UPDATE`;

const runOfSql = (s: string): string => `SELECT run_id FROM ${s}.jobs WHERE id = $1`;

// The moves these statements make, and the states they start from, are core/states.ts's table.
// A job leaving pending drops its debounce key (see jobs-claim.ts), so a retry never collides.
const cancelPendingSql = (s: string): string => `
  UPDATE ${s}.jobs SET state = 'cancelled', finished_at = now(), debounce_key = NULL WHERE id = $1 AND state = 'pending'
  RETURNING id, state, run_id, step, map_index, last_error`;

const requestCancelSql = (s: string): string => `UPDATE ${s}.jobs SET cancel_requested = true WHERE id = $1 AND state = 'running'`;

// finished_at stays: it is when the latest attempt ended, and a retry starts none.
const retrySql = (s: string): string => `
  UPDATE ${s}.jobs
  SET state = 'pending', run_at = now(), locked_until = NULL,
      cancel_requested = false, max_attempts = greatest(max_attempts, attempt + 1)
  WHERE id = $1 AND state IN ('failed', 'cancelled')
  RETURNING pg_notify($2, queue)`;

const deleteSql = (s: string): string => `
  WITH deleted AS (DELETE FROM ${s}.jobs WHERE queue = $1 AND state = ANY ($2::text[]) AND run_id IS NULL RETURNING 1)
  SELECT count(*)::integer AS n FROM deleted`;

interface StateRow {
  state: JobState;
  cancel_requested: boolean;
  queue: string;
  unique_key: string | null;
  run_id: string | null;
  step: string | null;
}

/**
 * Cancels a pending job (advancing its run, if any), flags a running one; terminal jobs are
 * left as they are. `queues`: those that got due jobs from the run's advance.
 */
export async function cancelJob(ctx: PgContext, id: string): Promise<{ state: JobState; cancelRequested: boolean; queues: string[] } | null> {
  if (!isRowId(id)) return null;
  return ctx.db.transaction(async (client) => {
    const [job] = (await client.query(runOfSql(ctx.s), [id])).rows as { run_id: unknown }[];
    const runs = job?.run_id ? await lockRuns(ctx, client, [String(job.run_id)]) : new Map();
    const row = await readState(ctx, client, id);
    if (!row) return null;
    if (canTransition(row.state, 'cancelled', 'jobCancel')) {
      const ended = (await client.query(cancelPendingSql(ctx.s), [id])).rows as EndedSqlRow[];
      const queues = runs.size === 0 ? [] : await advanceRuns(ctx, client, runs, endedJobsOf(ended));
      return { state: 'cancelled', cancelRequested: false, queues };
    }
    if (row.state === 'running') {
      await client.query(requestCancelSql(ctx.s), [id]);
      return { state: 'running', cancelRequested: true, queues: [] };
    }
    return { state: row.state, cancelRequested: row.cancel_requested, queues: [] };
  }, DEADLOCK_SAFE);
}

/** Puts a failed or cancelled job back to pending with one more attempt allowed. */
export async function retryJob(ctx: PgContext, id: string): Promise<{ retried: boolean; state: JobState; queue?: string } | null> {
  if (!isRowId(id)) return null;
  try {
    return await ctx.db.transaction(
      async (client) => {
        const row = await readState(ctx, client, id);
        if (!row) return null;
        if (!canTransition(row.state, 'pending', 'jobRetry')) return { retried: false, state: row.state };
        refuseStepJob({ id, runId: row.run_id, step: row.step }, 'retried');
        if (row.unique_key !== null) await assertKeyFree(ctx, client, id, row.unique_key);
        await client.query(retrySql(ctx.s), [id, ctx.channel]);
        return { retried: true, state: 'pending' as const, queue: row.queue };
      },
      { lockTimeoutMs: UNIQUE_KEY_LOCK_TIMEOUT_MS },
    );
  } catch (err) {
    // An enqueue with the same key committed between our check and our update.
    if ((err as { code?: unknown }).code === '23505') throw keyTaken(id, null, err);
    if (isLockTimeout(err)) {
      throw new OrdoError('conflict', `job ${id} cannot be retried right now: another transaction holds it, or a job with its unique key, and has not committed yet; retry`, {
        retryable: true,
        details: { id },
        cause: err,
      });
    }
    throw err;
  }
}

/** Deletes a queue's jobs in `states` (pending only by default); returns how many. */
export async function deleteJobs(ctx: PgContext, queue: string, states?: readonly JobState[]): Promise<number> {
  const deletable = deletableStates(states);
  if (deletable.length === 0) return 0;
  const rows = await ctx.db.rows<{ n: number }>({ text: deleteSql(ctx.s), values: [queue, deletable] });
  return rows[0]?.n ?? 0;
}

async function readState(ctx: PgContext, client: Queryable, id: string): Promise<StateRow | undefined> {
  const { rows } = await client.query(stateSql(ctx.s), [id]);
  return rows[0] as StateRow | undefined;
}

// Retrying would make two active jobs share a unique key, which enqueue promises never happens.
async function assertKeyFree(ctx: PgContext, client: Queryable, id: string, uniqueKey: string): Promise<void> {
  const activeId = (await activeJobsWithKeys(ctx, client, [uniqueKey])).get(uniqueKey);
  if (activeId !== undefined) throw keyTaken(id, { uniqueKey, activeId });
}

function keyTaken(id: string, found: { uniqueKey: string; activeId: string } | null, cause?: unknown): OrdoError {
  const which = found ? `job ${found.activeId} with the same unique key ${JSON.stringify(found.uniqueKey)}` : 'another job with the same unique key';
  return new OrdoError('conflict', `job ${id} cannot be retried: ${which} is still active; wait for it to finish or cancel it`, {
    details: { id, ...found },
    cause,
  });
}
