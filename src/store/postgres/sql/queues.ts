/**
 * Queue-level operations: queueStats (one grouped query over `jobs`, joined with the paused
 * flags in `queues`) and queueSetPaused. A queue needs no row to exist; a row only records
 * that it was paused or resumed. Resuming sends `pg_notify`, since the queue's due jobs
 * become claimable at that moment. Also the queues that have pending jobs, which the
 * listener wakes its subscribers for after it (re)connects.
 */
import type { QueueStats } from '../../../core/types.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';

/** Queues woken at most after a reconnect; more than this many queues is not a real set-up. */
const MAX_PENDING_QUEUES = 1000;

const statsSql = (s: string): string => `
  WITH counts AS (
    SELECT queue,
           count(*) FILTER (WHERE state = 'pending') AS pending,
           count(*) FILTER (WHERE state = 'pending' AND run_at <= now()) AS due,
           count(*) FILTER (WHERE state = 'running') AS running,
           count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE state = 'failed') AS failed,
           count(*) FILTER (WHERE state = 'cancelled') AS cancelled
    FROM ${s}.jobs
    GROUP BY queue
  ),
  names AS (SELECT queue AS name FROM counts UNION SELECT name FROM ${s}.queues)
  SELECT names.name AS queue,
         coalesce(queues.paused, false) AS paused,
         coalesce(counts.pending, 0) AS pending,
         coalesce(counts.due, 0) AS due,
         coalesce(counts.running, 0) AS running,
         coalesce(counts.succeeded, 0) AS succeeded,
         coalesce(counts.failed, 0) AS failed,
         coalesce(counts.cancelled, 0) AS cancelled
  FROM names
  LEFT JOIN counts ON counts.queue = names.name
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

const COUNTS = ['pending', 'due', 'running', 'succeeded', 'failed', 'cancelled'] as const;

type StatsRow = { queue: string; paused: boolean } & Record<(typeof COUNTS)[number], string>;

export async function queueStats(ctx: PgContext): Promise<QueueStats[]> {
  const rows = await ctx.db.rows<StatsRow>({ text: statsSql(ctx.s) });
  return rows.map((row) => {
    const stats: QueueStats = { queue: row.queue, paused: row.paused, pending: 0, due: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    // count(*) is bigint, which node-postgres returns as a string.
    for (const key of COUNTS) stats[key] = Number(row[key]);
    return stats;
  });
}

export async function setQueuePaused(ctx: PgContext, queue: string, paused: boolean): Promise<void> {
  await ctx.db.rows({ text: setPausedSql(ctx.s), values: [queue, paused, ctx.channel] });
}

/** The queues that have pending jobs (due or not), read on `client`. */
export async function queuesWithPendingJobs(ctx: PgContext, client: Queryable): Promise<string[]> {
  const { rows } = await client.query(pendingQueuesSql(ctx.s));
  return (rows as { queue: string }[]).map((row) => row.queue);
}
