/**
 * Schedule timings as users give them: exactly one of cron, every or at; bad expressions,
 * zones and durations refused naming the field with the reason; `every` anchored to the
 * epoch; one-offs firing once; descriptions for listings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { describeTiming, nextFireAfter, nextFires, resolveTiming, type TimingSpec } from '../../src/core/schedule-timing.js';

/** The ValidationError `spec` is refused with. */
function refusal(spec: TimingSpec): ValidationError {
  try {
    resolveTiming(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`accepted ${JSON.stringify(spec)}`);
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
/** The first fire time of `spec` after `after`, as an ISO string. */
const fires = (spec: TimingSpec, after: string) => nextFireAfter(resolveTiming(spec), new Date(after))?.toISOString();

describe('resolveTiming', () => {
  it('needs exactly one of cron, every and at', () => {
    expect(refusal({}).message).toBe('cron | every | at: expected exactly one of cron, every or at, received nothing');
    const both = refusal({ cron: '* * * * *', every: '5m' });
    expect(both.details.field).toBe('cron | every | at');
    expect(both.message).toContain('["cron","every"]');
    expect(refusal({ every: '5m', at: 1767323045 }).message).toContain('["every","at"]');
  });

  it.each([
    '0 9 * * 1-5', '*/15 * * * *', '0 0 9 * * MON-FRI', '30 8 1,15 jan,jul *', '0 0 L * *', '0 12 * * sun',
    '@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@annually', '@midnight',
  ])('accepts the cron expression %s', (cron) => {
    expect(resolveTiming({ cron })).toEqual({ kind: 'cron', cron, tz: 'UTC' });
  });

  it('keeps one spelling of an expression', () => {
    expect(resolveTiming({ cron: ' 0  9 * *\t1-5 ' })).toMatchObject({ cron: '0 9 * * 1-5' });
    expect(resolveTiming({ cron: '@DAILY' })).toMatchObject({ cron: '@daily' });
  });

  it.each([
    ['@reboot', 'not supported'],
    ['61 * * * *', 'minute: 61'],
    ['* * *', 'five, six, or seven'],
    ['*/0 * * * *', 'stepping'],
    ['5-1 * * * *', "'5-1'"],
    ['a b c d e', 'illegal characters'],
    ['0 0 0 1 1 * 2030', 'year field'],
    ['0 0 30 2 *', 'matches no date'],
    ['', ''],
  ])('refuses the cron expression %j naming the field, the expression and the reason', (cron, reason) => {
    const err = refusal({ cron });
    expect(err.details.field).toBe('cron');
    expect(err.message).toContain(JSON.stringify(cron));
    expect(err.message).toContain(reason);
  });

  it('reads cron in a zone, spelt canonically, and refuses unknown zones naming tz', () => {
    expect(resolveTiming({ cron: '0 9 * * *', tz: 'europe/london' })).toEqual({ kind: 'cron', cron: '0 9 * * *', tz: 'Europe/London' });
    for (const tz of ['Mars/Base', '', '+05:30']) {
      const err = refusal({ cron: '0 9 * * *', tz });
      expect(err.details.field).toBe('tz');
      expect(err.message).toContain('IANA time zone');
    }
  });

  it('reads every as a duration with a unit (a number is milliseconds), at least one second', () => {
    expect(resolveTiming({ every: '1h30m' })).toEqual({ kind: 'every', everyMs: 5_400_000, tz: 'UTC' });
    expect(resolveTiming({ every: '30s' })).toMatchObject({ everyMs: 30_000 });
    expect(resolveTiming({ every: 2_500 })).toMatchObject({ everyMs: 2_500 });
    for (const every of ['500ms', 999, '30', 'soon', -5_000, '0s']) {
      const err = refusal({ every });
      expect(err.details.field).toBe('every');
    }
    expect(refusal({ every: '30' }).message).toContain('Add a unit');
  });

  it('reads at as ISO 8601, epoch seconds or a Date', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    for (const input of ['2026-01-02T03:04:05Z', '2026-01-02T04:04:05+01:00', 1767323045, '1767323045', at]) {
      expect(resolveTiming({ at: input })).toEqual({ kind: 'once', at, tz: 'UTC' });
    }
    expect(refusal({ at: 'tomorrow' }).details.field).toBe('at');
    expect(refusal({ at: 1767323045000 }).message).toContain('milliseconds');
  });
});

describe('fire times', () => {
  it('count every from the Unix epoch, whatever the zone or the starting instant', () => {
    const timing = resolveTiming({ every: '7m', tz: 'Asia/Kolkata' });
    const fires = nextFires(timing, new Date('2026-06-01T10:00:00.123Z'), 3);
    expect(fires.map((d) => d.getTime() % 420_000)).toEqual([0, 0, 0]);
    expect(iso(fires)).toEqual(['2026-06-01T10:03:00.000Z', '2026-06-01T10:10:00.000Z', '2026-06-01T10:17:00.000Z']);
  });

  it('are strictly after the instant given, for every kind', () => {
    fc.assert(fc.property(
      fc.constantFrom<TimingSpec>({ every: '90s' }, { cron: '*/5 * * * *', tz: 'America/New_York' }, { cron: '0 30 9 * * *' }, { every: '1h' }),
      fc.date({ min: new Date('2000-01-01Z'), max: new Date('2040-01-01Z'), noInvalidDate: true }),
      (spec, after) => {
        const timing = resolveTiming(spec);
        const [first, second] = nextFires(timing, after, 2) as [Date, Date];
        expect(first.getTime()).toBeGreaterThan(after.getTime());
        expect(second.getTime()).toBeGreaterThan(first.getTime());
        // Nothing fires between `after` and the first fire time.
        expect(nextFireAfter(timing, new Date(first.getTime() - 1))).toEqual(first);
      },
    ), { numRuns: 200 });
  });

  it('fire a cron on the second it names, even from just before it', () => {
    const timing = resolveTiming({ cron: '0 9 * * *' });
    expect(nextFireAfter(timing, new Date('2026-03-10T08:59:59.999Z'))).toEqual(new Date('2026-03-10T09:00:00Z'));
    expect(nextFireAfter(timing, new Date('2026-03-10T09:00:00Z'))).toEqual(new Date('2026-03-11T09:00:00Z'));
  });

  it('read offsets in the distant past and future alike', () => {
    // New York kept local mean time (-4:56:02) until 18 November 1883.
    expect(fires({ cron: '0 12 * * *', tz: 'America/New_York' }, '1883-11-01T00:00Z')).toBe('1883-11-01T16:56:02.000Z');
    expect(fires({ cron: '0 12 * * *', tz: 'Asia/Kolkata' }, '2199-06-01T00:00Z')).toBe('2199-06-01T06:30:00.000Z');
  });

  it('fire a one-off once, at its time', () => {
    const timing = resolveTiming({ at: '2026-01-02T03:04:05Z' });
    expect(nextFires(timing, new Date('2026-01-01Z'), 5)).toEqual([new Date('2026-01-02T03:04:05Z')]);
    expect(nextFireAfter(timing, new Date('2026-01-02T03:04:05Z'))).toBeNull();
  });

  it('preview at most the count asked (and none for zero)', () => {
    const timing = resolveTiming({ cron: '@daily', tz: 'Europe/London' });
    expect(nextFires(timing, new Date('2026-07-01Z'), 0)).toEqual([]);
    expect(iso(nextFires(timing, new Date('2026-07-01T12:00:00Z'), 2))).toEqual(['2026-07-01T23:00:00.000Z', '2026-07-02T23:00:00.000Z']);
  });
});

describe('describeTiming', () => {
  it('says how a schedule fires', () => {
    expect(describeTiming(resolveTiming({ cron: '0 9 * * 1-5', tz: 'Europe/London' }))).toBe('cron 0 9 * * 1-5 (Europe/London)');
    expect(describeTiming(resolveTiming({ every: '1h30m' }))).toBe('every 1h30m');
    expect(describeTiming(resolveTiming({ every: 2_500 }))).toBe('every 2500ms');
    expect(describeTiming(resolveTiming({ every: '1d' }))).toBe('every 1d');
    expect(describeTiming(resolveTiming({ at: 1767323045 }))).toBe('once at 2026-01-02T03:04:05.000Z');
  });
});
