/**
 * The lease rescuer: while its process leads the `maintenance` role, it gives running jobs
 * whose lease expired (their worker died or stalled) back to pending every `rescueMs`
 * (`jobRescueExpired`; the lost attempt is recorded as `worker_lost`).
 *
 * A process that becomes leader without having seen trouble sweeps at once, so a restarted
 * worker recovers its dead predecessor's jobs as soon as their leases expired. After a gap it
 * waits one full lease of quiet first: when it gets leadership back after losing it, gets
 * the database back after a failed call or election, or finds its own timers ran late (the
 * process was frozen: a blocked event loop, a suspended machine). After such a gap, leases may have
 * lapsed only because their holders could not reach the database or run their timers
 * either; a holder that is alive renews its leases (heartbeats are fenced by holder, not by
 * expiry) and writes the results it kept within that lease, so its jobs are neither taken
 * away nor run twice. Only leases still expired after that are a dead worker's.
 *
 * The workers of the rescuer's own process are left out of every sweep: they share its event
 * loop, so while it runs they are alive, at worst stalled with it, and a sweep sent before a
 * stall reaches the database only after it (the timers above cannot see that one coming).
 *
 * Sweeps cost statements, and a deployment with no job about needs none. So on a store whose
 * "jobs available" signals reach every process (PostgreSQL's NOTIFY: inserts, retries,
 * releases, resumes), the rescuer sweeps every `rescueMs` only while it has seen a sign of
 * jobs lately (such a signal, or a sweep that recovered some) — within two leases and a sweep
 * interval, long enough for a job claimed at the signal by a worker that died at once to
 * expire and be swept — and every `idleRescueMs` after that. A job that runs long after the
 * last sign (no job made due anywhere since) is then recovered within its lease and
 * `idleRescueMs` of its worker's death, instead of its lease and `rescueMs`. Taking the lead
 * counts as a sign: leases taken before it expire within two leases, unannounced.
 *
 * What at-least-once means, then: a holder that cannot heartbeat for a whole lease while
 * the leader can (a handler that blocks its event loop longer than the lease, a network cut
 * between it and the database) is taken for dead. Its job runs again elsewhere, possibly
 * while the old handler still runs; the old attempt's late result is discarded by the
 * fenced finish, and the job ends by the attempt that replaced it. Handlers must therefore
 * be idempotent (`ctx.jobId`, `ctx.attempt`) and must not block the event loop for as long
 * as the lease.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { DEFAULTS } from '../core/defaults.js';
import type { EventBus, OrdoEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/contract.js';
import { Service } from '../services/service.js';
import { Ticker } from '../services/ticker.js';
import type { Elector } from './elector.js';

export interface RescuerOptions {
  store: Store;
  elector: Elector;
  /** Time between sweeps while jobs are about. */
  rescueMs: number;
  /**
   * Time between sweeps after two leases without a sign of jobs, on a store whose signals
   * cross processes (elsewhere every sweep is `rescueMs` apart). @defaultValue the longer of
   * `rescueMs` and DEFAULTS.idleRescueMs (30 s)
   */
  idleRescueMs?: number;
  /** The job lease: the quiet time to wait before a sweep after a gap (see above). */
  leaseMs: number;
  /** Timer lateness that counts as a frozen process. */
  stallMs: number;
  logger: Logger;
  events?: EventBus<OrdoEvents>;
  onError(err: unknown): void;
  /** Called after a sweep that gave jobs back, e.g. to wake a claim loop in this process. */
  onRescued?(): void;
  /** Workers of this process: never dead while the rescuer runs, so their jobs are left to them. */
  localWorkers?(): readonly string[];
}

/** Sweeps expired leases while leader, after a lease of quiet following any gap. */
export class Rescuer extends Service {
  private readonly ticker: Ticker;
  /** Since when the conditions for a sweep have held without a gap; null: not now. */
  private quietSince: number | null = null;
  private term: number | null = null;
  /** A gap was seen (see above): the next leadership starts with a lease of quiet. */
  private gap = false;
  /** The elector's failure count already taken into account. */
  private failuresSeen = 0;
  private readonly unsubscribe: () => void;
  private unsubscribeJobs: () => void = () => {};
  /** When the last sweep ran, and when a sign of jobs was last seen (see above). */
  private sweptAt = -Infinity;
  private jobsSeenAt = -Infinity;
  private readonly idleRescueMs: number;
  /**
   * Event-loop delays of this process since the last tick. A late timer alone misses a block
   * that began while a sweep was in flight (the next tick is then on time); this does not.
   */
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });

  constructor(private readonly options: RescuerOptions) {
    super();
    // Where signals stay in their process, silence says nothing: every sweep is rescueMs apart.
    // (A store without capabilities, as a test's stub, is taken as one of those.)
    this.idleRescueMs = options.store.capabilities?.crossProcessNotify === true ? Math.max(options.rescueMs, options.idleRescueMs ?? DEFAULTS.idleRescueMs) : options.rescueMs;
    this.ticker = new Ticker(options.rescueMs, (lateMs) => this.tick(lateMs), options.onError);
    this.unsubscribe = options.elector.onChange(() => {
      this.rearm();
      // Sweep as soon as allowed, not a whole interval after leadership came.
      if (this.quietSince !== null) this.ticker.runSoon(this.waitingMs ?? 0);
    });
  }

  /** Milliseconds until the next sweep may run, or null while not leader. For tests and status. */
  get waitingMs(): number | null {
    if (this.quietSince === null) return null;
    return Math.max(0, this.quietSince + this.options.leaseMs - Date.now());
  }

  protected async onStart(): Promise<void> {
    if (this.idleRescueMs > this.options.rescueMs) this.unsubscribeJobs = this.options.store.onJobsAvailable(() => (this.jobsSeenAt = Date.now()));
    this.loopDelay.enable();
    this.ticker.start({ immediately: true });
  }

  protected async onStop(): Promise<void> {
    this.unsubscribe();
    this.unsubscribeJobs();
    await this.ticker.stop();
    this.loopDelay.disable();
  }

  /** True if this process was frozen for longer than `stallMs` since the last look. */
  private wasFrozen(lateMs: number): boolean {
    const frozen = lateMs > this.options.stallMs || this.loopDelay.max / 1e6 > this.options.stallMs;
    this.loopDelay.reset();
    return frozen;
  }

  /** Starts the quiet time again after a gap, sweeps at once without one, or ends it while not leader. */
  private rearm(gap = false): void {
    const { elector, leaseMs } = this.options;
    if (elector.failures !== this.failuresSeen) {
      this.failuresSeen = elector.failures;
      gap = true;
    }
    if (this.term !== null && elector.term !== this.term) gap = true; // leadership lost or re-taken
    this.gap ||= gap;
    this.term = elector.term;
    if (!elector.isLeader) return void (this.quietSince = null);
    // The first sweep after the quiet time (or at once) is never put off as idle, nor are the
    // sweeps of the two leases after it: leases taken before this process led (a dead
    // worker's, claimed before it started) expire within them, with no signal to announce them.
    this.sweptAt = -Infinity;
    this.jobsSeenAt = Date.now();
    this.quietSince = this.gap ? Date.now() : Date.now() - leaseMs;
    this.gap = false;
  }

  private async tick(lateMs: number): Promise<void> {
    // Leadership changes rearm through the elector's onChange; only a freeze is seen here.
    if (this.wasFrozen(lateMs)) this.rearm(true);
    const wait = this.waitingMs;
    if (wait === null || wait > 0) {
      // Come back when the quiet time is over rather than a whole interval later.
      if (wait !== null) this.ticker.runSoon(Math.min(this.options.rescueMs, wait));
      return;
    }
    if (this.idleNow()) return;
    try {
      await this.sweep();
    } catch (err) {
      this.rearm(true);
      throw err;
    }
  }

  /** True when no sign of jobs was seen lately and the last sweep is less than an idle interval old. */
  private idleNow(): boolean {
    const { leaseMs, rescueMs } = this.options;
    const now = Date.now();
    if (now - this.jobsSeenAt < 2 * leaseMs + rescueMs) return false;
    // Half an interval early: the tick that lands nearest the idle interval sweeps.
    return now - this.sweptAt < this.idleRescueMs - rescueMs / 2;
  }

  private async sweep(): Promise<void> {
    const { rescued, failed, cancelled } = await this.options.store.jobRescueExpired({ exceptWorkers: this.options.localWorkers?.() ?? [] });
    this.sweptAt = Date.now();
    const counts = { rescued: rescued.length, failed: failed.length, cancelled: cancelled.length };
    if (counts.rescued + counts.failed + counts.cancelled === 0) return;
    this.jobsSeenAt = this.sweptAt;
    this.options.logger.warn(counts, 'recovered jobs whose worker stopped heartbeating');
    this.options.events?.emit('jobs:rescued', counts);
    this.options.onRescued?.();
  }
}
