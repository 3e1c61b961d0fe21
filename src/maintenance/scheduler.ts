/**
 * The scheduler: fires due schedules. It asks the store to fire up to `batch` due schedules
 * at a time (`scheduleFireDue` with `planFires`) until none are left — on PostgreSQL in a few
 * calls side by side, which SKIP LOCKED keeps apart — then sleeps until the
 * earliest next fire time (`scheduleNextDueIn`), a change to the schedules
 * (`onSchedulesChanged`) or the fallback poll, whichever comes first.
 *
 * Every scheduler process fires, not only a leader: the store splits due schedules between
 * concurrent callers (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time), and
 * the fire ledger (unique per schedule and fire time) makes a fire time enqueue at most once
 * however many schedulers run, stall or die. So there is no leader hand-over gap and no
 * single process that bounds throughput; a scheduler that dies leaves nothing to recover.
 *
 * A failing store call is reported (`onError`) and retried with a growing backoff. A
 * schedule found due longer ago than the overdue grace (no scheduler was running to fire
 * it) is reported once as `schedule:overdue` and a warning, until it is on time again.
 */
import { DEFAULTS } from '../core/defaults.js';
import type { EventBus, OrdoEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { backoffDelay } from '../core/retry.js';
import { MAX_TIMER_MS } from '../core/sleep.js';
import { planFires } from '../core/schedule-timing.js';
import type { ScheduleFire, ScheduleRecord } from '../core/types.js';
import type { SchedulePlan, Store } from '../store/contract.js';
import { Service } from '../services/service.js';
import { Wakeup } from '../services/wakeup.js';

/** Sleep after a round that fired nothing while a schedule still looks due (another process holds it). */
const BUSY_RETRY_MS = 50;
/** Fire calls one scheduler runs at once on PostgreSQL, each on a pool connection of its own. */
const POSTGRES_FIRE_LANES = 3;
/** First and longest backoff after a failed store call. */
const BACKOFF = { baseMs: 250, capMs: 5_000 };

export interface SchedulerOptions {
  store: Store;
  logger: Logger;
  events?: EventBus<OrdoEvents>;
  /** Most schedules fired per store call. @defaultValue DEFAULTS.schedules.fireBatch */
  batch?: number;
  /**
   * Longest sleep when no wake-up comes. @defaultValue 1 s on a store whose change
   * notifications stay in the process (SQLite), 30 s with cross-process notifications (PostgreSQL)
   */
  fallbackPollMs?: number;
  /** How late a due schedule must be to count as overdue. @defaultValue DEFAULTS.schedules.overdueGraceMs */
  overdueGraceMs?: number;
  /** A store call failed; the scheduler retries after a backoff. @defaultValue a warning in the log and `store:error` */
  onError?(err: unknown, during: string): void;
}

/** Fires due schedules of the store, in every process that runs one. */
export class Scheduler extends Service {
  private readonly wakeup = new Wakeup();
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private failures = 0;
  /** Overdue schedules already reported, by name, until they are on time again. */
  private readonly overdue = new Set<string>();
  private readonly batch: number;
  private readonly fallbackPollMs: number;
  private readonly overdueGraceMs: number;
  private readonly lanes: number;

  constructor(private readonly options: SchedulerOptions) {
    super();
    const { store } = options;
    const { fireBatch, fallbackPollPostgresMs, fallbackPollSqliteMs, overdueGraceMs } = DEFAULTS.schedules;
    this.batch = options.batch ?? fireBatch;
    this.fallbackPollMs = options.fallbackPollMs ?? (store.capabilities.crossProcessNotify ? fallbackPollPostgresMs : fallbackPollSqliteMs);
    this.overdueGraceMs = options.overdueGraceMs ?? overdueGraceMs;
    // PostgreSQL fires batches side by side (SKIP LOCKED keeps them apart); SQLite has one writer.
    this.lanes = store.engine === 'postgres' ? POSTGRES_FIRE_LANES : 1;
  }

  /** Looks for due schedules now instead of at the end of the current sleep. */
  wake(): void {
    this.wakeup.wake();
  }

  protected async onStart(): Promise<void> {
    this.unsubscribe = this.options.store.onSchedulesChanged(() => this.wakeup.wake());
    this.loop = this.run();
  }

  protected async onStop(): Promise<void> {
    this.unsubscribe?.();
    this.wakeup.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopSignal.aborted) {
      let sleepMs: number;
      try {
        sleepMs = await this.round();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.reportError(err);
        sleepMs = backoffDelay(this.failures, BACKOFF, () => 1); // no jitter: one scheduler's own retries
      }
      if (this.stopSignal.aborted) break;
      await this.wakeup.wait(Math.min(sleepMs, this.fallbackPollMs, MAX_TIMER_MS));
    }
  }

  /** Fires everything due now; returns how long to sleep before the next round. */
  private async round(): Promise<number> {
    // Settled, not raced: a failed lane must not leave another running past a stop.
    const lanes = await Promise.allSettled(Array.from({ length: this.lanes }, () => this.fireAllDue()));
    const failed = lanes.find((lane) => lane.status === 'rejected');
    if (failed) throw failed.reason;
    const total = lanes.reduce((sum, lane) => sum + (lane.status === 'fulfilled' ? lane.value : 0), 0);
    const dueIn = await this.options.store.scheduleNextDueIn();
    if (dueIn === null) return this.fallbackPollMs;
    // Due now but nothing fired: another scheduler holds it; look again shortly, not in a busy loop.
    return dueIn === 0 && total === 0 ? BUSY_RETRY_MS : dueIn;
  }

  /** One lane: fires batch after batch until a batch comes back short; returns the fires. */
  private async fireAllDue(): Promise<number> {
    let fired: ScheduleFire[];
    let total = 0;
    do {
      fired = await this.options.store.scheduleFireDue({ limit: this.batch, plan: (s, now) => this.plan(s, now) });
      total += fired.length;
      for (const fire of fired) this.options.events?.emit('schedule:fired', fire);
      this.reportOverdue();
    } while (fired.length >= this.batch && !this.stopSignal.aborted);
    return total;
  }

  /** Overdue schedules seen by `plan` in the current call, reported after it returns. */
  private seenLate: { schedule: string; nextRunAt: Date; lateMs: number }[] = [];

  /** `planFires`, noting how late each schedule is (the store calls it inside its transaction). */
  private plan(schedule: ScheduleRecord, now: Date): SchedulePlan {
    const lateMs = schedule.nextRunAt ? now.getTime() - schedule.nextRunAt.getTime() : 0;
    if (lateMs > this.overdueGraceMs) this.seenLate.push({ schedule: schedule.name, nextRunAt: schedule.nextRunAt!, lateMs });
    else this.overdue.delete(schedule.name);
    return planFires(schedule, now);
  }

  private reportOverdue(): void {
    const seen = this.seenLate;
    this.seenLate = [];
    for (const late of seen) {
      if (this.overdue.has(late.schedule)) continue;
      this.overdue.add(late.schedule);
      this.options.logger.warn({ schedule: late.schedule, nextRunAt: late.nextRunAt.toISOString(), lateMs: late.lateMs }, 'schedule overdue: no scheduler fired it in time (was one running?)');
      this.options.events?.emit('schedule:overdue', late);
    }
  }

  private reportError(err: unknown): void {
    this.seenLate = [];
    const { onError, logger, events } = this.options;
    if (onError) return onError(err, 'schedule fire');
    events?.emit('store:error', err, 'schedule fire');
    logger.warn({ during: 'schedule fire', err: (err as Error)?.message ?? String(err) }, 'scheduler: store call failed; retrying');
  }
}
