/**
 * A store clock a test moves by hand: `openStore(db, { clock })`, then `clock.advance(ms)`
 * makes leases expire and delayed jobs fall due without waiting real time. It runs ahead of
 * the store's real clock (the database's, for PostgreSQL), never behind what it has shown.
 */
import type { StoreClock } from '../../src/store/clock.js';

export class TestClock implements StoreClock {
  private offset = 0;

  /** Milliseconds the store's time is ahead of its real clock. */
  offsetMs(): number {
    return this.offset;
  }

  /** Moves the store's time forward by `ms` (a whole number >= 0). */
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`TestClock.advance: expected a whole number of ms >= 0, received ${ms}`);
    this.offset += ms;
  }

  /** This process's idea of the store's time (exact for SQLite; PostgreSQL's server clock may differ a little). */
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
}
