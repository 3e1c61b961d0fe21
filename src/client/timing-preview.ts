/**
 * A schedule's timing checked and previewed before it is saved: the dashboard's schedule form
 * shows the next fires in the schedule's zone as the user types, and the field's error when
 * the timing is wrong. The checks are the ones `schedules.add` applies (the same fields named,
 * the same words), so a timing the preview accepts is one the schedule accepts.
 */
import { ValidationError } from '../core/errors.js';
import { nextFires, resolveTiming, type TimingSpec } from '../core/schedule-timing.js';

/** A timing to preview: exactly one of `cron`, `every` and `at`, a zone, and how many fires. */
export interface TimingPreviewSpec extends TimingSpec {
  /** How many fire times. @defaultValue 5 */
  count?: number;
}

/** Most fire times one preview lists. */
export const MAX_PREVIEW_COUNT = 50;
const DEFAULT_PREVIEW_COUNT = 5;
const TIMING_KEYS = ['cron', 'every', 'at'] as const;

/** The next fire times of a timing after `now`, or the ValidationError its schedule would get. */
export function previewTiming(spec: TimingPreviewSpec, now: Date): Date[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ValidationError('timing', "an object such as { cron: '0 9 * * 1-5', tz: 'Europe/London' }", spec);
  }
  const count = checkPreviewCount(spec.count);
  // Named as `schedules.add` names it, so a form shows the message next to the same field.
  const given = TIMING_KEYS.filter((key) => spec[key] !== undefined);
  if (given.length !== 1) {
    throw new ValidationError(given[0] ?? 'cron', 'exactly one of cron, every or at', given.length === 0 ? undefined : Object.fromEntries(given.map((k) => [k, spec[k]])));
  }
  const timing = resolveTiming(spec);
  if (timing.kind === 'once' && timing.at.getTime() <= now.getTime()) throw new ValidationError('at', 'a time in the future', timing.at.toISOString());
  return nextFires(timing, now, count);
}

export function checkPreviewCount(count: unknown = DEFAULT_PREVIEW_COUNT): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_COUNT) {
    throw new ValidationError('count', `a whole number from 1 to ${MAX_PREVIEW_COUNT}`, count);
  }
  return count;
}
