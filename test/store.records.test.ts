/**
 * The shortcuts of the per-finish encoding must not change what is stored: a time formatted
 * from the recent-times cache is exactly `toISOString`'s text whatever the order of times, a
 * NUL escape is still replaced (and only a real one), and a row id is still bounded by the
 * bigint maximum when the BigInt comparison is skipped for short ids.
 */
import { describe, expect, it } from 'vitest';
import { isoTime, storedAttempt } from '../src/store/records.js';
import { isRowId, storableJson } from '../src/store/postgres/rows.js';

describe('isoTime', () => {
  it('writes every time as toISOString does, in any order of repeats', () => {
    const times = [0, 1_700_000_000_123, 1_700_000_000_123, 5, 1_700_000_000_123, 5, 6, 5, 7, 1_700_000_000_123, -86_400_001, 6, 6, 8_640_000_000_000_000];
    for (const ms of times) expect(isoTime(new Date(ms))).toBe(new Date(ms).toISOString());
  });

  it('throws for an invalid date, as toISOString does, and stays exact after it', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
    expect(isoTime(new Date(42))).toBe('1970-01-01T00:00:00.042Z');
  });

  it('gives the stored attempt of a finish the times of that finish', () => {
    const startedAt = new Date('2026-05-06T07:08:09.010Z');
    const records = [1, 2, 3].map((n) =>
      storedAttempt({ id: String(n), attempt: 1, workerId: 'w', startedAt, finishedAt: new Date(startedAt.getTime() + n), state: 'succeeded', outcome: 'succeeded', logs: [] }),
    );
    expect(records.map((record) => [record.startedAt, record.finishedAt])).toEqual([
      ['2026-05-06T07:08:09.010Z', '2026-05-06T07:08:09.011Z'],
      ['2026-05-06T07:08:09.010Z', '2026-05-06T07:08:09.012Z'],
      ['2026-05-06T07:08:09.010Z', '2026-05-06T07:08:09.013Z'],
    ]);
  });
});

describe('storableJson', () => {
  it('replaces NUL characters, and leaves an escaped backslash followed by u0000 alone', () => {
    expect(storableJson({ a: 'x\u0000y' })).toBe('{"a":"x\\ufffdy"}');
    expect(storableJson('\\u0000')).toBe('"\\\\u0000"');
    expect(storableJson('\\\u0000')).toBe('"\\\\\\ufffd"');
    expect(storableJson({ plain: [1, 'two', null] })).toBe('{"plain":[1,"two",null]}');
  });
});

describe('isRowId', () => {
  it('takes positive bigints only, up to the maximum', () => {
    expect(['1', '42', '999999999999999999', '9223372036854775807'].map(isRowId)).toEqual([true, true, true, true]);
    expect(['0', '-1', '01', '9223372036854775808', '9999999999999999999', '12345678901234567890', '1e3', ''].map(isRowId)).toEqual(Array(8).fill(false));
  });
});
