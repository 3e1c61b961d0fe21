/**
 * planFires decides what a due schedule fires by its misfire policy: the fire times are
 * strictly increasing, within [nextRunAt, now], at most misfireLimit (one for skip and
 * once), the latest ones, and the next run is the first fire time after now. A one-off
 * fires once; a long outage costs no more than the limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/core/defaults.js';
import { MISFIRE_GRACE_MS, initialRunAt, nextFireAfter, planFires, resolveTiming, type TimingSpec } from '../../src/core/schedule-timing.js';
import type { MisfirePolicy, ScheduleTiming } from '../../src/core/types.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Timings with how late a scheduler may come in the property (the reference walks every fire). */
const specs = fc.constantFrom<[TimingSpec, number]>(
  [{ every: '1s' }, 10 * MINUTE], [{ every: '7m' }, 2 * DAY], [{ every: '1h30m' }, 2 * DAY],
  [{ cron: '*/30 * * * *', tz: 'America/New_York' }, 2 * DAY], [{ cron: '0 * * * *', tz: 'Australia/Lord_Howe' }, 2 * DAY],
  [{ cron: '15 2 * * *', tz: 'Europe/London' }, 2 * DAY], [{ cron: '*/20 * * * * *', tz: 'Asia/Kolkata' }, 30 * MINUTE],
  [{ cron: '0 0 * * *', tz: 'America/Sao_Paulo' }, 2 * DAY], [{ cron: '0 9 * * 1-5' }, 2 * DAY],
);
const policies = fc.constantFrom<MisfirePolicy>('skip', 'once', 'all');
/** Instants around the 2026 transitions of the zones above. */
const starts = fc.oneof(
  fc.date({ min: new Date('2026-03-07Z'), max: new Date('2026-03-30Z'), noInvalidDate: true }),
  fc.date({ min: new Date('2026-10-02Z'), max: new Date('2026-11-02Z'), noInvalidDate: true }),
  fc.date({ min: new Date('2018-11-02Z'), max: new Date('2018-11-05Z'), noInvalidDate: true }),
);

/** Every fire time in [from, to], walking forwards (the reference for the backward walk). */
function firesBetween(timing: ScheduleTiming, from: Date, to: Date): Date[] {
  const fires: Date[] = [];
  for (let next = nextFireAfter(timing, new Date(from.getTime() - 1)); next && next <= to; next = nextFireAfter(timing, next)) fires.push(next);
  return fires;
}

describe('planFires', () => {
  it('fires the latest due times by policy, and schedules the first fire after now', () => {
    fc.assert(fc.property(specs, starts, fc.double({ min: 0, max: 1, noNaN: true }), policies, fc.integer({ min: 1, max: 150 }), ([spec, maxLate], start, lateness, misfire, misfireLimit) => {
      const timing = resolveTiming(spec);
      const late = Math.floor(lateness * maxLate);
      const nextRunAt = nextFireAfter(timing, start)!;
      const now = new Date(nextRunAt.getTime() + late);
      const plan = planFires({ timing, nextRunAt, misfire, misfireLimit }, now);

      const times = plan.fireTimes.map((d) => d.getTime());
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
      for (const t of times) {
        expect(t).toBeGreaterThanOrEqual(nextRunAt.getTime());
        expect(t).toBeLessThanOrEqual(now.getTime());
      }
      expect(times.length).toBeLessThanOrEqual(misfire === 'all' ? misfireLimit : 1);
      expect(plan.nextRunAt!.getTime()).toBeGreaterThan(now.getTime());
      expect(plan.nextRunAt).toEqual(nextFireAfter(timing, now));

      const due = firesBetween(timing, nextRunAt, now);
      const latest = due.at(-1)!;
      const expected = misfire === 'all' ? due.slice(-misfireLimit)
        : misfire === 'once' || now.getTime() - latest.getTime() <= MISFIRE_GRACE_MS ? [latest] : [];
      expect(plan.fireTimes).toEqual(expected);
    }), { numRuns: 300 });
  }, 60_000);

  it('skip fires the latest time while it is on time, and nothing once it is later than the grace', () => {
    const timing = resolveTiming({ cron: '0 * * * *' });
    const nextRunAt = new Date('2026-05-01T08:00:00Z');
    const s = { timing, nextRunAt, misfire: 'skip' as const, misfireLimit: 100 };
    expect(planFires(s, new Date('2026-05-01T10:00:59Z')).fireTimes).toEqual([new Date('2026-05-01T10:00:00Z')]);
    expect(planFires(s, new Date(Date.parse('2026-05-01T10:00:00Z') + MISFIRE_GRACE_MS + 1))).toEqual({
      fireTimes: [], nextRunAt: new Date('2026-05-01T11:00:00Z'),
    });
    expect(MISFIRE_GRACE_MS).toBe(DEFAULTS.schedules.misfireGraceMs);
  });

  it('once fires the latest missed time only; all fires each, oldest first', () => {
    const timing = resolveTiming({ every: '10m' });
    const nextRunAt = new Date('2026-05-01T08:00:00Z');
    const now = new Date('2026-05-01T08:35:00Z');
    expect(planFires({ timing, nextRunAt, misfire: 'once', misfireLimit: 100 }, now).fireTimes).toEqual([new Date('2026-05-01T08:30:00Z')]);
    expect(planFires({ timing, nextRunAt, misfire: 'all', misfireLimit: 100 }, now).fireTimes.map((d) => d.toISOString().slice(11, 16)))
      .toEqual(['08:00', '08:10', '08:20', '08:30']);
    expect(planFires({ timing, nextRunAt, misfire: 'all', misfireLimit: 2 }, now).fireTimes.map((d) => d.toISOString().slice(11, 16)))
      .toEqual(['08:20', '08:30']);
  });

  it('fires a one-off once, then never again', () => {
    const timing = resolveTiming({ at: '2026-05-01T08:00:00Z' });
    const first = planFires({ timing, nextRunAt: timing.kind === 'once' ? timing.at : null, misfire: 'once', misfireLimit: 100 }, new Date('2026-05-01T08:00:01Z'));
    expect(first).toEqual({ fireTimes: [new Date('2026-05-01T08:00:00Z')], nextRunAt: null });
    expect(planFires({ timing, nextRunAt: null, misfire: 'once', misfireLimit: 100 }, new Date('2026-05-02Z'))).toEqual({ fireTimes: [], nextRunAt: null });
    // Missed by more than the grace under skip: it is dropped, and the schedule is done.
    expect(planFires({ timing, nextRunAt: new Date('2026-05-01T08:00:00Z'), misfire: 'skip', misfireLimit: 100 }, new Date('2026-05-01T09:00:00Z')))
      .toEqual({ fireTimes: [], nextRunAt: null });
  });

  it('starts a one-off whose time has just passed at that time, so it still fires once', () => {
    const timing = resolveTiming({ at: '2026-05-01T08:00:00Z' });
    const now = new Date('2026-05-01T08:00:00.250Z');
    expect(initialRunAt(timing, now)).toEqual(new Date('2026-05-01T08:00:00Z'));
    expect(nextFireAfter(timing, now)).toBeNull();
    const plan = planFires({ timing, nextRunAt: initialRunAt(timing, now), misfire: 'skip', misfireLimit: 100 }, now);
    expect(plan).toEqual({ fireTimes: [new Date('2026-05-01T08:00:00Z')], nextRunAt: null });
    // Other timings start at their first fire time after now.
    expect(initialRunAt(resolveTiming({ every: '1h' }), now)).toEqual(new Date('2026-05-01T09:00:00Z'));
  });

  it('leaves a schedule that is not due alone', () => {
    const timing = resolveTiming({ every: '1h' });
    const nextRunAt = new Date('2026-05-01T09:00:00Z');
    expect(planFires({ timing, nextRunAt, misfire: 'all', misfireLimit: 100 }, new Date('2026-05-01T08:59:59.999Z'))).toEqual({ fireTimes: [], nextRunAt });
  });

  it('costs no more than the limit after years without a scheduler', () => {
    for (const spec of [{ every: '1s' }, { cron: '* * * * * *', tz: 'America/New_York' }]) {
      const timing = resolveTiming(spec);
      const nextRunAt = new Date('2016-01-01T00:00:00Z');
      const now = new Date('2026-05-01T08:00:00.500Z');
      const started = performance.now();
      const plan = planFires({ timing, nextRunAt, misfire: 'all', misfireLimit: DEFAULTS.schedules.misfireLimit }, now);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(plan.fireTimes).toHaveLength(100);
      expect(plan.fireTimes.at(-1)).toEqual(new Date('2026-05-01T08:00:00Z'));
      expect(plan.fireTimes[0]).toEqual(new Date('2026-05-01T07:58:21Z'));
      expect(plan.nextRunAt).toEqual(new Date('2026-05-01T08:00:01Z'));
    }
  });

  it('treats a limit that is not a count as the default', () => {
    const timing = resolveTiming({ every: '1m' });
    const plan = planFires({ timing, nextRunAt: new Date(0), misfire: 'all', misfireLimit: Number.NaN }, new Date(1_000 * MINUTE));
    expect(plan.fireTimes).toHaveLength(DEFAULTS.schedules.misfireLimit);
  });
});

describe('DEFAULTS.schedules', () => {
  it('holds the documented defaults, consistent with each other', () => {
    const d = DEFAULTS.schedules;
    expect(d).toMatchObject({ misfireGraceMs: 60_000, misfireLimit: 100, misfire: 'once', overlap: 'allow', pruneAgeMs: 7 * DAY, pruneIntervalMs: MINUTE });
    expect(d.fallbackPollSqliteMs).toBeLessThanOrEqual(1_000);
    expect(d.fallbackPollPostgresMs).toBeLessThanOrEqual(30_000);
    // A schedule is reported overdue only once a scheduler polling at the slowest fallback would have fired it.
    expect(d.overdueGraceMs).toBeGreaterThan(d.fallbackPollPostgresMs + d.misfireGraceMs);
    expect(d.fireBatch).toBeGreaterThanOrEqual(1);
  });
});
