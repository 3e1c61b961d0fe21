/**
 * The running side of a job's life: jobClaim, jobHeartbeat, jobProgress, jobCancelRequested.
 *
 * The claim is ONE statement for the whole queue-ordered batch, the same walk as the SQLite
 * engine's: queues in the worker's order (`unnest($queues) WITH ORDINALITY`), a queue only if
 * its earliest pending job is due (one `jobs_due` seek, so idle polls cost next to nothing),
 * then its priority levels lowest first (a recursive "loose index scan" of `jobs_claim`, one
 * seek per level), and per level the due jobs in (run_at, id) order, an index range read with
 * `FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait on each other and never get the
 * same row. Delayed jobs are never visited, wherever they rank. LATERAL makes nested loops
 * whose output follows the outer order, and the outer LIMIT stops pulling as soon as the batch
 * is full: later levels and queues are only computed, and their rows only locked, when the
 * earlier ones had too few due jobs. Past MAX_LEVELS levels (priorities used as fine-grained
 * scores) the rest of the queue is walked in (priority, run_at, id) order instead.
 *
 * EXPLAIN ANALYZE, claim of 50 from one queue (three queues: the same), with statistics:
 *   200,000 delayed, none due:                       0.17 ms -> 0.24 ms (jobs_due seek)
 *   200,000 due, priority 0 / priorities 0-4:        0.84 ms -> 0.85 ms
 *   200,000 delayed at priority 0 + 10,000 due at 5: 10.2 ms -> 1.0 ms
 *   200,000 due, three queues of which two empty:   (1.3 ms) -> 1.8 ms; an EXISTS gate
 *     instead of the ORDER BY … LIMIT 1 one became a seq-scan semi-join: 33 ms.
 * Before: one walk of `jobs_claim` per queue. Without statistics (a table not yet analyzed
 * by autovacuum) the planner misjudges both versions (25-150 ms) until it is.
 * The batch size is a parameter of the plan, not a constant in it: every LIMIT reads it as
 * `(SELECT $3::integer)`, which the planner costs as "some rows" whether or not it knows $3,
 * so the named statement's custom plans cost no less than its generic plan, and PostgreSQL
 * keeps the generic one after five runs. With a bare `LIMIT $3` a custom plan knew the exact
 * count and looked 20x cheaper (77 against 1,808), so every claim was planned again: 0.63 ms
 * of planning per claim, more than its execution (0.3 ms for 10 rows of 40,000); the plan is
 * the same nested loop of index seeks either way. Server CPU per 1,000 jobs, claims of
 * 10 / 100 / 500 over 40,000 pending jobs, each batch finished before the next claim:
 * 141-203 / 20-28 / 18-19 ms before, 68-100 / 18-24 / 14-19 ms now.
 * Every write to a running job below is fenced by (id, attempt, locked_by, state='running').
 * Hot-path statements are named, so each pooled connection prepares them once; they name
 * their result columns (never `*`), so a migration that adds a column does not break them.
 */
import type { JobRecord } from '../../../core/types.js';
import type { JobRef, Store } from '../../contract.js';
import { sortInClaimOrder } from '../../records.js';
import type { PgContext } from '../context.js';
import { type JobRow, isRowId, jobColumns, jobFromRow } from '../rows.js';
import { claimLimited } from './flow-claim.js';
import { limitedQueues } from './flow-queues.js';

/** Priority levels a claim visits one by one per queue before walking the rest in order. */
export const MAX_LEVELS = 8;

/**
 * The claim and the heartbeat commit without waiting for their WAL to reach the disk
 * (`synchronous_commit = off` for their own transaction only, set from inside the statement: an
 * auto-committed statement has no room for a SET LOCAL of its own). Nothing they write needs
 * to outlive a crash of the database server: a claim undone by one leaves its job pending with
 * its attempt not counted, and the worker's result for it is refused by the finish's fence, so
 * the job runs again, as at-least-once allows after any crash; a lost lease extension only
 * makes the lease end sooner. The finish and the insert stay durable, and a finish's flush
 * takes every earlier WAL record, the claim's included, to disk with it. A claim no longer
 * waits for a disk flush: one fsync less between an enqueue and its job's start, and none
 * per claim under load. Evaluated once per statement (an uncorrelated sub-select), and only
 * when a row is written.
 */
const LAZY_COMMIT = `(SELECT set_config('synchronous_commit', 'off', true)) = 'off'`;

/** The claim statement for schema `s` (exported for the plan tests): pending -> running, core/states.ts. */
export const claimSql = (s: string): string => `
  WITH picked AS MATERIALIZED (
    SELECT j.id
    FROM unnest($2::text[]) WITH ORDINALITY AS q(name, ord)
    CROSS JOIN LATERAL (
      -- The queue's priority levels, lowest first, one jobs_claim seek each, computed only as
      -- far as the outer LIMIT pulls. Level ${MAX_LEVELS} stands for itself and every level above.
      WITH RECURSIVE levels(priority, depth) AS (
        SELECT min(priority), 1 FROM ${s}.jobs WHERE queue = q.name AND state = 'pending'
        UNION ALL
        SELECT (SELECT min(priority) FROM ${s}.jobs
                WHERE queue = q.name AND state = 'pending' AND priority > l.priority),
               l.depth + 1
        FROM levels AS l
        WHERE l.priority IS NOT NULL AND l.depth < ${MAX_LEVELS}
      )
      SELECT priority, depth FROM levels WHERE priority IS NOT NULL
    ) AS l
    CROSS JOIN LATERAL (
      -- One arm runs per level (the other is cut by its one-time filter on l.depth): an index
      -- range (queue, priority, run_at <= now) read in order, or the walk of the rest.
      SELECT id FROM (
        SELECT id FROM ${s}.jobs
        WHERE l.depth < ${MAX_LEVELS} AND queue = q.name AND state = 'pending'
          AND priority = l.priority AND run_at <= now()
        ORDER BY run_at, id
        LIMIT (SELECT $3::integer)
        FOR UPDATE SKIP LOCKED
      ) AS level
      UNION ALL
      SELECT id FROM (
        SELECT id FROM ${s}.jobs
        WHERE l.depth = ${MAX_LEVELS} AND queue = q.name AND state = 'pending'
          AND priority >= l.priority AND run_at <= now()
        ORDER BY priority, run_at, id
        LIMIT (SELECT $3::integer)
        FOR UPDATE SKIP LOCKED
      ) AS rest
    ) AS j
    -- A limited queue is claimed under its row's lock (flow-claim.ts), never here, read live.
    WHERE q.name <> ALL (ARRAY(SELECT name FROM ${s}.queues WHERE paused OR limited))
      -- Idle workers poll often: a queue with nothing due costs one jobs_due seek, no more.
      -- Asked as "is the earliest run_at due", not as EXISTS: the ORDER BY makes the ordered
      -- jobs_due the only cheap plan, where an EXISTS may become a seq-scan semi-join that
      -- reads every due row of the other queues to find none of this one.
      AND (SELECT run_at FROM ${s}.jobs WHERE queue = q.name AND state = 'pending' ORDER BY run_at LIMIT 1) <= now()
    LIMIT (SELECT $3::integer)
  )
  -- A debounce key only matters while its job waits: cleared, so the job may go back to
  -- pending (a retry, a release, a rescue) beside a newer pending job of its key.
  UPDATE ${s}.jobs AS t
  SET state = 'running', attempt = t.attempt + 1, locked_by = $1,
      locked_until = now() + $4 * interval '1 millisecond', started_at = now(), progress = NULL,
      debounce_key = NULL
  -- = ANY(ARRAY(…)) keeps this a primary-key lookup whatever the row estimate of picked. The
  -- state is a sub-select's value, which no partial index's predicate can be proven from: as a
  -- constant, it let the generic plan planned on statistics that counted few pending jobs
  -- read the picked rows through jobs_claim, every pending entry of the table (30,000 pending,
  -- claim of 10: 175 pages and 5 ms to find the 10 rows; by primary key: 3 pages, 0.02 ms).
  WHERE t.id = ANY (ARRAY(SELECT id FROM picked)) AND t.state = (SELECT 'pending')
    AND ${LAZY_COMMIT}
  RETURNING ${jobColumns('t')}`;

const heartbeatSql = (s: string): string => `
  UPDATE ${s}.jobs AS t
  SET locked_until = now() + $4 * interval '1 millisecond'
  FROM unnest($2::bigint[], $3::integer[]) AS r(id, attempt)
  -- id = ANY($2) is redundant with the join; it keeps the plan a primary-key lookup.
  WHERE t.id = ANY ($2::bigint[])
    AND t.id = r.id AND t.attempt = r.attempt AND t.locked_by = $1 AND t.state = 'running'
    AND ${LAZY_COMMIT}
  RETURNING t.id, t.attempt, t.cancel_requested`;

const progressSql = (s: string): string => `
  UPDATE ${s}.jobs SET progress = $4
  WHERE id = $1 AND attempt = $2 AND locked_by = $3 AND state = 'running'
  RETURNING id`;

const cancelRequestedSql = (s: string): string => `
  SELECT id FROM ${s}.jobs
  WHERE state = 'running' AND locked_by = $1 AND cancel_requested
  ORDER BY id`;

/** What `jobClaim` takes, as the Store contract defines it. */
export type ClaimParams = Parameters<Store['jobClaim']>[0];

/**
 * Claims up to `limit` due jobs: the limited queues first, each under its row's lock
 * (flow-claim.ts), then the others in one statement with what is left. Without limited
 * queues this is the one statement alone (the set of limited queues is read at most once a
 * second, see flow-queues.ts).
 */
export async function claimJobs(ctx: PgContext, params: ClaimParams): Promise<JobRecord[]> {
  const queues = [...new Set(params.queues)];
  if (params.limit <= 0 || queues.length === 0) return [];
  const limited = await limitedQueues(ctx);
  const claimed: JobRecord[] = [];
  const plain: string[] = [];
  for (const queue of queues) {
    if (!limited.has(queue)) {
      plain.push(queue);
      continue;
    }
    if (claimed.length >= params.limit) continue;
    const rows = await claimLimited(ctx, { queue, wanted: params.limit - claimed.length, workerId: params.workerId, leaseMs: params.leaseMs });
    if (rows === null) plain.push(queue);
    else claimed.push(...rows.map(jobFromRow));
  }
  const left = params.limit - claimed.length;
  if (left <= 0 || plain.length === 0) return claimed;
  const rows = await ctx.db.rows<JobRow>({
    name: 'ordo_job_claim',
    text: claimSql(ctx.s),
    values: [params.workerId, plain, left, params.leaseMs],
  });
  // RETURNING gives no order guarantee; restore the claim order.
  return [...claimed, ...sortInClaimOrder(rows.map(jobFromRow), plain)];
}

/** Extends held leases; reports refs no longer held and held jobs asked to cancel. */
export async function heartbeatJobs(
  ctx: PgContext,
  params: { readonly workerId: string; readonly jobs: readonly JobRef[]; readonly leaseMs: number },
): Promise<{ lost: string[]; cancelRequested: string[] }> {
  const refs = params.jobs.filter((ref) => isRowId(ref.id));
  const rows =
    refs.length === 0
      ? []
      : await ctx.db.rows<{ id: string; attempt: number; cancel_requested: boolean }>({
          name: 'ordo_job_heartbeat',
          text: heartbeatSql(ctx.s),
          values: [params.workerId, refs.map((ref) => ref.id), refs.map((ref) => ref.attempt), params.leaseMs],
        });
  // Keyed by (id, attempt): a ref naming a held job with the wrong attempt is lost too.
  const held = new Map(rows.map((row) => [`${row.id}:${row.attempt}`, row.cancel_requested]));
  const key = (ref: JobRef): string => `${ref.id}:${ref.attempt}`;
  return {
    lost: params.jobs.filter((ref) => !held.has(key(ref))).map((ref) => ref.id),
    cancelRequested: params.jobs.filter((ref) => held.get(key(ref)) === true).map((ref) => ref.id),
  };
}

/** Records progress of a held attempt; false when the attempt is not held. */
export async function recordProgress(
  ctx: PgContext,
  params: JobRef & { readonly workerId: string; readonly progress: number },
): Promise<boolean> {
  if (!isRowId(params.id)) return false;
  const rows = await ctx.db.rows({
    name: 'ordo_job_progress',
    text: progressSql(ctx.s),
    values: [params.id, params.attempt, params.workerId, params.progress],
  });
  return rows.length > 0;
}

/** Ids of the worker's running jobs whose cancellation was requested. */
export async function cancelRequestedJobs(ctx: PgContext, workerId: string): Promise<string[]> {
  const rows = await ctx.db.rows<{ id: string }>({ name: 'ordo_job_cancel_requested', text: cancelRequestedSql(ctx.s), values: [workerId] });
  return rows.map((row) => row.id);
}
