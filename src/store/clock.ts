/**
 * The store's clock, as a test can move it. Time in Ordo is the store's clock: SQLite's is
 * this process's clock, PostgreSQL's is the database server's `now()`, never a worker's. A
 * test that wants a lease to expire, or a delayed job to fall due, should not wait real time
 * for it, so a store accepts a `StoreClock` that runs ahead of its real clock by an offset.
 *
 * An offset (rather than a clock that returns any time it likes) is what PostgreSQL can
 * honour without leaving its own clock: every statement's `now()` becomes `now() + offset`
 * (see postgres/clock.ts), so production SQL is unchanged and test SQL differs by one term.
 * With no clock the offset is 0 and nothing is rewritten.
 */
import { ValidationError } from '../core/errors.js';

/** A clock that runs `offsetMs()` milliseconds ahead of the store's real clock. */
export interface StoreClock {
  /** How far ahead of the real clock the store's time is, in ms (an integer; 0 in production). */
  offsetMs(): number;
}

/** The offset of `clock` now (0 without one); throws if the clock returns something unusable. */
export function clockOffset(clock: StoreClock | undefined): number {
  if (!clock) return 0;
  const offset = clock.offsetMs();
  if (!Number.isSafeInteger(offset)) throw new ValidationError('clock.offsetMs()', 'a whole number of milliseconds', offset);
  return offset;
}

/** Checks an option value: absent, or an object with an `offsetMs()` method. */
export function checkClock(clock: unknown): StoreClock | undefined {
  if (clock === undefined) return undefined;
  if (typeof clock !== 'object' || clock === null || typeof (clock as StoreClock).offsetMs !== 'function') {
    throw new ValidationError('clock', 'an object with an offsetMs() method (a StoreClock)', clock);
  }
  return clock as StoreClock;
}
