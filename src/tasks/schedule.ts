/**
 * A schedule declared next to its task (`defineTask(name, { schedule: { cron: '0 9 * * *' } })`)
 * and the checks every schedule's policies pass, wherever it is declared: in code, through
 * the client or on the command line. Errors name the field and list the accepted values.
 */
import { renameField, ValidationError } from '../core/errors.js';
import { resolveTiming } from '../core/schedule-timing.js';
import type { MisfirePolicy, OverlapPolicy, ScheduleTiming } from '../core/types.js';

export const MISFIRE_POLICIES: readonly MisfirePolicy[] = ['skip', 'once', 'all'];
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['allow', 'skip', 'queue'];
/** Most missed fires `misfire: 'all'` may be told to enqueue at once. */
export const MAX_MISFIRE_LIMIT = 10_000;

/** A schedule in a task's options: when it fires, and what payload the job gets. */
export interface TaskSchedule {
  /** A cron expression (5 or 6 fields, or `@daily` …). One of `cron`, `every` or `at`. */
  cron?: string;
  /** An interval: milliseconds or a duration such as `30s`; fires at multiples of it since the epoch. */
  every?: string | number;
  /** A single time: a Date, ISO 8601 text or epoch seconds. */
  at?: string | number | Date;
  /** IANA time zone the cron expression is read in. @defaultValue 'UTC' */
  tz?: string;
  /** Payload of every job it enqueues. @defaultValue {} */
  payload?: unknown;
  /** The schedule's name. @defaultValue the task's name */
  name?: string;
  /** @defaultValue 'once' */
  misfire?: MisfirePolicy;
  /** Most missed fires enqueued at once under `misfire: 'all'`. @defaultValue 100 */
  misfireLimit?: number;
  /** @defaultValue 'allow' */
  overlap?: OverlapPolicy;
}

const SCHEDULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/;

/** A schedule name: like a task name (letters, digits and `_ . : -`, at most 200 characters). */
export function checkScheduleName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !SCHEDULE_NAME.test(name)) {
    throw new ValidationError(field, 'a schedule name of letters, digits and _ . : - (at most 200 characters), such as nightly-report', name);
  }
  return name;
}

function checkChoice<T extends string>(value: unknown, accepted: readonly T[], field: string): T {
  if (!accepted.includes(value as T)) throw new ValidationError(field, `one of ${accepted.join(', ')}`, value);
  return value as T;
}

export function checkMisfire(value: unknown, field = 'misfire'): MisfirePolicy {
  return checkChoice(value, MISFIRE_POLICIES, field);
}

export function checkOverlap(value: unknown, field = 'overlap'): OverlapPolicy {
  return checkChoice(value, OVERLAP_POLICIES, field);
}

export function checkMisfireLimit(value: unknown, field = 'misfireLimit'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_MISFIRE_LIMIT) {
    throw new ValidationError(field, `a whole number from 1 to ${MAX_MISFIRE_LIMIT}`, value);
  }
  return value;
}

/**
 * The timing of a schedule spec, through `resolveTiming`; an error names the field under
 * `prefix` (`defineTask(report).schedule.cron`, `--cron`) when one is given.
 */
export function scheduleTiming(spec: Pick<TaskSchedule, 'cron' | 'every' | 'at' | 'tz'>, rename?: (field: string) => string): ScheduleTiming {
  try {
    return resolveTiming({ cron: spec.cron, every: spec.every, at: spec.at, tz: spec.tz });
  } catch (err) {
    throw rename ? renameField(err, rename) : err;
  }
}


/** Checks a task's schedule: shape, name, timing and policies. */
export function checkTaskSchedule(schedule: unknown, field: string): TaskSchedule {
  if (typeof schedule !== 'object' || schedule === null || Array.isArray(schedule)) {
    throw new ValidationError(field, "an object such as { cron: '0 9 * * *', tz: 'Europe/London' }", schedule);
  }
  const s = schedule as TaskSchedule;
  if (s.name !== undefined) checkScheduleName(s.name, `${field}.name`);
  if (s.misfire !== undefined) checkMisfire(s.misfire, `${field}.misfire`);
  if (s.overlap !== undefined) checkOverlap(s.overlap, `${field}.overlap`);
  if (s.misfireLimit !== undefined) checkMisfireLimit(s.misfireLimit, `${field}.misfireLimit`);
  scheduleTiming(s, (name) => `${field}.${name}`);
  return s;
}
