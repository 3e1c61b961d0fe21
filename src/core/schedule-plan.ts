/**
 * What a due schedule fires, by its misfire policy. The store calls `planFires` inside the
 * transaction that writes the fire ledger, so it must be pure and quick: it never walks
 * every missed fire time, only the latest few, however long no scheduler ran.
 */
import { DEFAULTS } from './defaults.js';
import { latestFireAtOrBefore, nextFireAfter } from './schedule-fires.js';
import type { ScheduleRecord, ScheduleTiming } from './types.js';

/** A fire time is on time while now is at most this far past it. */
export const MISFIRE_GRACE_MS = DEFAULTS.schedules.misfireGraceMs;

/** Fire times to enqueue now and the schedule's next fire time. */
export interface FirePlan {
  /** Strictly increasing, all within [nextRunAt, now]. */
  fireTimes: Date[];
  /** The first fire time strictly after now; null once a one-off has fired. */
  nextRunAt: Date | null;
}

/**
 * Decides the fires of a due schedule (nextRunAt <= now). Due fire times are those in
 * [nextRunAt, now]; `skip` fires only the latest if it is within MISFIRE_GRACE_MS of now;
 * `once` fires the latest; `all` fires every due time, the latest `misfireLimit` of them.
 */
export function planFires(s: Pick<ScheduleRecord, 'timing' | 'nextRunAt' | 'misfire' | 'misfireLimit'>, now: Date): FirePlan {
  if (s.nextRunAt === null) return { fireTimes: [], nextRunAt: null };
  if (s.nextRunAt.getTime() > now.getTime()) return { fireTimes: [], nextRunAt: s.nextRunAt };
  const nextRunAt = nextFireAfter(s.timing, now);
  const limit = s.misfire === 'all' ? boundedLimit(s.misfireLimit) : 1;
  const due = latestDue(s.timing, s.nextRunAt, now, limit);
  const latest = due.at(-1);
  if (s.misfire === 'skip' && latest && now.getTime() - latest.getTime() > MISFIRE_GRACE_MS) return { fireTimes: [], nextRunAt };
  return { fireTimes: due, nextRunAt };
}

/** The latest `limit` fire times in [from, now], oldest first. */
function latestDue(timing: ScheduleTiming, from: Date, now: Date, limit: number): Date[] {
  const due: Date[] = [];
  let at: Date | null = now;
  while (due.length < limit && at) {
    const fire = latestFireAtOrBefore(timing, at);
    if (!fire || fire.getTime() < from.getTime()) break;
    due.push(fire);
    at = new Date(fire.getTime() - 1);
  }
  return due.reverse();
}

/** `misfireLimit` as a count of at least 1 (the default when it is not a number). */
function boundedLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : DEFAULTS.schedules.misfireLimit;
}
