/**
 * Durations and points in time as people type them: `2h10m20s`, `90s`, `5m`, `1d`, `250ms`,
 * or a bare number of milliseconds; times as ISO 8601 or epoch seconds.
 */
import { ValidationError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses a duration into milliseconds. `field` names the option in the error message. */
export function parseDuration(input: string | number, field = 'duration'): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return Math.round(input);
    throw new ValidationError(field, 'a non-negative number of milliseconds', input);
  }
  const text = String(input).trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  if (!DURATION.test(text)) {
    throw new ValidationError(field, 'a duration such as 90s, 5m, 2h10m20s, 1d or 250ms', input);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as string]!;
  return Math.round(total);
}

/** Parses a point in time: ISO 8601 (`2026-01-02T03:04:05Z`) or epoch seconds (`1767323045`). */
export function parseTime(input: string | number | Date, field = 'at'): Date {
  if (input instanceof Date) {
    if (!Number.isNaN(input.getTime())) return input;
  } else if (typeof input === 'number' || /^\d+(\.\d+)?$/.test(String(input).trim())) {
    const seconds = Number(input);
    if (Number.isFinite(seconds)) return new Date(seconds * 1000);
  } else if (/^\d{4}-\d{2}-\d{2}/.test(input.trim())) {
    const date = new Date(input.trim());
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new ValidationError(field, 'an ISO 8601 time (2026-01-02T03:04:05Z) or epoch seconds (1767323045)', input);
}

/** Formats milliseconds compactly for people: 7820000 → `2h10m20s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
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
