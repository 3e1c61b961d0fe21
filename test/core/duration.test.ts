/**
 * Durations and times as people type them: every spelling parses to the sum of its parts,
 * formatting and parsing agree, bounds are kept, and bad input is refused naming the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, checkTimeout, formatDuration, parseDuration, parseTime } from '../../src/core/duration.js';
import { ValidationError } from '../../src/core/errors.js';
import { MAX_TIMER_MS } from '../../src/core/sleep.js';

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const unit = fc.constantFrom(...(Object.keys(UNITS) as (keyof typeof UNITS)[]));
/** `[amount, unit]` pairs whose sum stays under the 100-year bound. */
const parts = fc.array(fc.tuple(fc.integer({ min: 0, max: 1_000 }), unit), { minLength: 1, maxLength: 5 });

/** The error `fn` throws, which must be a ValidationError. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('parseDuration', () => {
  it('adds up the parts of any spelling, whatever the case and surrounding spaces', () => {
    fc.assert(fc.property(parts, fc.boolean(), (list, upper) => {
      const text = list.map(([amount, u]) => `${amount}${u}`).join('');
      const expected = list.reduce((sum, [amount, u]) => sum + amount * UNITS[u], 0);
      expect(parseDuration(` ${upper ? text.toUpperCase() : text} `)).toBe(expected);
    }));
  });

  it('reads a bare whole number, as text or number, as milliseconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => {
      expect(parseDuration(String(ms))).toBe(ms);
      expect(parseDuration(ms)).toBe(ms);
    }));
  });

  it('takes decimal amounts and rounds to whole milliseconds', () => {
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('0.25s')).toBe(250);
    expect(parseDuration('0.4ms')).toBe(0);
    expect(parseDuration(2.5)).toBe(3);
  });

  it('accepts exactly up to 100 years', () => {
    expect(parseDuration('36500d')).toBe(MAX_DURATION_MS);
    expect(parseDuration(MAX_DURATION_MS)).toBe(MAX_DURATION_MS);
    for (const input of ['36500d1ms', MAX_DURATION_MS + 1, '99999999999999999999']) {
      expect(validationError(() => parseDuration(input, '--delay')).message).toMatch(/^--delay: expected a duration of at most 100 years/);
    }
  });

  it('refuses anything else, naming the field, the expected form and the value', () => {
    const bad = fc.oneof(
      fc.constantFrom('', ' ', '1.5', '.5s', '5.s', '5 m', '1e3', '-5s', '5sec', 'm5', '1y', 'ms', '5m-', '0x10'),
      fc.string().filter((s) => !/^\s*(\d+|(\d+(\.\d+)?(ms|s|m|h|d|w))+)\s*$/i.test(s)),
    );
    fc.assert(fc.property(bad, (text) => {
      const err = validationError(() => parseDuration(text, 'lease'));
      expect(err.message).toMatch(/^lease: expected a duration such as 90s/);
      expect(err.details).toMatchObject({ field: 'lease', received: `string ${JSON.stringify(text)}` });
    }));
  });

  it('refuses numbers that are negative or not finite', () => {
    for (const input of [-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(validationError(() => parseDuration(input, 'poll')).message, String(input)).toMatch(/^poll: expected a non-negative number of milliseconds/);
    }
  });
});

describe('formatDuration', () => {
  it('gives back exactly what parseDuration reads, for whole seconds and anything under one', () => {
    const ms = fc.oneof(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: MAX_DURATION_MS / 1000 }).map((s) => s * 1000));
    fc.assert(fc.property(ms, (value) => {
      expect(parseDuration(formatDuration(value))).toBe(value);
    }));
  });

  it('rounds to the nearest second past one second, never further', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: MAX_DURATION_MS, noNaN: true }), (value) => {
      expect(Math.abs(parseDuration(formatDuration(value)) - value)).toBeLessThanOrEqual(500);
    }));
  });

  it('writes the largest units first, each once, without zero parts', () => {
    fc.assert(fc.property(fc.integer({ min: 1000, max: MAX_DURATION_MS }), (value) => {
      expect(formatDuration(value)).toMatch(/^(\d+d)?([1-9]\d*h)?([1-9]\d*m)?([1-9]\d*s)?$/);
    }));
    expect(formatDuration(7_820_000)).toBe('2h10m20s');
    expect(formatDuration(86_400_000 + 1000)).toBe('1d1s');
    expect(formatDuration(0)).toBe('0ms');
  });

  it('says 1s, not 1000ms, for what rounds up to a second', () => {
    expect(formatDuration(999.5)).toBe('1s');
    expect(formatDuration(999.4)).toBe('999ms');
  });
});

describe('parseTime', () => {
  it('reads epoch seconds, as text or number, to the millisecond', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (seconds) => {
      expect(parseTime(seconds).getTime()).toBe(seconds * 1000);
      expect(parseTime(String(seconds)).getTime()).toBe(seconds * 1000);
    }));
  });

  it('reads back the ISO form of any time', () => {
    const time = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });
    fc.assert(fc.property(time, (date) => {
      expect(parseTime(date.toISOString()).getTime()).toBe(date.getTime());
    }));
  });

  it('takes a Date as it is', () => {
    const date = new Date('2026-01-02T03:04:05Z');
    expect(parseTime(date)).toBe(date);
  });

  it('refuses a day the calendar does not have instead of moving it into the next month', () => {
    for (const input of ['2026-02-30', '2026-02-29T00:00:00Z', '2026-04-31T10:00:00Z', '2026-13-01', '2026-00-10']) {
      expect(validationError(() => parseTime(input, '--at')).message, input).toMatch(/^--at: expected an ISO 8601 time/);
    }
    expect(parseTime('2028-02-29T00:00:00Z').toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('names milliseconds given as seconds, and refuses what is neither form', () => {
    expect(validationError(() => parseTime(1_767_323_045_000, 'runAt')).message).toMatch(/^runAt: expected epoch SECONDS.*divide by 1000$/);
    for (const input of ['tomorrow', '', '2026-01-02garbage', '-5', '12:00', 'NaN', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(validationError(() => parseTime(input, 'runAt')).message, String(input)).toMatch(/^runAt: expected an ISO 8601 time/);
    }
  });
});

describe('checkTimeout', () => {
  it('accepts from 1 ms to what a Node timer holds, and refuses the rest naming the field', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: MAX_TIMER_MS }), (ms) => {
      expect(checkTimeout(ms, 'timeout')).toBe(ms);
    }));
    for (const input of [0, '0s', MAX_TIMER_MS + 1, '25d']) {
      expect(validationError(() => checkTimeout(input, 'timeout')).message, String(input)).toMatch(/^timeout: expected a duration from 1 ms to 24 days/);
    }
  });
});
