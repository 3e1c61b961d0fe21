/**
 * Queue-level operations: queueStats (one statement of grouped reads, joined with the paused
 * flags and flow limits in `queues`) and queueSetPaused. A queue needs no row to exist; a row
 * only records that it was paused or resumed, or its limits (flow-queues.ts). Resuming sends `pg_notify`, since the queue's due jobs
 * become claimable at that moment. Also the queues that have pending jobs, which the
 * listener wakes its subscribers for after it (re)connects.
 *
 * queueStats runs on every dashboard refresh and metrics scrape. The counts per state visit
 * every row, as counts do (an index-only scan of `jobs_queue_state` once the table is
 * vacuumed, or a sequential scan where the planner finds that cheaper); everything else
 * reads only the rows it is about: the pending jobs' due, delayed and oldest due time from
 * `jobs_due` (queue, run_at), the last hour's finishes from a range of `jobs_finished`,
 * instead of testing run_at and finished_at on every row of the table.
 */
import type { QueueStats } from '../../../core/types.js';
import { type FlowRow, flowColumns, limitsFromRow } from './flow-queues.js';
import { LAST_HOUR_MS } from '../../records.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';

/** Queues woken at most after a reconnect; more than this many queues is not a real set-up. */
const MAX_PENDING_QUEUES = 1000;

/** The statement for schema `s` (exported for the plan tests). */
export const statsSql = (s: string): string => `
  WITH counts AS (
    SELECT queue,
           count(*) FILTER (WHERE state = 'pending') AS pending,
           count(*) FILTER (WHERE state = 'running') AS running,
           count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE state = 'failed') AS failed,
           count(*) FILTER (WHERE state = 'cancelled') AS cancelled
    FROM ${s}.jobs
    GROUP BY queue
  ),
  waiting AS (
    SELECT queue,
           count(*) FILTER (WHERE run_at <= now()) AS due,
           count(*) FILTER (WHERE run_at > now()) AS delayed,
           min(run_at) AS first_run_at
    FROM ${s}.jobs WHERE state = 'pending'
    GROUP BY queue
  ),
  recent AS (
    SELECT queue,
           count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE state = 'failed') AS failed
    FROM ${s}.jobs WHERE finished_at > now() - $1 * interval '1 millisecond'
    GROUP BY queue
  ),
  names AS (SELECT queue AS name FROM counts UNION SELECT name FROM ${s}.queues)
  SELECT names.name AS queue,
         coalesce(queues.paused, false) AS paused,
         ${flowColumns('queues')},
         CASE WHEN queues.paused_until > now() THEN queues.paused_until END AS paused_until_now,
         coalesce(counts.pending, 0) AS pending,
         coalesce(waiting.due, 0) AS due,
         coalesce(counts.running, 0) AS running,
         coalesce(counts.succeeded, 0) AS succeeded,
         coalesce(counts.failed, 0) AS failed,
         coalesce(counts.cancelled, 0) AS cancelled,
         coalesce(waiting.delayed, 0) AS delayed,
         coalesce(recent.succeeded, 0) AS succeeded_last_hour,
         coalesce(recent.failed, 0) AS failed_last_hour,
         CASE WHEN waiting.first_run_at <= now()
              THEN floor(extract(epoch FROM now() - waiting.first_run_at) * 1000)::double precision END AS oldest_due_age_ms
  FROM names
  LEFT JOIN counts ON counts.queue = names.name
  LEFT JOIN waiting ON waiting.queue = names.name
  LEFT JOIN recent ON recent.queue = names.name
  LEFT JOIN ${s}.queues AS queues ON queues.name = names.name
  ORDER BY names.name COLLATE "C"`;

const setPausedSql = (s: string): string => `
  WITH saved AS (
    INSERT INTO ${s}.queues (name, paused) VALUES ($1, $2)
    ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
    RETURNING name, paused
  )
  SELECT CASE WHEN paused THEN NULL ELSE pg_notify($3, name) END FROM saved`;

// A "loose index scan" of jobs_due (queue, run_at) over pending rows: one seek per distinct
// queue, however many jobs each has.
const pendingQueuesSql = (s: string): string => `
  WITH RECURSIVE q(queue, n) AS (
    (SELECT queue, 1 FROM ${s}.jobs WHERE state = 'pending' ORDER BY queue LIMIT 1)
    UNION ALL
    SELECT (SELECT queue FROM ${s}.jobs WHERE state = 'pending' AND queue > q.queue ORDER BY queue LIMIT 1), q.n + 1
    FROM q
    WHERE q.queue IS NOT NULL AND q.n < ${MAX_PENDING_QUEUES}
  )
  SELECT queue FROM q WHERE queue IS NOT NULL`;

// count(*) is bigint, which node-postgres returns as a string.
type Count = string;

interface StatsRow extends Record<'pending' | 'due' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'delayed', Count>, Omit<FlowRow, 'fair'> {
  queue: string;
  /** Null for a queue without a row. */
  fair: boolean | null;
  paused_until_now: Date | null;
  paused: boolean;
  succeeded_last_hour: Count;
  failed_last_hour: Count;
  oldest_due_age_ms: number | null;
}

export async function queueStats(ctx: PgContext): Promise<QueueStats[]> {
  const rows = await ctx.db.rows<StatsRow>({ name: 'ordo_queue_stats', text: statsSql(ctx.s), values: [LAST_HOUR_MS] });
  return rows.map((row) => ({
    queue: row.queue,
    paused: row.paused,
    pending: Number(row.pending),
    due: Number(row.due),
    running: Number(row.running),
    succeeded: Number(row.succeeded),
    failed: Number(row.failed),
    cancelled: Number(row.cancelled),
    delayed: Number(row.delayed),
    succeededLastHour: Number(row.succeeded_last_hour),
    failedLastHour: Number(row.failed_last_hour),
    oldestDueAgeMs: row.oldest_due_age_ms,
    limits: limitsFromRow(row.fair === null ? undefined : { ...row, fair: row.fair }),
    pausedUntil: row.paused_until_now,
  }));
}

export async function setQueuePaused(ctx: PgContext, queue: string, paused: boolean): Promise<void> {
  await ctx.db.rows({ text: setPausedSql(ctx.s), values: [queue, paused, ctx.channel] });
}

/** The queues that have pending jobs (due or not), read on `client`. */
export async function queuesWithPendingJobs(ctx: PgContext, client: Queryable): Promise<string[]> {
  const { rows } = await client.query(pendingQueuesSql(ctx.s));
  return (rows as { queue: string }[]).map((row) => row.queue);
}
