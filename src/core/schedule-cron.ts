/**
 * Cron expressions for schedules, on `croner`: validation with croner's reason, and the
 * fire times after or at-or-before an instant in a zone, with Ordo's DST rule applied on
 * top: a wall-clock time that happens twice (fall back) fires once, the first time.
 * Croner already moves a wall time that does not exist (spring forward) to the next valid
 * instant, and never returns one instant twice from a strictly-after search.
 */
import { Cron } from 'croner';
import { ValidationError } from './errors.js';
import { repeatedWindow } from './schedule-zone.js';

const EXPECTED = 'a cron expression of 5 or 6 fields (such as "0 9 * * 1-5") or @hourly, @daily, @weekly, @monthly, @yearly';
/** Compiled expressions by `zone + expression`; kept small, most processes know a few. */
const cache = new Map<string, Cron>();
const CACHE_SIZE = 500;
/** Fall-back windows skipped in one search; a zone has at most one per few months. */
const MAX_SKIPS = 8;

/**
 * Validates an expression: 5 fields (minute first) or 6 (seconds first), lists, ranges,
 * steps, month and day names, and the @-nicknames. Throws a ValidationError naming `cron`,
 * the expression and croner's reason. Returns the expression trimmed.
 */
export function checkCron(expression: unknown): string {
  if (typeof expression !== 'string' || expression.trim() === '') throw new ValidationError('cron', EXPECTED, expression);
  const text = expression.trim().replace(/\s+/g, ' ');
  if (!text.startsWith('@') && text.split(' ').length > 6) {
    throw new ValidationError('cron', EXPECTED, expression, 'A year field (7 fields) is not supported');
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true });
  } catch (err) {
    throw new ValidationError('cron', EXPECTED, expression, (err as Error).message.replace(/^CronPattern: /, ''));
  }
  // A pattern without a year that matches once matches again within 28 years: searching
  // from the epoch finds a match for every pattern that can ever fire.
  if (cron.nextRun(new Date(0)) === null) throw new ValidationError('cron', EXPECTED, expression, 'It matches no date (such as February 30)');
  return text;
}

function compiled(expression: string, tz: string): Cron {
  const key = `${tz} ${expression}`;
  let cron = cache.get(key);
  if (!cron) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cron = new Cron(expression, { timezone: tz, paused: true });
    cache.set(key, cron);
  }
  return cron;
}

/** The first fire time strictly after `after` (ms since the epoch), or null if none. */
export function cronNextAfter(expression: string, tz: string, after: number): number | null {
  const cron = compiled(expression, tz);
  let from = after;
  for (let skip = 0; skip <= MAX_SKIPS; skip++) {
    const next = cron.nextRun(new Date(from))?.getTime();
    if (next === undefined) return null;
    const repeat = repeatedWindow(next, tz);
    if (!repeat) return next;
    // The whole repeated window is skipped; the next fire is at or after its end.
    from = Math.max(from, repeat.end - 1);
  }
  return null;
}

/** The last fire time at or before `at` (ms since the epoch), or null if none. */
export function cronLatestAtOrBefore(expression: string, tz: string, at: number): number | null {
  const cron = compiled(expression, tz);
  // previousRuns returns runs strictly before its reference (to the millisecond).
  let before = at + 1;
  for (let skip = 0; skip <= MAX_SKIPS; skip++) {
    const previous = cron.previousRuns(1, new Date(before))[0]?.getTime();
    if (previous === undefined) return null;
    const repeat = repeatedWindow(previous, tz);
    if (!repeat) return previous;
    before = Math.min(before, repeat.start);
  }
  return null;
}
