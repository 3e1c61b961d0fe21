/**
 * The DST rule in every zone `Intl` knows, not only the few chosen by hand: around a
 * transition found in a random zone and year (half-hour shifts, two-hour shifts, skipped
 * days, historical offsets in seconds), the next fire time and the latest one agree with
 * the minute-by-minute reference from any instant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latestFireAtOrBefore, nextFireAfter, resolveTiming } from '../../src/core/schedule-timing.js';
import { HOURS, MINUTES, offsetByName, reference } from './schedule-reference.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const ZONES = Intl.supportedValuesOf('timeZone');

/** An instant at which `tz` changes its offset in `year`, to the second, or null if it never does. */
function transitionIn(tz: string, year: number, pick: number): number | null {
  const changes: number[] = [];
  const start = Date.UTC(year, 0, 1);
  for (let day = start; day < Date.UTC(year + 1, 0, 1); day += DAY) {
    if (offsetByName(day, tz) !== offsetByName(day + DAY, tz)) changes.push(day);
  }
  if (changes.length === 0) return null;
  let lo = changes[pick % changes.length]!;
  let hi = lo + DAY;
  const before = offsetByName(lo, tz);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetByName(mid, tz) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

describe('every zone', () => {
  it('fires by the rule around a transition of a random zone and year', () => {
    const cases = fc.record({
      tz: fc.constantFrom(...ZONES),
      year: fc.integer({ min: 1970, max: 2037 }),
      pick: fc.nat(),
      minute: fc.constantFrom(...MINUTES),
      hour: fc.constantFrom(...HOURS),
      offset: fc.integer({ min: -3 * 3600, max: 3 * 3600 }),
    });
    let checked = 0;
    fc.assert(fc.property(cases, ({ tz, year, pick, minute: [minute, minutes], hour: [hour, hours], offset }) => {
      const at = transitionIn(tz, year, pick);
      // A zone and year without a transition are drawn again: every run checks one.
      fc.pre(at !== null);
      // The reference steps whole minutes from the transition, so its wall minutes line up on
      // both sides only when the two offsets share their seconds (Monrovia's -0:44:30 to 0 in
      // 1972 does not): such a transition is drawn again.
      fc.pre((offsetByName(at - 1000, tz) - offsetByName(at, tz)) % 60_000 === 0);
      checked++;
      const instant = at + offset * 1000 + 500;
      const expected = reference(minutes, hours, tz, at - 30 * HOUR, at + 30 * HOUR);
      const timing = resolveTiming({ cron: `${minute} ${hour} * * *`, tz });
      const label = `${minute} ${hour} * * * in ${tz} from ${new Date(instant).toISOString()}`;
      const next = expected.find((t) => t > instant);
      const latest = expected.findLast((t) => t <= instant);
      if (next !== undefined) expect(nextFireAfter(timing, new Date(instant))?.toISOString(), label).toBe(new Date(next).toISOString());
      if (latest !== undefined) expect(latestFireAtOrBefore(timing, new Date(instant))?.toISOString(), label).toBe(new Date(latest).toISOString());
    }), { numRuns: 80, maxSkipsPerRun: 1000 });
    expect(checked).toBeGreaterThanOrEqual(80);
  }, 120_000);
});
