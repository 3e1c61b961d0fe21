/**
 * A faster reading of `timestamptz` values for the store's own connections. node-postgres
 * reads them with a general parser (several regular expressions, a `split`, string slices per
 * value); a claimed job carries four or five timestamps, and that parser was one of the
 * largest items of a worker's CPU profile. PostgreSQL writes nearly every value in one fixed
 * form (`2024-05-01 12:34:56.789123+00`, DateStyle ISO), which is read here digit by digit;
 * anything else (infinity, BC years, years before 100 or after 9999, offsets with seconds)
 * goes to node-postgres' own parser, so every value becomes the same `Date` as before.
 *
 * Set per connection (the `types` option), never on the global `pg.types`: the application's
 * own use of node-postgres is not ours to change.
 */
import pg from 'pg';

const TIMESTAMPTZ_OID = 1184;

const ZERO = 48;

/** The number written by the `count` digits at `at`, or -1 when one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f…]±HH[:MM]` as a `Date`, or null for any other form. Milliseconds
 * are the fraction's first three digits (the rest truncated), as node-postgres reads them.
 */
export function parseIsoTimestamptz(text: string): Date | null {
  const length = text.length;
  // The shortest form is 22 characters (`2024-05-01 12:34:56+00`).
  if (length < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  // Years 0 to 99 would be read as 1900 to 1999 by Date.UTC: left to the general parser.
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    at++;
    for (let scale = 100; at < length; at++) {
      const digit = text.charCodeAt(at) - ZERO;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale = scale > 1 ? scale / 10 : 0;
    }
  }
  const sign = text.charCodeAt(at);
  if (sign !== 43 && sign !== 45) return null;
  const rest = length - at;
  // `+HH` or `+HH:MM`; an offset with seconds (`+00:53:28`, historic zones) is left to the general parser.
  if (rest !== 3 && !(rest === 6 && text.charCodeAt(at + 3) === 58)) return null;
  const offsetHours = digits(text, at + 1, 2);
  const offsetMinutes = rest === 6 ? digits(text, at + 4, 2) : 0;
  if (offsetHours < 0 || offsetMinutes < 0) return null;
  const offsetMs = (offsetHours * 3600 + offsetMinutes * 60) * 1000 * (sign === 45 ? -1 : 1);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs);
}

/** Reads a `timestamptz` in text form: the fixed form here, anything else as node-postgres does. */
function parseTimestamptz(text: string): unknown {
  return parseIsoTimestamptz(text) ?? pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text')(text);
}

/** The type parsers of the store's connections: node-postgres' own, but a faster `timestamptz`. */
export const storeTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseTimestamptz;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};
