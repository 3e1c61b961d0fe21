/**
 * What both engines share about schedules, apart from SQL: how a timing is stored in three
 * columns (`timing_kind`, `timing_expr`, `tz`) and read back, when two definitions are the
 * same (so `sync` writes only real changes), the job a fire enqueues, and which fires the
 * overlap policy skips. Keeping these here means the engines cannot drift apart on them.
 */
import { isDeepStrictEqual } from 'node:util';
import { DEFAULTS } from '../core/defaults.js';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { JobInsert, JobState, OverlapPolicy, ScheduleFire, ScheduleInput, ScheduleJobTemplate, ScheduleRecord, ScheduleTiming } from '../core/types.js';

/** Default number of jobs (and of ledger rows) one `jobPrune` call deletes. */
export const DEFAULT_PRUNE_LIMIT = 1000;

/** A timing as stored: the cron expression, the interval in ms, or the one-off time in ISO 8601. */
export interface StoredTiming {
  kind: ScheduleTiming['kind'];
  expr: string;
  tz: string;
}

export function storedTiming(timing: ScheduleTiming): StoredTiming {
  switch (timing.kind) {
    case 'cron':
      return { kind: 'cron', expr: timing.cron, tz: timing.tz };
    case 'every':
      return { kind: 'every', expr: String(timing.everyMs), tz: timing.tz };
    case 'once':
      return { kind: 'once', expr: timing.at.toISOString(), tz: timing.tz };
  }
}

export function timingFromStored(kind: string, expr: string, tz: string): ScheduleTiming {
  if (kind === 'cron') return { kind, cron: expr, tz };
  if (kind === 'every') return { kind, everyMs: Number(expr), tz };
  return { kind: 'once', at: new Date(expr), tz };
}

/** The fields of a definition, and only those, so stored and given ones compare alike. */
function definition(input: ScheduleInput): unknown {
  const { job } = input;
  return {
    name: input.name,
    timing: storedTiming(input.timing),
    job: {
      task: job.task,
      queue: job.queue,
      payload: job.payload ?? null,
      priority: job.priority,
      maxAttempts: job.maxAttempts,
      timeoutMs: job.timeoutMs,
      backoffBaseMs: job.backoffBaseMs,
      backoffCapMs: job.backoffCapMs,
    },
    misfire: input.misfire,
    misfireLimit: input.misfireLimit,
    overlap: input.overlap,
    source: input.source,
  };
}

/** True when the two definitions would store the same columns (payload key order ignored). */
export function sameDefinition(a: ScheduleInput, b: ScheduleInput): boolean {
  return isDeepStrictEqual(definition(a), definition(b));
}

export function sameTiming(a: ScheduleTiming, b: ScheduleTiming): boolean {
  return isDeepStrictEqual(storedTiming(a), storedTiming(b));
}

/** The job one fire enqueues: the template, due now, without a unique key. */
export function jobFromTemplate(job: ScheduleJobTemplate): JobInsert {
  return {
    task: job.task,
    queue: job.queue,
    payload: job.payload ?? null,
    priority: job.priority,
    runAt: null,
    delayMs: 0,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    backoffBaseMs: job.backoffBaseMs,
    backoffCapMs: job.backoffCapMs,
    uniqueKey: null,
  };
}

/** Does `overlap` skip a fire while the last job enqueued is in `lastJobState` (null: none)? */
export function overlapSkips(overlap: OverlapPolicy, lastJobState: JobState | null): boolean {
  if (overlap === 'skip') return lastJobState === 'pending' || lastJobState === 'running';
  if (overlap === 'queue') return lastJobState === 'pending';
  return false;
}

/**
 * For the new fire times of one schedule (oldest first), whether each enqueues a job: a job
 * enqueued by an earlier one of them is pending, which the next one's overlap check sees.
 */
export function decideFires(overlap: OverlapPolicy, lastJobState: JobState | null, count: number): boolean[] {
  let state = lastJobState;
  return Array.from({ length: count }, () => {
    if (overlapSkips(overlap, state)) return false;
    state = 'pending';
    return true;
  });
}

/** Distinct fire times, oldest first (a plan may repeat one; the ledger keeps one row per time). */
export function sortedFireTimes(fireTimes: readonly Date[]): Date[] {
  return [...new Set(fireTimes.map((t) => t.getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
}

/** The error of `create` for a name that is taken. */
export function scheduleExists(name: string): ConflictError {
  return new ConflictError(`schedule ${JSON.stringify(name)} already exists; choose another name, or update it instead`, {
    details: { name },
  });
}

/** Checks `limit` of scheduleFireDue: a whole number >= 1. */
export function checkLimit(limit: unknown, field = 'limit'): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) throw new ValidationError(field, 'a whole number >= 1', limit);
  return limit;
}

/** Checks the params of jobPrune: an age in ms >= 0 and an optional limit >= 1. */
export function checkPrune(params: { readonly olderThanMs: number; readonly limit?: number }): { olderThanMs: number; limit: number } {
  const { olderThanMs, limit = DEFAULT_PRUNE_LIMIT } = params;
  if (typeof olderThanMs !== 'number' || !Number.isSafeInteger(olderThanMs) || olderThanMs < 0) {
    throw new ValidationError('olderThanMs', 'a whole number of milliseconds >= 0', olderThanMs);
  }
  return { olderThanMs, limit: checkLimit(limit) };
}

/** The ledger row a fire just wrote: its job pending, or none when the overlap policy skipped it. */
export function newFire(schedule: ScheduleRecord, fireTime: Date, firedAt: Date, jobId: string | null, manual: boolean): ScheduleFire {
  return {
    scheduleId: schedule.id,
    schedule: schedule.name,
    fireTime,
    firedAt,
    jobId,
    manual,
    skipped: jobId === null ? 'overlap' : null,
    jobState: jobId === null ? null : 'pending',
  };
}

/** Ledger rows `scheduleHistory` returns when no limit is given. */
export const DEFAULT_HISTORY_LIMIT: number = DEFAULTS.schedules.historyLimit;
