/**
 * The schedules entity of the Store contract: recurring and one-off job definitions, and the
 * fire ledger that makes each fire time of a schedule enqueue at most once, however many
 * scheduler processes run at the same time. The timing itself (cron, intervals, misfire
 * policy) is computed above the store (core/schedule-timing.ts) and handed in as `next` and
 * `plan`, so both engines fire by the same rules and only the bookkeeping lives here.
 *
 * The ledger (`schedule_fires`) is keyed by (schedule, fire time, manual): a cadence fire
 * time already in it is never fired again, even if `nextRunAt` is moved back; a manual fire
 * (`scheduleFireNow`) is keyed apart, so it can never take a cadence fire's place.
 */
import type { ScheduleFire, ScheduleInput, ScheduleRecord } from '../../core/types.js';

/** How `scheduleUpsert` treats an existing (or missing) schedule of the same name. */
export type ScheduleUpsertMode = 'create' | 'update' | 'sync';

/** What the scheduler decides for one due schedule: the fire times to enqueue, and the next one. */
export interface SchedulePlan {
  fireTimes: Date[];
  nextRunAt: Date | null;
}

export interface ScheduleStore {
  /**
   * Writes a schedule definition. `create`: ConflictError if the name exists. `update`:
   * NotFoundError if absent; replaces the definition and, if the timing changed,
   * `nextRunAt = next(now)`. `sync` (schedules declared in code): creates if absent, updates
   * the definition if it differs (`nextRunAt` recomputed only if the timing changed).
   * `paused` is never touched. `changed` says whether anything was written. `next` runs
   * with the store's clock; a new schedule's `nextRunAt` is `next(now)`.
   */
  scheduleUpsert(params: {
    readonly schedule: ScheduleInput;
    readonly mode: ScheduleUpsertMode;
    readonly next: (now: Date) => Date | null;
  }): Promise<{ record: ScheduleRecord; created: boolean; changed: boolean }>;

  scheduleGet(params: { readonly name: string }): Promise<ScheduleRecord | null>;

  /** Every schedule, by name. */
  scheduleList(): Promise<ScheduleRecord[]>;

  /** Deletes a schedule and its ledger rows (its jobs stay). False if there was none. */
  scheduleDelete(params: { readonly name: string }): Promise<boolean>;

  /** Pauses or resumes; null if there is no such schedule. `nextRunAt` is left as it is. */
  scheduleSetPaused(params: { readonly name: string; readonly paused: boolean }): Promise<ScheduleRecord | null>;

  /**
   * Fires due schedules: takes up to `limit` unpaused schedules with `nextRunAt <= now`
   * (PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent schedulers split them; SQLite: one
   * IMMEDIATE transaction), calls `plan` with the store's clock, and in the same
   * transaction records a ledger row per fire time not yet in the ledger, enqueues a job
   * from the template (due now) for each new row unless the overlap policy skips it
   * (`skip`: the last job is pending or running; `queue`: it is pending) — then the row has
   * `skipped: 'overlap'` and no job — and sets `nextRunAt`, `lastFireAt` (latest fire time)
   * and `lastJobId` (latest job enqueued). Returns the new ledger rows, schedule by
   * schedule, each schedule's oldest fire first. The jobs wake workers as any insert does.
   * `plan` must not throw: the timing is checked when the schedule is written, and an
   * error would undo the whole call (every schedule of the batch stays due).
   */
  scheduleFireDue(params: {
    readonly limit: number;
    readonly plan: (schedule: ScheduleRecord, now: Date) => SchedulePlan;
  }): Promise<ScheduleFire[]>;

  /**
   * Fires a schedule by hand: a manual ledger row with `fireTime = now` (later than any
   * earlier manual fire of it), a job from the template, the overlap policy ignored;
   * `nextRunAt` unchanged. Null if there is no such schedule.
   */
  scheduleFireNow(params: { readonly name: string }): Promise<ScheduleFire | null>;

  /** The schedule's ledger, newest fire first, with each job's state now (default limit 20). */
  scheduleHistory(params: { readonly name: string; readonly limit?: number }): Promise<ScheduleFire[]>;

  /** Milliseconds until the earliest unpaused `nextRunAt` (0 if one is due), null if none. */
  scheduleNextDueIn(): Promise<number | null>;

  /**
   * Subscribes to "schedules changed" (after upsert with a change, delete, pause, resume):
   * in-process on SQLite, across processes on PostgreSQL (NOTIFY). Returns the unsubscribe.
   * Schedulers still poll as a fallback.
   */
  onSchedulesChanged(listener: () => void): () => void;
}
