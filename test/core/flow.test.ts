/**
 * The pure flow rules: rates as people type them and limits as the client receives them
 * (refusals name the field), the smooth rate with its burst (how many starts it allows, its
 * state after them, when it next allows one) and why a waiting job waits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  NO_LIMITS,
  type QueueFlow,
  type RateLimit,
  checkQueueLimits,
  flowWaitReason,
  formatRate,
  isLimited,
  keyed,
  parseRate,
  rateAfter,
  rateAllowance,
  rateNextStart,
  rateStateLive,
} from '../../src/core/flow.js';

/** The field a ValidationError thrown by `fn` names. */
function refusedField(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details.field as string;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('parseRate', () => {
  it('reads starts per period, with or without an amount of the unit, spaces and case aside', () => {
    expect(parseRate('100/1m')).toEqual({ limit: 100, periodMs: 60_000, burst: 1 });
    expect(parseRate('20/s')).toEqual({ limit: 20, periodMs: 1_000, burst: 1 });
    expect(parseRate('5/10s')).toEqual({ limit: 5, periodMs: 10_000, burst: 1 });
    expect(parseRate(' 3 / H ')).toEqual({ limit: 3, periodMs: 3_600_000, burst: 1 });
    expect(parseRate('1/250ms')).toEqual({ limit: 1, periodMs: 250, burst: 1 });
    expect(parseRate('20/s', 'rate', 5)).toEqual({ limit: 20, periodMs: 1_000, burst: 5 });
  });

  it('refuses what is not a rate, naming the field', () => {
    for (const bad of [20, null, '', 'fast', '20', '20/', '/s', '-1/s', '2.5/s', '20/fortnight', '20/s/s']) {
      expect(refusedField(() => parseRate(bad, 'limits.rate'))).toBe('limits.rate');
    }
    expect(refusedField(() => parseRate('fast'))).toBe('rate');
  });

  it('refuses a limit out of range, a burst below 1 and more than one start per millisecond', () => {
    expect(refusedField(() => parseRate('0/s'))).toBe('rate.limit');
    expect(refusedField(() => parseRate('1000001/1d'))).toBe('rate.limit');
    expect(refusedField(() => parseRate('5/s', 'rate', 0))).toBe('rate.burst');
    expect(refusedField(() => parseRate('5/s', 'rate', 1.5))).toBe('rate.burst');
    expect(refusedField(() => parseRate('2000/1s'))).toBe('rate');
    expect(parseRate('1000/1s')).toEqual({ limit: 1000, periodMs: 1000, burst: 1 });
  });

  it('formats back to what it reads', () => {
    for (const text of ['100/1m', '20/1s', '5/10s', '3/1h', '7/1500ms', '2/1d']) expect(formatRate(parseRate(text))).toBe(text);
    expect(formatRate({ limit: 10, periodMs: 60_000, burst: 3 })).toBe('10/1m (burst 3)');
  });
});

describe('checkQueueLimits', () => {
  it('resolves every limit, absent and null meaning none', () => {
    expect(checkQueueLimits({})).toEqual(NO_LIMITS);
    expect(checkQueueLimits({ concurrency: null, rate: null, keyConcurrency: null, keyRate: null })).toEqual(NO_LIMITS);
    expect(checkQueueLimits({ concurrency: 3, rate: '100/1m', keyConcurrency: 2, keyRate: { limit: 1, periodMs: 1_000 }, fair: true })).toEqual({
      concurrency: 3,
      rate: { limit: 100, periodMs: 60_000, burst: 1 },
      keyConcurrency: 2,
      keyRate: { limit: 1, periodMs: 1_000, burst: 1 },
      fair: true,
    });
  });

  it('refuses each malformed limit, naming it', () => {
    const cases: [unknown, string][] = [
      [null, 'limits'],
      [[], 'limits'],
      ['3', 'limits'],
      [{ speed: 1 }, 'limits.speed'],
      [{ concurrency: 0 }, 'limits.concurrency'],
      [{ concurrency: 1.5 }, 'limits.concurrency'],
      [{ concurrency: '3' }, 'limits.concurrency'],
      [{ keyConcurrency: -1 }, 'limits.keyConcurrency'],
      [{ rate: 'fast' }, 'limits.rate'],
      [{ rate: 5 }, 'limits.rate'],
      [{ rate: { limit: 0, periodMs: 1_000 } }, 'limits.rate.limit'],
      [{ keyRate: { limit: 1, periodMs: 0 } }, 'limits.keyRate.periodMs'],
      [{ keyRate: { limit: 1, periodMs: 1_000, burst: 0 } }, 'limits.keyRate.burst'],
      [{ keyRate: '5000/1s' }, 'limits.keyRate'],
      [{ fair: 'yes' }, 'limits.fair'],
    ];
    for (const [input, field] of cases) expect(refusedField(() => checkQueueLimits(input)), JSON.stringify(input)).toBe(field);
  });

  it('knows which limits make a queue limited, and which make it keyed', () => {
    expect(isLimited(NO_LIMITS)).toBe(false);
    expect(isLimited(NO_LIMITS, new Date())).toBe(true);
    expect(isLimited({ ...NO_LIMITS, concurrency: 1 })).toBe(true);
    expect(isLimited({ ...NO_LIMITS, fair: true })).toBe(true);
    expect(keyed({ ...NO_LIMITS, concurrency: 1, rate: parseRate('1/s') })).toBe(false);
    expect(keyed({ ...NO_LIMITS, fair: true })).toBe(true);
    expect(keyed({ ...NO_LIMITS, keyConcurrency: 1 })).toBe(true);
    expect(keyed({ ...NO_LIMITS, keyRate: parseRate('1/s') })).toBe(true);
  });
});

/** Starts a claimer that takes all it may every `stepMs` gets from time 0 to `untilMs` (excluded). */
function greedyStarts(rate: RateLimit, untilMs: number, stepMs = 1): number[] {
  const starts: number[] = [];
  let tat: number | null = null;
  for (let now = 0; now < untilMs; now += stepMs) {
    const allowed = rateAllowance(rate, tat, now);
    if (allowed > 0) tat = rateAfter(rate, tat, now, allowed);
    for (let i = 0; i < allowed; i++) starts.push(now);
  }
  return starts;
}

describe('the smooth rate', () => {
  const perSecond20 = parseRate('20/s');

  it('spaces 20/s as one start per 50 ms', () => {
    const starts = greedyStarts(perSecond20, 1_000);
    expect(starts).toEqual(Array.from({ length: 20 }, (_, i) => i * 50));
  });

  it('allows a burst at once after a quiet spell, then one per interval', () => {
    const starts = greedyStarts({ ...perSecond20, burst: 5 }, 1_000);
    expect(starts.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 50]);
    expect(starts).toHaveLength(24);
    expect(rateAllowance({ ...perSecond20, burst: 5 }, 500, 10_000)).toBe(5);
  });

  it('moves the state on from now, or from a state still ahead of now', () => {
    expect(rateAfter(perSecond20, null, 100, 3)).toBe(250);
    expect(rateAfter(perSecond20, 1_000, 100, 1)).toBe(1_050);
    expect(rateAfter(perSecond20, 50, 100, 1)).toBe(150);
    expect(rateAllowance(perSecond20, 150, 100)).toBe(0);
    expect(rateAllowance(perSecond20, 150, 149)).toBe(0);
    expect(rateAllowance(perSecond20, 150, 150)).toBe(1);
    expect(rateAllowance(perSecond20, null, 0)).toBe(1);
  });

  it('keeps the schedule when a claim comes less than one interval late', () => {
    // The slot began at 1,000; a claim 10 ms late takes it and the next slot is 1,050, not 1,060.
    expect(rateAllowance(perSecond20, 1_000, 1_010)).toBe(1);
    expect(rateAfter(perSecond20, 1_000, 1_010, 1)).toBe(1_050);
    expect(rateAfter(perSecond20, 1_000, 1_049, 1)).toBe(1_050);
    // A whole interval late: counted from now.
    expect(rateAfter(perSecond20, 1_000, 1_050, 1)).toBe(1_100);
    // Claims that each come 10 ms after their slot still start 20 a second: 200 over 10 s.
    let tat: number | null = null;
    let starts = 0;
    for (let slot = 0; slot < 10_000; slot += 50) {
      const now = slot + 10;
      const allowed = rateAllowance(perSecond20, tat, now);
      if (allowed > 0) tat = rateAfter(perSecond20, tat, now, allowed);
      starts += allowed;
    }
    expect(starts).toBe(200);
    // The first claim set the schedule: each later one took the slot it came late for.
    expect(tat).toBe(10_010);
  });

  it('gives no more than the burst after an idle spell of 10 intervals', () => {
    expect(rateAllowance(perSecond20, 1_000, 1_500)).toBe(1);
    expect(rateAfter(perSecond20, 1_000, 1_500, 1)).toBe(1_550);
    const burst5 = { ...perSecond20, burst: 5 };
    expect(rateAllowance(burst5, 1_000, 1_500)).toBe(5);
    expect(rateAfter(burst5, 1_000, 1_500, 5)).toBe(1_750);
    // Late by less than an interval, with a burst: still at most the burst.
    expect(rateAllowance(burst5, 1_000, 1_049)).toBe(5);
    expect(rateAfter(burst5, 1_000, 1_049, 5)).toBe(1_250);
  });

  it('tells whether a rate state still matters: ahead of now, or less than an interval past', () => {
    expect(rateStateLive(perSecond20, 1_000, 900)).toBe(true);
    expect(rateStateLive(perSecond20, 1_000, 1_049)).toBe(true);
    expect(rateStateLive(perSecond20, 1_000, 1_050)).toBe(false);
  });

  it('tells when the next start is allowed, null when it is now', () => {
    expect(rateNextStart(perSecond20, null, 100)).toBeNull();
    expect(rateNextStart(perSecond20, 100, 100)).toBeNull();
    expect(rateNextStart(perSecond20, 150, 100)).toBe(150);
    expect(rateNextStart({ ...perSecond20, burst: 3 }, 250, 100)).toBe(150);
    expect(rateNextStart({ ...perSecond20, burst: 3 }, 200, 100)).toBeNull();
  });

  const rates = fc
    .record({ limit: fc.integer({ min: 1, max: 100 }), every: fc.integer({ min: 1, max: 10_000 }), burst: fc.integer({ min: 1, max: 10 }) })
    .map(({ limit, every, burst }) => ({ limit, periodMs: limit * every, burst }));

  it('agrees with itself: no start before the next start it names, one at that time', () => {
    fc.assert(fc.property(rates, fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), (rate, tat, now) => {
      const next = rateNextStart(rate, tat, now);
      if (next === null) {
        expect(rateAllowance(rate, tat, now)).toBeGreaterThanOrEqual(1);
        return;
      }
      expect(next).toBeGreaterThan(now);
      expect(rateAllowance(rate, tat, now)).toBe(0);
      expect(rateAllowance(rate, tat, next - 1)).toBe(0);
      expect(rateAllowance(rate, tat, next)).toBeGreaterThanOrEqual(1);
    }));
  });

  it('never starts more than the burst plus one per interval, however often it is asked', () => {
    fc.assert(fc.property(rates, fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 50_000 }), (rate, stepMs, untilMs) => {
      const interval = rate.periodMs / rate.limit;
      const starts = greedyStarts(rate, untilMs, stepMs);
      const lastAsk = Math.floor((untilMs - 1) / stepMs) * stepMs;
      expect(starts.length).toBeLessThanOrEqual(rate.burst + Math.floor(lastAsk / interval));
      // Asked often enough, it takes all it may.
      if (stepMs === 1) expect(starts).toHaveLength(rate.burst + Math.floor(lastAsk / interval));
    }), { numRuns: 200 });
  });
});

describe('flowWaitReason', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const flow = (overrides: Partial<QueueFlow> = {}): QueueFlow => ({
    queue: 'mail',
    limits: NO_LIMITS,
    pausedUntil: null,
    running: 0,
    due: 1,
    nextStartAt: null,
    busiestKeys: [],
    key: null,
    keyNextStartAt: null,
    ...overrides,
  });
  const keyless = { concurrencyKey: null };
  const ofA = { concurrencyKey: 'a' };
  const later = new Date(now + 30_000);

  it('is null when no limit holds the job', () => {
    expect(flowWaitReason(keyless, flow(), now)).toBeNull();
    expect(flowWaitReason(keyless, flow({ limits: { ...NO_LIMITS, concurrency: 3 }, running: 2 }), now)).toBeNull();
    expect(flowWaitReason(keyless, flow({ pausedUntil: new Date(now - 1) }), now)).toBeNull();
    expect(flowWaitReason(keyless, flow({ limits: { ...NO_LIMITS, rate: parseRate('1/m') }, nextStartAt: null }), now)).toBeNull();
  });

  it('names the pause first, then the queue’s concurrency, then its rate', () => {
    const all = flow({ limits: { ...NO_LIMITS, concurrency: 2, rate: parseRate('20/s') }, running: 2, nextStartAt: later, pausedUntil: later });
    expect(flowWaitReason(keyless, all, now)).toBe(`queue mail paused until ${later.toISOString()} (a handler reported a rate limit)`);
    expect(flowWaitReason(keyless, { ...all, pausedUntil: null }, now)).toBe('queue mail concurrency limit: 2 of 2 running');
    expect(flowWaitReason(keyless, { ...all, pausedUntil: null, running: 1 }, now)).toBe(`queue mail rate limit 20/1s: next start at ${later.toISOString()}`);
  });

  it('names the key’s limit for a job of that key only', () => {
    const limits = { ...NO_LIMITS, keyConcurrency: 1, keyRate: parseRate('1/m') };
    const busy = flow({ limits, key: { key: 'a', running: 1, pending: 4 }, keyNextStartAt: later });
    expect(flowWaitReason(ofA, busy, now)).toBe('key a concurrency limit: 1 of 1 running');
    expect(flowWaitReason(ofA, { ...busy, key: { key: 'a', running: 0, pending: 4 } }, now)).toBe(`key a rate limit 1/1m: next start at ${later.toISOString()}`);
    expect(flowWaitReason(keyless, busy, now)).toBeNull();
    expect(flowWaitReason(ofA, { ...busy, key: { key: 'a', running: 0, pending: 4 }, keyNextStartAt: null }, now)).toBeNull();
  });
});
