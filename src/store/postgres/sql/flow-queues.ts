/**
 * A queue's flow limits as stored in its `queues` row (core/flow.ts): queueLimitsSet,
 * queuePauseFor and queueFlow, the mapping between the row's columns and `QueueLimits` that
 * queueStats and the limited claim share, and the store's cached set of limited queues.
 *
 * `limited` is kept true while any limit is set or a pause is not yet cleared, so the plain
 * claim statement tells a limited queue from the row it already reads, without judging its
 * limits. Rate state (`rate_tat`, `flow_keys.tat`) is epoch milliseconds, fractional, as
 * core/flow.ts computes it.
 */
import { type KeyUsage, type QueueFlow, type QueueLimits, rateNextStart } from '../../../core/flow.js';
import { limitsFromRow } from '../../records.js';
import type { PgContext } from '../context.js';

/** The flow columns of a `queues` row, as node-postgres returns them (bigint as a string). */
export interface FlowRow {
  concurrency: number | null;
  rate_limit: number | null;
  rate_period_ms: string | null;
  rate_burst: number | null;
  key_concurrency: number | null;
  key_rate_limit: number | null;
  key_rate_period_ms: string | null;
  key_rate_burst: number | null;
  fair: boolean;
  paused_until: Date | null;
  rate_tat: number | null;
  rr_key: string | null;
}

/** The flow columns, qualified by `alias`, for statements that read them next to others. */
export function flowColumns(alias: string): string {
  return ['concurrency', 'rate_limit', 'rate_period_ms', 'rate_burst', 'key_concurrency', 'key_rate_limit', 'key_rate_period_ms', 'key_rate_burst', 'fair', 'paused_until', 'rate_tat', 'rr_key']
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

/** SQL true when the row `alias` holds any limit (the `limited` flag, without the pause). */
export function anyLimitSql(alias: string): string {
  return `(${alias}.concurrency IS NOT NULL OR ${alias}.rate_limit IS NOT NULL OR ${alias}.key_concurrency IS NOT NULL
           OR ${alias}.key_rate_limit IS NOT NULL OR ${alias}.fair)`;
}

export { limitsFromRow };

const setLimitsSql = (s: string): string => `
  WITH saved AS (
    INSERT INTO ${s}.queues AS q (name, concurrency, rate_limit, rate_period_ms, rate_burst, key_concurrency,
                                  key_rate_limit, key_rate_period_ms, key_rate_burst, fair, limited)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (name) DO UPDATE SET
      concurrency = excluded.concurrency, rate_limit = excluded.rate_limit,
      rate_period_ms = excluded.rate_period_ms, rate_burst = excluded.rate_burst,
      key_concurrency = excluded.key_concurrency, key_rate_limit = excluded.key_rate_limit,
      key_rate_period_ms = excluded.key_rate_period_ms, key_rate_burst = excluded.key_rate_burst,
      fair = excluded.fair,
      limited = excluded.limited OR coalesce(q.paused_until > statement_timestamp(), false)
    RETURNING name
  )
  -- A raised or cleared limit may make due jobs claimable at once: wake the queue's workers.
  SELECT pg_notify($12, name) FROM saved`;

// A pause only grows: an earlier end (past or not) gives way to the later one.
const pauseForSql = (s: string): string => `
  INSERT INTO ${s}.queues AS q (name, paused_until, limited)
  VALUES ($1, statement_timestamp() + $2 * interval '1 millisecond', true)
  ON CONFLICT (name) DO UPDATE SET paused_until = greatest(q.paused_until, excluded.paused_until), limited = true`;

// Whether the queue exists (jobs or a row), its flow row, running and due jobs (one seek each
// on jobs_queue_state and jobs_due), and the asked key's use and rate state.
const flowSql = (s: string): string => `
  SELECT EXISTS (SELECT 1 FROM ${s}.jobs WHERE queue = $1) OR q.name IS NOT NULL AS present,
         ${flowColumns('q')},
         extract(epoch FROM statement_timestamp())::double precision * 1000 AS now_ms,
         (SELECT count(*) FROM ${s}.jobs WHERE queue = $1 AND state = 'running') AS running,
         (SELECT count(*) FROM ${s}.jobs WHERE queue = $1 AND state = 'pending' AND run_at <= statement_timestamp()) AS due,
         (SELECT count(*) FROM ${s}.jobs WHERE $2::text IS NOT NULL AND queue = $1 AND concurrency_key = $2 AND state = 'running') AS key_running,
         (SELECT count(*) FROM ${s}.jobs WHERE $2::text IS NOT NULL AND queue = $1 AND concurrency_key = $2 AND state = 'pending') AS key_pending,
         (SELECT tat FROM ${s}.flow_keys WHERE $2::text IS NOT NULL AND queue = $1 AND key = $2) AS key_tat
  FROM (SELECT 1) AS one
  LEFT JOIN ${s}.queues AS q ON q.name = $1`;

// Index-only on jobs_key_pending for the counts, then jobs_key_running per listed key; the
// LIMIT keeps the answer small, not the walk.
const busiestKeysSql = (s: string): string => `
  SELECT b.key, b.pending,
         (SELECT count(*) FROM ${s}.jobs WHERE queue = $1 AND concurrency_key = b.key AND state = 'running') AS running
  FROM (
    SELECT concurrency_key AS key, count(*) AS pending FROM ${s}.jobs
    WHERE queue = $1 AND state = 'pending' AND concurrency_key IS NOT NULL
    GROUP BY concurrency_key
    ORDER BY pending DESC, key
    LIMIT $2
  ) AS b
  ORDER BY b.pending DESC, b.key`;

const limitedSql = (s: string): string => `SELECT name FROM ${s}.queues WHERE limited`;

type Count = string;

interface FlowReadRow extends Partial<FlowRow> {
  present: boolean;
  now_ms: number;
  running: Count;
  due: Count;
  key_running: Count;
  key_pending: Count;
  key_tat: number | null;
}

export async function setQueueLimits(ctx: PgContext, queue: string, limits: QueueLimits): Promise<void> {
  const { concurrency, rate, keyConcurrency, keyRate, fair } = limits;
  const limited = concurrency !== null || rate !== null || keyConcurrency !== null || keyRate !== null || fair;
  await ctx.db.rows({
    text: setLimitsSql(ctx.s),
    values: [
      queue, concurrency, rate?.limit ?? null, rate?.periodMs ?? null, rate?.burst ?? null, keyConcurrency,
      keyRate?.limit ?? null, keyRate?.periodMs ?? null, keyRate?.burst ?? null, fair, limited, ctx.channel,
    ],
  });
  forgetLimitedQueues(ctx);
}

export async function pauseQueueFor(ctx: PgContext, queue: string, ms: number): Promise<void> {
  await ctx.db.rows({ text: pauseForSql(ctx.s), values: [queue, ms] });
  forgetLimitedQueues(ctx);
}

export async function queueFlow(
  ctx: PgContext,
  params: { readonly queue: string; readonly busiestKeys?: number; readonly key?: string | null },
): Promise<QueueFlow | null> {
  const key = params.key ?? null;
  const [row] = await ctx.db.rows<FlowReadRow>({ name: 'ordo_queue_flow', text: flowSql(ctx.s), values: [params.queue, key] });
  if (!row?.present) return null;
  const flowRow = row.fair === null || row.fair === undefined ? undefined : (row as FlowRow);
  const limits = limitsFromRow(flowRow);
  const now = row.now_ms;
  const pausedUntil = flowRow?.paused_until && flowRow.paused_until.getTime() > now ? flowRow.paused_until : null;
  const busiest = Math.max(0, Math.floor(params.busiestKeys ?? 0));
  const busiestKeys =
    busiest === 0
      ? []
      : (await ctx.db.rows<{ key: string; pending: Count; running: Count }>({ name: 'ordo_queue_busiest_keys', text: busiestKeysSql(ctx.s), values: [params.queue, busiest] })).map(
          (b): KeyUsage => ({ key: b.key, running: Number(b.running), pending: Number(b.pending) }),
        );
  const at = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
  return {
    queue: params.queue,
    limits,
    pausedUntil,
    running: Number(row.running),
    due: Number(row.due),
    nextStartAt: limits.rate ? at(rateNextStart(limits.rate, flowRow?.rate_tat ?? null, now)) : null,
    busiestKeys,
    key: key === null ? null : { key, running: Number(row.key_running), pending: Number(row.key_pending) },
    keyNextStartAt: key !== null && limits.keyRate ? at(rateNextStart(limits.keyRate, row.key_tat, now)) : null,
  };
}

/**
 * Which queues are limited, as this store last read it: read again at most once a second,
 * and only when a claim asks (an idle worker issues no extra statement), and at once after
 * this store changed a limit or a pause. A stale answer only delays a queue's switch between
 * the claim paths: the plain claim statement reads `limited` live and never claims a limited
 * queue, and the limited claim takes a queue that turns out unlimited the plain way.
 */
interface LimitedCache {
  names: ReadonlySet<string>;
  readAt: number;
  /** Moves on with every change of this store's own: a read begun before it is stale. */
  generation: number;
  reading: Promise<ReadonlySet<string>> | null;
}

const LIMITED_CACHE_MS = 1_000;
const limitedCaches = new WeakMap<PgContext, LimitedCache>();

function cacheOf(ctx: PgContext): LimitedCache {
  let cache = limitedCaches.get(ctx);
  if (!cache) {
    cache = { names: new Set(), readAt: -Infinity, generation: 0, reading: null };
    limitedCaches.set(ctx, cache);
  }
  return cache;
}

/** The store's limited queues (see `LimitedCache`). */
export async function limitedQueues(ctx: PgContext): Promise<ReadonlySet<string>> {
  const cache = cacheOf(ctx);
  if (performance.now() - cache.readAt < LIMITED_CACHE_MS) return cache.names;
  if (cache.readAt > -Infinity) {
    // Read before and not changed here since: the claim goes on with what was read (a stale
    // answer only delays a switch, see above) while it is read again, so the claim of a worker
    // woken after a quiet second waits for one round trip, not two. A failed read is retried
    // by the next claim.
    if (!cache.reading) readLimited(ctx, cache).catch(() => undefined);
    return cache.names;
  }
  return readLimited(ctx, cache);
}

async function readLimited(ctx: PgContext, cache: LimitedCache): Promise<ReadonlySet<string>> {
  if (cache.reading) return cache.reading;
  const { generation } = cache;
  const startedAt = performance.now();
  const reading = ctx.db
    .rows<{ name: string }>({ name: 'ordo_queue_limited', text: limitedSql(ctx.s) })
    .then((rows): ReadonlySet<string> => new Set(rows.map((row) => row.name)));
  cache.reading = reading;
  try {
    const names = await reading;
    if (cache.generation === generation) {
      cache.names = names;
      cache.readAt = startedAt;
    }
    return names;
  } finally {
    if (cache.reading === reading) cache.reading = null;
  }
}

/** Makes the next claim read the limited queues again (after this store changed them). */
export function forgetLimitedQueues(ctx: PgContext): void {
  const cache = cacheOf(ctx);
  cache.generation++;
  cache.readAt = -Infinity;
  cache.reading = null;
}
