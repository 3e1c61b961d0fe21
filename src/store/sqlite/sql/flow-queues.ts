/**
 * A queue's flow limits as stored in its `queues` row (core/flow.ts): queueLimitsSet,
 * queuePauseFor and queueFlow, and the mapping between the row's columns and `QueueLimits`
 * that queueStats and the limited claim share.
 *
 * `limited` is kept true while any limit is set or a pause is not yet cleared, so the plain
 * claim tells a limited queue from the row it already reads, without judging its limits.
 */
import { type QueueFlow, type QueueLimits, type KeyUsage, isLimited, rateNextStart } from '../../../core/flow.js';
import { ValidationError } from '../../../core/errors.js';
import { limitsFromRow } from '../../records.js';
import type { SqliteConnection } from '../connection.js';

/** The flow columns of a `queues` row, as SQLite returns them. */
export interface FlowRow {
  concurrency: number | null;
  rate_limit: number | null;
  rate_period_ms: number | null;
  rate_burst: number | null;
  key_concurrency: number | null;
  key_rate_limit: number | null;
  key_rate_period_ms: number | null;
  key_rate_burst: number | null;
  fair: number;
  paused_until: number | null;
  rate_tat: number | null;
  rr_key: string | null;
}

/** The flow columns, for statements that read them next to others. */
export const FLOW_COLUMNS = `concurrency, rate_limit, rate_period_ms, rate_burst, key_concurrency,
  key_rate_limit, key_rate_period_ms, key_rate_burst, fair, paused_until, rate_tat, rr_key`;

const FLOW_ROW = `SELECT ${FLOW_COLUMNS} FROM queues WHERE name = ?`;

const SET_LIMITS = `
  INSERT INTO queues (name, concurrency, rate_limit, rate_period_ms, rate_burst, key_concurrency,
                      key_rate_limit, key_rate_period_ms, key_rate_burst, fair, limited)
  VALUES (@queue, @concurrency, @rateLimit, @ratePeriodMs, @rateBurst, @keyConcurrency,
          @keyRateLimit, @keyRatePeriodMs, @keyRateBurst, @fair, @limited)
  ON CONFLICT (name) DO UPDATE SET
    concurrency = excluded.concurrency, rate_limit = excluded.rate_limit,
    rate_period_ms = excluded.rate_period_ms, rate_burst = excluded.rate_burst,
    key_concurrency = excluded.key_concurrency, key_rate_limit = excluded.key_rate_limit,
    key_rate_period_ms = excluded.key_rate_period_ms, key_rate_burst = excluded.key_rate_burst,
    fair = excluded.fair,
    limited = excluded.limited OR COALESCE(queues.paused_until > @now, 0)`;

// A pause only grows: an earlier end (past or not) gives way to the later one.
const PAUSE_FOR = `
  INSERT INTO queues (name, paused_until, limited) VALUES (@queue, @until, 1)
  ON CONFLICT (name) DO UPDATE SET paused_until = MAX(COALESCE(queues.paused_until, 0), excluded.paused_until), limited = 1`;

// Whether the queue exists (jobs or a row), its running and due jobs: one seek each on
// `jobs_queue_state` and `jobs_due`.
const COUNTS = `
  SELECT EXISTS (SELECT 1 FROM jobs WHERE queue = @queue) OR EXISTS (SELECT 1 FROM queues WHERE name = @queue) AS present,
         (SELECT COUNT(*) FROM jobs WHERE queue = @queue AND state = 'running') AS running,
         (SELECT COUNT(*) FROM jobs WHERE queue = @queue AND state = 'pending' AND run_at <= @now) AS due`;

// Index-only on `jobs_key_pending`; the LIMIT keeps the answer small, not the walk.
const BUSIEST_KEYS = `
  SELECT concurrency_key AS key, COUNT(*) AS pending FROM jobs
  WHERE queue = @queue AND state = 'pending' AND concurrency_key IS NOT NULL
  GROUP BY concurrency_key
  ORDER BY pending DESC, key
  LIMIT @limit`;

const KEY_USAGE = `
  SELECT (SELECT COUNT(*) FROM jobs WHERE queue = @queue AND concurrency_key = @key AND state = 'running') AS running,
         (SELECT COUNT(*) FROM jobs WHERE queue = @queue AND concurrency_key = @key AND state = 'pending') AS pending`;

const KEY_TAT = 'SELECT tat FROM flow_keys WHERE queue = ? AND key = ?';

export { limitsFromRow };

/** The pause still in force at `now` (null: none, or over). */
export function pauseOf(pausedUntil: number | null, now: number): Date | null {
  return pausedUntil !== null && pausedUntil > now ? new Date(pausedUntil) : null;
}

export function readFlowRow(c: SqliteConnection, queue: string): FlowRow | undefined {
  return c.prepare(FLOW_ROW).get(queue) as FlowRow | undefined;
}

export function setQueueLimits(c: SqliteConnection, now: number, queue: string, limits: QueueLimits): void {
  c.prepare(SET_LIMITS).run({
    queue,
    now,
    concurrency: limits.concurrency,
    rateLimit: limits.rate?.limit ?? null,
    ratePeriodMs: limits.rate?.periodMs ?? null,
    rateBurst: limits.rate?.burst ?? null,
    keyConcurrency: limits.keyConcurrency,
    keyRateLimit: limits.keyRate?.limit ?? null,
    keyRatePeriodMs: limits.keyRate?.periodMs ?? null,
    keyRateBurst: limits.keyRate?.burst ?? null,
    fair: limits.fair ? 1 : 0,
    limited: isLimited(limits) ? 1 : 0,
  });
}

export function pauseQueueFor(c: SqliteConnection, now: number, queue: string, ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ValidationError('ms', 'a number of milliseconds ≥ 0', ms);
  c.prepare(PAUSE_FOR).run({ queue, until: Math.ceil(now + ms) });
}

export interface FlowQuery {
  queue: string;
  busiestKeys?: number;
  key?: string | null;
}

/** The queue's limits and what they hold back now; null when it has neither jobs nor a row. */
export function readQueueFlow(c: SqliteConnection, now: number, query: FlowQuery): QueueFlow | null {
  const { queue } = query;
  const busiest = query.busiestKeys ?? 0;
  if (!Number.isInteger(busiest) || busiest < 0) throw new ValidationError('busiestKeys', 'a whole number ≥ 0', query.busiestKeys);
  return c.read(() => {
    const counts = c.prepare(COUNTS).get({ queue, now }) as { present: number; running: number; due: number };
    if (counts.present === 0) return null;
    const row = readFlowRow(c, queue);
    const limits = limitsFromRow(row);
    const usage = (key: string): KeyUsage => ({ key, ...(c.prepare(KEY_USAGE).get({ queue, key }) as { running: number; pending: number }) });
    const keys = busiest === 0 ? [] : (c.prepare(BUSIEST_KEYS).all({ queue, limit: busiest }) as { key: string }[]).map((r) => usage(r.key));
    const key = query.key === undefined || query.key === null ? null : query.key;
    const keyTat = key === null || !limits.keyRate ? undefined : (c.prepare(KEY_TAT).get(queue, key) as { tat: number } | undefined);
    const keyNext = keyTat && limits.keyRate ? rateNextStart(limits.keyRate, keyTat.tat, now) : null;
    const next = limits.rate ? rateNextStart(limits.rate, row?.rate_tat ?? null, now) : null;
    return {
      queue,
      limits,
      pausedUntil: pauseOf(row?.paused_until ?? null, now),
      running: counts.running,
      due: counts.due,
      nextStartAt: next === null ? null : new Date(next),
      busiestKeys: keys,
      key: key === null ? null : usage(key),
      keyNextStartAt: keyNext === null ? null : new Date(keyNext),
    };
  });
}
