/**
 * Cron expressions for schedules, on `croner`: validation with croner's reason, and the
 * fire times after or at-or-before an instant in a zone, by Ordo's DST rule: a wall-clock
 * time that does not exist (spring forward) fires once at the next valid instant; one that
 * happens twice (fall back) fires once, the first time.
 */
import { Cron } from 'croner';
import { ValidationError } from './errors.js';
import { firstInstantOfWall, reachedWall } from './schedule-zone.js';

const EXPECTED = 'a cron expression of 5 or 6 fields (such as "0 9 * * 1-5") or @hourly, @daily, @weekly, @monthly, @yearly';
/** Compiled expressions (all in UTC), by expression; kept small, most processes know a few. */
const cache = new Map<string, Cron>();
const CACHE_SIZE = 500;

/**
 * Validates an expression: 5 fields (minute first) or 6 (seconds first), lists, ranges,
 * steps, month and day names, and the @-nicknames. Throws a ValidationError naming `cron`,
 * the expression and croner's reason. Returns the expression in one spelling.
 */
export function checkCron(expression: unknown): string {
  if (typeof expression !== 'string' || expression.trim() === '') throw new ValidationError('cron', EXPECTED, expression);
  // One spelling per expression: single spaces, nicknames in lower case (`@DAILY` → `@daily`).
  const spaced = expression.trim().replace(/\s+/g, ' ');
  const text = spaced.startsWith('@') ? spaced.toLowerCase() : spaced;
  if (!text.startsWith('@') && text.split(' ').length > 6) {
    throw new ValidationError('cron', EXPECTED, expression, 'A year field (7 fields) is not supported');
  }
  let cron: Cron;
  try {
    cron = compiled(text);
  } catch (err) {
    throw new ValidationError('cron', EXPECTED, expression, (err as Error).message.replace(/^CronPattern: /, ''));
  }
  // A pattern without a year that matches once matches again within 28 years: searching
  // from the epoch finds a match for every pattern that can ever fire.
  if (cron.nextRun(new Date(0)) === null) throw new ValidationError('cron', EXPECTED, expression, 'It matches no date (such as February 30)');
  return text;
}

/**
 * The expression compiled in UTC. Fire times are searched among wall-clock times with
 * croner in UTC (no DST there), then mapped to instants by the zone: croner's own zone
 * handling skips some wall times a spring-forward removes (`15 2 * * *` in New York fires
 * at 3:00 on that day, but `*\/15 2 * * *` not at all) and fires a repeated hour twice.
 */
function compiled(expression: string): Cron {
  let cron = cache.get(expression);
  if (!cron) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    // A fixed offset of 0 is UTC without croner's Intl conversions: about 6 times faster.
    cron = new Cron(expression, { utcOffset: 0, paused: true });
    cache.set(expression, cron);
  }
  return cron;
}

/**
 * The first fire time strictly after `after` (ms since the epoch), or null if none: the
 * first instant the zone reaches the next matching wall time past the one reached at `after`.
 */
export function cronNextAfter(expression: string, tz: string, after: number): number | null {
  const wall = compiled(expression).nextRun(new Date(reachedWall(after, tz)))?.getTime();
  return wall === undefined ? null : firstInstantOfWall(wall, tz);
}

/** The last fire time at or before `at` (ms since the epoch), or null if none. */
export function cronLatestAtOrBefore(expression: string, tz: string, at: number): number | null {
  // previousRuns returns runs strictly before its reference (to the millisecond).
  const wall = compiled(expression).previousRuns(1, new Date(reachedWall(at, tz) + 1))[0]?.getTime();
  return wall === undefined ? null : firstInstantOfWall(wall, tz);
}
