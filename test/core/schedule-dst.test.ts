/**
 * Cron across daylight-saving transitions, on fixed dates. The rule: a wall-clock time that
 * does not exist (spring forward) fires once at the next valid instant; a wall-clock time
 * that happens twice (fall back) fires once, the first time. Checked by example per zone,
 * and against a minute-by-minute reference for random minute/hour patterns around every
 * transition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latestFireAtOrBefore, nextFireAfter, nextFires, resolveTiming } from '../../src/core/schedule-timing.js';
import { HOURS, MINUTES, reference } from './schedule-reference.js';

const HOUR = 3_600_000;

/** The next `count` fire times of `cron` in `tz` after `after`, as ISO strings. */
function fires(cron: string, tz: string, after: string, count: number): string[] {
  return nextFires(resolveTiming({ cron, tz }), new Date(after), count).map((d) => d.toISOString());
}

describe('America/New_York (2:00 → 3:00 on 8 March 2026, 2:00 → 1:00 on 1 November 2026)', () => {
  it('fires a time that does not exist once, at 3:00 EDT', () => {
    expect(fires('30 2 * * *', 'America/New_York', '2026-03-07T12:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(fires('0 * * * *', 'America/New_York', '2026-03-08T04:30Z', 4))
      .toEqual(['2026-03-08T05:00:00.000Z', '2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
    // Day fields are read on the wall clock too: 8 March 2026 is a Sunday.
    expect(fires('*/15 2 * * SUN', 'America/New_York', '2026-03-07T12:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-15T06:00:00.000Z']);
    expect(fires('*/30 * * * *', 'America/New_York', '2026-03-08T05:50Z', 4))
      .toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z']);
  });

  it('fires a time that happens twice once, in EDT', () => {
    expect(fires('30 1 * * *', 'America/New_York', '2026-10-31T12:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // 1:00 EDT, then 1:00 EST is skipped, then 2:00 EST.
    expect(fires('0 * * * *', 'America/New_York', '2026-11-01T03:30Z', 3)).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z']);
    expect(fires('*/30 * * * *', 'America/New_York', '2026-11-01T04:50Z', 3)).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T07:00:00.000Z']);
    // Every second of the skipped hour fires once, at 3:00 EDT; then nothing until 2:00 the next night.
    expect(fires('* * 2 * * *', 'America/New_York', '2026-03-08T06:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z']);
    // A seconds cron skips the whole repeated hour at once.
    expect(fires('*/10 * * * * *', 'America/New_York', '2026-11-01T05:59:45Z', 2)).toEqual(['2026-11-01T05:59:50.000Z', '2026-11-01T07:00:00.000Z']);
  });
});

describe('Europe/London (1:00 → 2:00 on 29 March 2026, 2:00 → 1:00 on 25 October 2026)', () => {
  it('fires 1:30 at 2:00 BST on the day it does not exist', () => {
    expect(fires('30 1 * * *', 'Europe/London', '2026-03-28T12:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(fires('0 * * * *', 'Europe/London', '2026-03-29T00:10Z', 3)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z', '2026-03-29T03:00:00.000Z']);
  });

  it('fires the repeated hour once, in BST', () => {
    expect(fires('30 1 * * *', 'Europe/London', '2026-10-24T12:00Z', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(fires('*/30 * * * *', 'Europe/London', '2026-10-24T23:50Z', 4))
      .toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:30:00.000Z']);
  });
});

describe('Australia/Lord_Howe (half-hour shifts: 2:00 → 1:30 on 5 April 2026, 2:00 → 2:30 on 4 October 2026)', () => {
  it('fires 2:15, which does not exist, at 2:30', () => {
    expect(fires('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00Z', 2)).toEqual(['2026-10-03T15:30:00.000Z', '2026-10-04T15:15:00.000Z']);
    // 1:00, 1:30, then 2:00 (which does not exist) and 2:30 both at 2:30, then 3:00.
    expect(fires('*/30 * * * *', 'Australia/Lord_Howe', '2026-10-03T14:10Z', 4))
      .toEqual(['2026-10-03T14:30:00.000Z', '2026-10-03T15:00:00.000Z', '2026-10-03T15:30:00.000Z', '2026-10-03T16:00:00.000Z']);
  });

  it('fires the repeated half hour once, at +11:00', () => {
    expect(fires('45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T00:00Z', 2)).toEqual(['2026-04-04T14:45:00.000Z', '2026-04-05T15:15:00.000Z']);
    expect(fires('*/30 * * * *', 'Australia/Lord_Howe', '2026-04-04T13:50Z', 3)).toEqual(['2026-04-04T14:00:00.000Z', '2026-04-04T14:30:00.000Z', '2026-04-04T15:30:00.000Z']);
    expect(fires('0 * * * *', 'Australia/Lord_Howe', '2026-04-04T13:50Z', 3)).toEqual(['2026-04-04T14:00:00.000Z', '2026-04-04T15:30:00.000Z', '2026-04-04T16:30:00.000Z']);
  });
});

describe('Asia/Kolkata (+05:30 all year)', () => {
  it('fires at the same UTC instant every day, hourly on the UTC half hour', () => {
    expect(fires('30 9 * * *', 'Asia/Kolkata', '2026-03-07T12:00Z', 3)).toEqual(['2026-03-08T04:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z']);
    expect(fires('0 * * * *', 'Asia/Kolkata', '2026-11-01T00:00Z', 2)).toEqual(['2026-11-01T00:30:00.000Z', '2026-11-01T01:30:00.000Z']);
  });
});

describe('America/Sao_Paulo (no DST since 2019; midnight transitions before)', () => {
  it('fires midnight at 1:00 on the day midnight did not exist (4 November 2018)', () => {
    expect(fires('0 0 * * *', 'America/Sao_Paulo', '2018-11-03T12:00Z', 2)).toEqual(['2018-11-04T03:00:00.000Z', '2018-11-05T02:00:00.000Z']);
    expect(fires('@daily', 'America/Sao_Paulo', '2018-11-03T12:00Z', 1)).toEqual(['2018-11-04T03:00:00.000Z']);
  });

  it('fired the repeated 23:30 of 16 February 2019 once', () => {
    expect(fires('30 23 * * *', 'America/Sao_Paulo', '2019-02-16T12:00Z', 2)).toEqual(['2019-02-17T01:30:00.000Z', '2019-02-18T02:30:00.000Z']);
  });

  it('fires at -03:00 all year today', () => {
    expect(fires('0 0 * * *', 'America/Sao_Paulo', '2026-10-31T12:00Z', 3)).toEqual(['2026-11-01T03:00:00.000Z', '2026-11-02T03:00:00.000Z', '2026-11-03T03:00:00.000Z']);
  });
});

describe('larger jumps', () => {
  it('Antarctica/Troll (+00 ↔ +02): two-hour gaps and repeats', () => {
    expect(fires('30 2 * * *', 'Antarctica/Troll', '2026-03-28T12:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(fires('30 1 * * *', 'Antarctica/Troll', '2026-10-24T12:00Z', 2)).toEqual(['2026-10-24T23:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('Pacific/Apia skipped 30 December 2011: its noon fired at the jump, once', () => {
    expect(fires('0 12 * * *', 'Pacific/Apia', '2011-12-29T12:00Z', 3)).toEqual(['2011-12-29T22:00:00.000Z', '2011-12-30T10:00:00.000Z', '2011-12-30T22:00:00.000Z']);
  });
});

/** Transitions to test around (8 hours either side). */
const TRANSITIONS: [string, string][] = [
  ['America/New_York', '2026-03-08T07:00Z'], ['America/New_York', '2026-11-01T06:00Z'],
  ['Europe/London', '2026-03-29T01:00Z'], ['Europe/London', '2026-10-25T01:00Z'],
  ['Australia/Lord_Howe', '2026-04-04T15:00Z'], ['Australia/Lord_Howe', '2026-10-03T15:30Z'],
  ['America/Sao_Paulo', '2018-11-04T03:00Z'], ['America/Sao_Paulo', '2019-02-17T02:00Z'],
  ['Asia/Kolkata', '2026-03-08T07:00Z'],
];


describe('every transition, against a minute-by-minute reference', () => {
  it('fires exactly the minutes the rule says, with no duplicate', () => {
    fc.assert(fc.property(fc.constantFrom(...TRANSITIONS), fc.constantFrom(...MINUTES), fc.constantFrom(...HOURS), ([tz, at], [minute, minutes], [hour, hours]) => {
      const from = Date.parse(at) - 8 * HOUR;
      const to = Date.parse(at) + 8 * HOUR;
      const expected = reference(minutes, hours, tz, from, to);
      const timing = resolveTiming({ cron: `${minute} ${hour} * * *`, tz });
      const actual: number[] = [];
      for (let next = nextFireAfter(timing, new Date(from - 1)); next && next.getTime() <= to; next = nextFireAfter(timing, next)) actual.push(next.getTime());
      expect(actual.map((t) => new Date(t).toISOString()), `${minute} ${hour} * * * in ${tz} around ${at}`)
        .toEqual(expected.map((t) => new Date(t).toISOString()));
    }), { numRuns: 120 });
  }, 60_000);

  it('agrees with the reference from any instant, inside a repeated or skipped hour too', () => {
    const offsets = fc.integer({ min: -3 * HOUR / 1000, max: 3 * HOUR / 1000 }).map((s) => s * 1000 + 500);
    fc.assert(fc.property(fc.constantFrom(...TRANSITIONS), fc.constantFrom(...MINUTES), fc.constantFrom(...HOURS), offsets, ([tz, at], [minute, minutes], [hour, hours], offset) => {
      const instant = Date.parse(at) + offset;
      const expected = reference(minutes, hours, tz, Date.parse(at) - 8 * HOUR, Date.parse(at) + 8 * HOUR);
      const timing = resolveTiming({ cron: `${minute} ${hour} * * *`, tz });
      const next = expected.find((t) => t > instant);
      const latest = expected.findLast((t) => t <= instant);
      if (next !== undefined) expect(nextFireAfter(timing, new Date(instant))?.toISOString()).toBe(new Date(next).toISOString());
      if (latest !== undefined) expect(latestFireAtOrBefore(timing, new Date(instant))?.toISOString()).toBe(new Date(latest).toISOString());
    }), { numRuns: 120 });
  }, 60_000);

  it('fires nothing more from inside the repeated hour of a fire already made', () => {
    // 1:10 EST on 1 November 2026: 1:30 fired at 1:30 EDT, 40 minutes ago, and is not due again.
    const inside = new Date('2026-11-01T06:10:00Z');
    expect(nextFireAfter(resolveTiming({ cron: '30 1 * * *', tz: 'America/New_York' }), inside)).toEqual(new Date('2026-11-02T06:30:00Z'));
    expect(latestFireAtOrBefore(resolveTiming({ cron: '30 1 * * *', tz: 'America/New_York' }), inside)).toEqual(new Date('2026-11-01T05:30:00Z'));
    expect(nextFireAfter(resolveTiming({ cron: '*/30 * * * *', tz: 'Australia/Lord_Howe' }), new Date('2026-04-04T15:10:00Z'))).toEqual(new Date('2026-04-04T15:30:00Z'));
  });
});
