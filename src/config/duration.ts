/**
 * Durations typed by people in settings and flags. On the command line and in a config file's
 * text values a unit is required: `--delay 5` could mean 5 s as easily as 5 ms, so it is
 * refused instead of guessed. A JSON number in a config file is milliseconds, as in the
 * TypeScript API.
 */
import { parseDuration } from '../core/duration.js';
import { ValidationError } from '../core/errors.js';

const BARE_NUMBER = /^\s*\d+(\.\d+)?\s*$/;

/** Parses a duration with a unit (`90s`, `5m`, `500ms`); a number is milliseconds. */
export function durationSetting(value: string | number, field: string): number {
  if (typeof value === 'string' && BARE_NUMBER.test(value)) {
    throw new ValidationError(field, 'a duration with a unit such as 5s, 5m or 500ms', value, `A bare number has no unit; write ${value.trim()}s, ${value.trim()}m or ${value.trim()}ms`);
  }
  return parseDuration(value, field);
}
