/**
 * The fire times of a timing: the next after an instant, the latest at or before one, and
 * a preview of the next few. `every` counts from the Unix epoch; cron defers to
 * schedule-cron.ts (croner plus the DST rule); a one-off fires at its time only.
 */
import { cronLatestAtOrBefore, cronNextAfter } from './schedule-cron.js';
import type { ScheduleTiming } from './types.js';

/** Most fire times `nextFires` lists. */
export const MAX_PREVIEW = 1_000;

/** First fire time strictly after `after`, or null (a one-off whose time is not after it). */
export function nextFireAfter(timing: ScheduleTiming, after: Date): Date | null {
  const t = after.getTime();
  switch (timing.kind) {
    case 'cron': {
      const next = cronNextAfter(timing.cron, timing.tz, t);
      return next === null ? null : new Date(next);
    }
    case 'every':
      return new Date((Math.floor(t / timing.everyMs) + 1) * timing.everyMs);
    case 'once':
      return timing.at.getTime() > t ? new Date(timing.at.getTime()) : null;
  }
}

/**
 * The nextRunAt of a schedule created (or re-timed) at `now`: the first fire time after
 * now, except that a one-off keeps its time even if it has just passed, so it still fires
 * once (its misfire policy decides: `once` and `all` fire it, `skip` only within the grace).
 * `nextFireAfter(timing, now)` would give null there, and the one-off would never fire.
 */
export function initialRunAt(timing: ScheduleTiming, now: Date): Date | null {
  return timing.kind === 'once' ? new Date(timing.at.getTime()) : nextFireAfter(timing, now);
}

/** Last fire time at or before `at`, or null if there is none. */
export function latestFireAtOrBefore(timing: ScheduleTiming, at: Date): Date | null {
  const t = at.getTime();
  switch (timing.kind) {
    case 'cron': {
      const latest = cronLatestAtOrBefore(timing.cron, timing.tz, t);
      return latest === null ? null : new Date(latest);
    }
    case 'every':
      return new Date(Math.floor(t / timing.everyMs) * timing.everyMs);
    case 'once':
      return timing.at.getTime() <= t ? new Date(timing.at.getTime()) : null;
  }
}

/** The next `count` fire times after `after` (at most MAX_PREVIEW), for previews. */
export function nextFires(timing: ScheduleTiming, after: Date, count: number): Date[] {
  const fires: Date[] = [];
  let from: Date | null = after;
  const wanted = Math.min(MAX_PREVIEW, Math.max(0, Math.floor(count)));
  while (fires.length < wanted && from) {
    from = nextFireAfter(timing, from);
    if (from) fires.push(from);
  }
  return fires;
}
