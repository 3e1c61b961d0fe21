/**
 * Flow control: the limits a queue may carry, as data, and the pure rules both engines apply
 * when they claim. A queue without limits is claimed as before, at no extra cost; a queue
 * with any limit is claimed under its row's lock (one claimer at a time), so every worker
 * on every machine shares one count.
 *
 * - `concurrency`: at most N jobs of the queue running at once, across all workers.
 * - `rate`: at most `limit` starts per `periodMs`, smooth: starts are spaced by
 *   `periodMs / limit` (a "generic cell rate" schedule, GCRA), with up to `burst` starts at
 *   once after a quiet spell (`burst: 1`, the default, allows none early).
 * - `keyConcurrency` / `keyRate`: the same per `concurrencyKey` of a job (a customer id…);
 *   jobs of a key at its limit wait without holding up other keys. A key costs nothing once
 *   it has no jobs (its rate state is dropped once it no longer limits anything).
 * - `fair`: keys take turns (round robin); implied by a per-key limit. Jobs without a key
 *   take their turn together, as one more key without a per-key limit.
 * - a handler that was rate limited by what it calls (`RateLimitedError`) pauses the queue's
 *   starts until `pausedUntil`.
 */
import { parseDuration } from './duration.js';
import { ValidationError } from './errors.js';

/** At most `limit` starts per `periodMs`; up to `burst` of them at once after a quiet spell. */
export interface RateLimit {
  limit: number;
  periodMs: number;
  burst: number;
}

export interface QueueLimits {
  concurrency: number | null;
  rate: RateLimit | null;
  keyConcurrency: number | null;
  keyRate: RateLimit | null;
  fair: boolean;
}

export const NO_LIMITS: QueueLimits = { concurrency: null, rate: null, keyConcurrency: null, keyRate: null, fair: false };

/** Whether a queue with these limits (and this pause) takes the limited claim path. */
export function isLimited(limits: QueueLimits, pausedUntil: Date | null = null): boolean {
  return limits.concurrency !== null || limits.rate !== null || keyed(limits) || pausedUntil !== null;
}

/** Whether the queue's claim takes keys in turns. */
export function keyed(limits: QueueLimits): boolean {
  return limits.fair || limits.keyConcurrency !== null || limits.keyRate !== null;
}

/** What one key of a queue holds now. */
export interface KeyUsage {
  key: string;
  running: number;
  pending: number;
}

/** A queue's limits and what they hold back now. */
export interface QueueFlow {
  queue: string;
  limits: QueueLimits;
  /** Starts paused until then by a handler's `RateLimitedError`; null when not paused. */
  pausedUntil: Date | null;
  running: number;
  /** Pending jobs that are due now (some of them may be held back by a limit). */
  due: number;
  /** Earliest time the queue's rate allows its next start (null: now, or no rate). */
  nextStartAt: Date | null;
  /** The keys with the most pending jobs (most first; ties by key), up to the asked count. */
  busiestKeys: KeyUsage[];
  /** The asked key's use (null when none was asked). */
  key: KeyUsage | null;
  /** Earliest time the asked key's rate allows its next start (null: now, or no key rate). */
  keyNextStartAt: Date | null;
}

const MAX_LIMIT = 1_000_000;
const RATE = /^\s*(\d+)\s*\/\s*(\S+)\s*$/;

/** Parses `100/1m` (100 starts per minute; `/s`, `/m`, `/h` mean per one of them) into a rate. */
export function parseRate(input: unknown, field = 'rate', burst: unknown = undefined): RateLimit {
  const expected = 'starts per period such as 100/1m, 20/s or 5/10s';
  if (typeof input !== 'string') throw new ValidationError(field, expected, input);
  const match = RATE.exec(input);
  if (!match) throw new ValidationError(field, expected, input);
  const limit = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  const period = /^\d/.test(unit) ? unit : `1${unit}`;
  let periodMs: number;
  try {
    periodMs = parseDuration(period, field);
  } catch {
    throw new ValidationError(field, expected, input);
  }
  return checkRate({ limit, periodMs, burst: burst ?? 1 }, field);
}

/** Checks a rate given as an object; refuses a rate finer than one start per millisecond. */
export function checkRate(rate: unknown, field = 'rate'): RateLimit {
  if (typeof rate !== 'object' || rate === null) throw new ValidationError(field, 'a rate such as { limit: 100, periodMs: 60000, burst: 1 }', rate);
  const { limit, periodMs, burst } = rate as Partial<RateLimit>;
  checkCount(limit, `${field}.limit`);
  if (typeof periodMs !== 'number' || !Number.isInteger(periodMs) || periodMs < 1) throw new ValidationError(`${field}.periodMs`, 'a whole number of milliseconds ≥ 1', periodMs);
  if (periodMs / (limit as number) < 1) throw new ValidationError(field, 'at most one start per millisecond (1000/1s)', rate);
  const b = burst ?? 1;
  checkCount(b, `${field}.burst`);
  return { limit: limit as number, periodMs, burst: b as number };
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw new ValidationError(field, `a whole number from 1 to ${MAX_LIMIT}`, value);
  }
  return value;
}

/** Checks limits as the client receives them (null or absent: no such limit). */
export function checkQueueLimits(input: unknown): QueueLimits {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('limits', 'an object such as { concurrency: 3, rate: "100/1m" }', input);
  }
  const given = input as Record<string, unknown>;
  const known = new Set(['concurrency', 'rate', 'keyConcurrency', 'keyRate', 'fair']);
  for (const name of Object.keys(given)) {
    if (!known.has(name)) throw new ValidationError(`limits.${name}`, `one of ${[...known].join(', ')}`, name);
  }
  const count = (name: string): number | null => (given[name] === undefined || given[name] === null ? null : checkCount(given[name], `limits.${name}`));
  const rate = (name: string): RateLimit | null => {
    const value = given[name];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? parseRate(value, `limits.${name}`) : checkRate(value, `limits.${name}`);
  };
  if (given.fair !== undefined && typeof given.fair !== 'boolean') throw new ValidationError('limits.fair', 'true or false', given.fair);
  return { concurrency: count('concurrency'), rate: rate('rate'), keyConcurrency: count('keyConcurrency'), keyRate: rate('keyRate'), fair: given.fair === true };
}

/**
 * How many starts a rate allows at `now` given its state `tat` (the "theoretical arrival
 * time": when the schedule of starts so far would next allow one; null: never started, or
 * idle long enough to count as such), and the state after taking `taken` of them. Every
 * start moves `tat` on by one interval (`periodMs / limit`) from where the schedule stands
 * (`scheduleFrom`); a start is allowed while `tat` stays within `burst - 1` intervals ahead
 * of `now`.
 */
export function rateAllowance(rate: RateLimit, tat: number | null, now: number): number {
  const interval = rate.periodMs / rate.limit;
  const slack = now + (rate.burst - 1) * interval - scheduleFrom(interval, tat, now);
  return slack < 0 ? 0 : Math.floor(slack / interval + 1e-9) + 1;
}

/** The rate state after `taken` starts at `now` (see `rateAllowance`). */
export function rateAfter(rate: RateLimit, tat: number | null, now: number, taken: number): number {
  const interval = rate.periodMs / rate.limit;
  return scheduleFrom(interval, tat, now) + taken * interval;
}

/**
 * Where the next start's slot begins. A claim that comes less than one interval after `tat`
 * keeps the schedule (the slot began at `tat`): workers poll a little late, and counting from
 * `now` would lose that lateness at every start (20/s over 10 s gave ~180 starts). A claim
 * later than that counts from `now`: an idle spell never earns more than `burst` at once.
 * Both engines apply this same rule (PostgreSQL in SQL: postgres/sql/flow-claim.ts).
 */
function scheduleFrom(interval: number, tat: number | null, now: number): number {
  if (tat !== null && now >= tat && now - tat < interval) return tat;
  return Math.max(tat ?? now, now);
}

/**
 * Whether a rate state still says anything at `now` (else it may be dropped, as if never
 * started): a future one holds starts back, one less than an interval past keeps the schedule.
 */
export function rateStateLive(rate: RateLimit, tat: number, now: number): boolean {
  return now - tat < rate.periodMs / rate.limit;
}

/** When a rate with state `tat` allows its next start (null: now). */
export function rateNextStart(rate: RateLimit, tat: number | null, now: number): number | null {
  if (tat === null) return null;
  const at = tat - (rate.burst - 1) * (rate.periodMs / rate.limit);
  return at > now ? at : null;
}

/** Formats a rate as `ordo queues limit` takes it: `100/1m`. */
export function formatRate(rate: RateLimit): string {
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1_000, 's']];
  const unit = units.find(([ms]) => rate.periodMs % ms === 0);
  const period = unit ? `${rate.periodMs / unit[0]}${unit[1]}` : `${rate.periodMs}ms`;
  return `${rate.limit}/${period}${rate.burst > 1 ? ` (burst ${rate.burst})` : ''}`;
}

/**
 * Why a due pending job waits, named after the limit that holds it (null: no limit holds it;
 * it waits for a free worker). `flow` is its queue's flow, read with the job's key.
 */
export function flowWaitReason(job: { concurrencyKey: string | null }, flow: QueueFlow, now: number): string | null {
  const { limits } = flow;
  if (flow.pausedUntil && flow.pausedUntil.getTime() > now) return `queue ${flow.queue} paused until ${flow.pausedUntil.toISOString()} (a handler reported a rate limit)`;
  if (limits.concurrency !== null && flow.running >= limits.concurrency) return `queue ${flow.queue} concurrency limit: ${flow.running} of ${limits.concurrency} running`;
  if (limits.rate && flow.nextStartAt && flow.nextStartAt.getTime() > now) return `queue ${flow.queue} rate limit ${formatRate(limits.rate)}: next start at ${flow.nextStartAt.toISOString()}`;
  const key = job.concurrencyKey;
  if (key !== null && flow.key) {
    if (limits.keyConcurrency !== null && flow.key.running >= limits.keyConcurrency) return `key ${key} concurrency limit: ${flow.key.running} of ${limits.keyConcurrency} running`;
    if (limits.keyRate && flow.keyNextStartAt && flow.keyNextStartAt.getTime() > now) return `key ${key} rate limit ${formatRate(limits.keyRate)}: next start at ${flow.keyNextStartAt.toISOString()}`;
  }
  return null;
}
