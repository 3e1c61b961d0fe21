/**
 * `ordo.schedules`: schedules as data, for users, the CLI and the HTTP API. Resolves specs
 * (`schedule-spec.ts`), calls the store, and adds what people need to read a schedule: an
 * `overdue` flag with its reason (`schedule-overdue.ts`) and, for one schedule, a preview
 * of its next fires.
 */
import { DEFAULTS } from '../core/defaults.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { initialRunAt, nextFires } from '../core/schedule-timing.js';
import type { ScheduleFire, ScheduleInput, ScheduleRecord } from '../core/types.js';
import type { Store } from '../store/contract.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { ScheduleClient } from './api.js';
import { overdueReason, type OverdueReason } from './schedule-overdue.js';
import { mergeSpec, resolveSchedule, specOf, type ScheduleSpec } from './schedule-spec.js';

/** A schedule as listed: the stored record and whether its work is overdue. */
export interface ScheduleView extends ScheduleRecord {
  /** Not paused, and its work late past `DEFAULTS.schedules.overdueGraceMs` (see `overdueReason`). */
  overdue: boolean;
  /** Why it is overdue; null when it is not. */
  overdueReason: OverdueReason | null;
}

/** One schedule with a preview of its coming fires. */
export interface ScheduleDetail extends ScheduleView {
  /** The next fire times from `nextRunAt` on (at most 5; none when it will not fire again). */
  nextFires: Date[];
}

/** How many fire times `get` previews. */
export const PREVIEW_FIRES = 5;
const MAX_HISTORY_LIMIT = 1_000;

export class Schedules implements ScheduleClient {
  /**
   * @param now The time `overdue` is judged at; the store's own clock decides every fire.
   *   @defaultValue the process clock
   */
  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a schedule; a `ConflictError` if the name is taken. */
  async add(name: string, spec: ScheduleSpec): Promise<ScheduleDetail> {
    const input = resolveSchedule(name, spec, this.tasks.get(spec?.task), 'api');
    this.checkFuture(input);
    const { record } = await this.store.scheduleUpsert({ schedule: input, mode: 'create', next: nextOf(input) });
    return this.detail(record);
  }

  /**
   * Changes some fields of a schedule and keeps the rest. A new timing recomputes the next
   * fire; anything else leaves it. A `NotFoundError` for an unknown name.
   */
  async update(name: string, change: Partial<ScheduleSpec>): Promise<ScheduleDetail> {
    const stored = await this.record(name);
    const spec = mergeSpec(specOf(stored), change ?? {});
    const input = resolveSchedule(name, spec, this.tasks.get(spec.task), stored.source);
    if (change?.at !== undefined) this.checkFuture(input);
    const { record } = await this.store.scheduleUpsert({ schedule: input, mode: 'update', next: nextOf(input) });
    return this.detail(record);
  }

  /** One schedule with its next fires; a `NotFoundError` for an unknown name. */
  async get(name: string): Promise<ScheduleDetail> {
    return this.detail(await this.record(name));
  }

  /** Every schedule, by name. */
  async list(): Promise<ScheduleView[]> {
    const now = this.now();
    return (await this.store.scheduleList()).map((record) => this.view(record, now));
  }

  /** Deletes a schedule and its fire history; jobs it enqueued stay. */
  async remove(name: string): Promise<void> {
    if (!(await this.store.scheduleDelete({ name: checkLookupName(name) }))) throw new NotFoundError('schedule', name);
  }

  /** Stops a schedule firing (its missed fires follow the misfire policy on resume). */
  async pause(name: string): Promise<ScheduleView> {
    return this.setPaused(name, true);
  }

  async resume(name: string): Promise<ScheduleView> {
    return this.setPaused(name, false);
  }

  /** Fires a schedule once now, recorded as manual; its cadence (`nextRunAt`) stays as it was. */
  async run(name: string): Promise<ScheduleFire> {
    const fire = await this.store.scheduleFireNow({ name: checkLookupName(name) });
    if (!fire) throw new NotFoundError('schedule', name);
    return fire;
  }

  /** A schedule's fires, newest first, from its fire ledger. */
  async history(name: string, options: { limit?: number } = {}): Promise<ScheduleFire[]> {
    const limit = checkHistoryLimit(options.limit);
    await this.record(name);
    return this.store.scheduleHistory({ name, limit });
  }

  /** A one-off time already past would never fire: almost surely a mistake (a wrong year or zone). */
  private checkFuture(input: ScheduleInput): void {
    const { timing } = input;
    if (timing.kind === 'once' && timing.at.getTime() <= this.now().getTime()) {
      throw new ValidationError('at', 'a time in the future', timing.at.toISOString());
    }
  }

  private async record(name: string): Promise<ScheduleRecord> {
    const record = await this.store.scheduleGet({ name: checkLookupName(name) });
    if (!record) throw new NotFoundError('schedule', name);
    return record;
  }

  private async setPaused(name: string, paused: boolean): Promise<ScheduleView> {
    const record = await this.store.scheduleSetPaused({ name: checkLookupName(name), paused });
    if (!record) throw new NotFoundError('schedule', name);
    return this.view(record, this.now());
  }

  private view(record: ScheduleRecord, now: Date): ScheduleView {
    const reason = overdueReason(record, now);
    return { ...record, overdue: reason !== null, overdueReason: reason };
  }

  private detail(record: ScheduleRecord): ScheduleDetail {
    const next = record.nextRunAt;
    const fires = next === null ? [] : nextFires(record.timing, new Date(next.getTime() - 1), PREVIEW_FIRES);
    return { ...this.view(record, this.now()), nextFires: fires };
  }
}

/** How many fires `history` reads: the default when not given, else 1 to 1000. */
export function checkHistoryLimit(limit: number = DEFAULTS.schedules.historyLimit): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw new ValidationError('limit', `a whole number from 1 to ${MAX_HISTORY_LIMIT}`, limit);
  }
  return limit;
}

/** A schedule name as far as a lookup needs: a non-empty string (an unknown one is not found). */
export function checkLookupName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError('name', 'a schedule name', name);
  return name;
}

/** The first fire of a definition after the store's `now`. */
export function nextOf(input: ScheduleInput): (now: Date) => Date | null {
  return (now) => initialRunAt(input.timing, now);
}
