/**
 * Durations and points in time as people type them: `2h10m20s`, `90s`, `5m`, `1d`, `250ms`,
 * or a bare number of milliseconds; times as ISO 8601 or epoch seconds.
 */
import { ValidationError } from './errors.js';
import { MAX_TIMER_MS } from './sleep.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses a duration into milliseconds. `field` names the option in the error message. */
export function parseDuration(input: string | number, field = 'duration'): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return bounded(Math.round(input), field, input);
    throw new ValidationError(field, 'a non-negative number of milliseconds', input);
  }
  const text = String(input).trim().toLowerCase();
  if (/^\d+$/.test(text)) return bounded(Number(text), field, input);
  if (!DURATION.test(text)) {
    throw new ValidationError(field, 'a duration such as 90s, 5m, 2h10m20s, 1d or 250ms', input);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as string]!;
  return bounded(Math.round(total), field, input);
}

/** Longest duration accepted: 100 years, far inside what a Date can hold once added to now. */
export const MAX_DURATION_MS = 36_500 * UNIT_MS.d!;

function bounded(ms: number, field: string, input: unknown): number {
  if (!(ms <= MAX_DURATION_MS)) throw new ValidationError(field, 'a duration of at most 100 years (36500d)', input);
  return ms;
}

/** Parses a point in time: ISO 8601 (`2026-01-02T03:04:05Z`) or epoch seconds (`1767323045`). */
export function parseTime(input: string | number | Date, field = 'at'): Date {
  let date: Date | null = null;
  if (input instanceof Date) date = input;
  else if (typeof input === 'number' || /^\d+(\.\d+)?$/.test(String(input).trim())) {
    // Epoch seconds past 1e11 would be year 5138 or later: almost surely milliseconds
    // (Infinity is neither, and is refused below as what it is).
    if (Number.isFinite(Number(input)) && Number(input) >= 1e11) throw new ValidationError(field, 'epoch SECONDS (10 digits today, such as 1767323045)', input, 'That looks like milliseconds; divide by 1000');
    date = new Date(Number(input) * 1000);
  }
  else if (/^\d{4}-\d{2}-\d{2}/.test(input.trim()) && calendarDay(input.trim())) date = new Date(input.trim());
  // Invalid Dates (NaN) and times past what a Date can hold are refused alike.
  if (date && !Number.isNaN(date.getTime())) return date;
  throw new ValidationError(field, 'an ISO 8601 time (2026-01-02T03:04:05Z) or epoch seconds (1767323045)', input);
}

/**
 * Whether the `YYYY-MM-DD` an ISO time starts with is a day of the calendar: `Date` would
 * read 2026-02-30 as March 2 instead of refusing it.
 */
function calendarDay(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Formats milliseconds compactly for people: 7820000 → `2h10m20s`. */
export function formatDuration(ms: number): string {
  // Rounded first, so 999.6 ms reads `1s`, not `1000ms`.
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** A timeout in ms: more than zero, and short enough for a Node timer (about 24.8 days). */
export function checkTimeout(input: number | string, field: string): number {
  const ms = parseDuration(input, field);
  if (ms <= 0 || ms > MAX_TIMER_MS) throw new ValidationError(field, 'a duration from 1 ms to 24 days', input);
  return ms;
}
