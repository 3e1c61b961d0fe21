/**
 * When a schedule fires: parses what a user gives (`cron`, `every` or `at`, and a zone)
 * into a `ScheduleTiming`, and computes its fire times. Pure and clock-free, so every
 * process computes the same fire times: `every` is anchored to the Unix epoch, cron is
 * read in the schedule's zone (see docs/schedules.md for the DST rules).
 */
import { formatDuration, parseDuration, parseTime } from './duration.js';
import { ValidationError } from './errors.js';
import { checkCron } from './schedule-cron.js';
import { checkZone } from './schedule-zone.js';
import type { ScheduleTiming } from './types.js';

export { MAX_PREVIEW, initialRunAt, latestFireAtOrBefore, nextFireAfter, nextFires } from './schedule-fires.js';
export { MISFIRE_GRACE_MS, planFires, type FirePlan } from './schedule-plan.js';

/** Shortest `every` interval. */
export const MIN_EVERY_MS = 1_000;

/** What a user gives for a schedule's timing: exactly one of cron, every or at. */
export interface TimingSpec {
  cron?: string;
  /** A duration with a unit (`30s`, `5m`, `1h30m`), or a number of milliseconds. */
  every?: string | number;
  /** ISO 8601, epoch seconds or a Date. */
  at?: string | number | Date;
  /** IANA zone the cron expression is read in; default UTC. */
  tz?: string;
}

/**
 * Parses and validates a timing; throws a ValidationError naming the field (`cron`,
 * `every`, `at`, `tz`) with the reason (croner's message for cron).
 * @example resolveTiming({ cron: '0 9 * * 1-5', tz: 'Europe/London' })
 */
export function resolveTiming(spec: TimingSpec): ScheduleTiming {
  const given = (['cron', 'every', 'at'] as const).filter((key) => spec[key] !== undefined && spec[key] !== null);
  if (given.length !== 1) {
    throw new ValidationError('cron | every | at', 'exactly one of cron, every or at', given.length === 0 ? undefined : given);
  }
  const tz = spec.tz === undefined || spec.tz === null ? 'UTC' : checkZone(spec.tz);
  if (spec.cron !== undefined && spec.cron !== null) return { kind: 'cron', cron: checkCron(spec.cron), tz };
  if (spec.every !== undefined && spec.every !== null) return { kind: 'every', everyMs: checkEvery(spec.every), tz };
  return { kind: 'once', at: parseTime(spec.at as string | number | Date, 'at'), tz };
}

function checkEvery(input: string | number): number {
  const expected = 'a duration with a unit of at least 1s, such as 30s, 5m or 1h30m';
  if (typeof input === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(input)) throw new ValidationError('every', expected, input, 'Add a unit: s, m, h or d');
  if (typeof input !== 'string' && typeof input !== 'number') throw new ValidationError('every', expected, input);
  const ms = parseDuration(input, 'every');
  if (ms < MIN_EVERY_MS) throw new ValidationError('every', expected, input);
  return ms;
}

/** Describes a timing for people: `cron 0 9 * * 1-5 (Europe/London)`, `every 5m`, `once at 2026-…Z`. */
export function describeTiming(timing: ScheduleTiming): string {
  switch (timing.kind) {
    case 'cron':
      return `cron ${timing.cron} (${timing.tz})`;
    case 'every':
      // formatDuration rounds to seconds: 2500 ms would read `3s`.
      return `every ${timing.everyMs % 1000 === 0 ? formatDuration(timing.everyMs) : `${timing.everyMs}ms`}`;
    case 'once':
      return `once at ${timing.at.toISOString()}`;
  }
}
