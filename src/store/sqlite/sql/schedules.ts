/**
 * Schedule definitions on SQLite: scheduleUpsert (create, update, sync), scheduleGet,
 * scheduleList, scheduleDelete, scheduleSetPaused and scheduleNextDueIn. Each write reads
 * and changes its row inside one IMMEDIATE transaction, so two processes syncing the same
 * code schedule at start write it once. The fire ledger is in schedule-fires.ts.
 */
import { NotFoundError } from '../../../core/errors.js';
import type { Json, JobState, ScheduleInput, ScheduleRecord } from '../../../core/types.js';
import type { ScheduleUpsertMode } from '../../contract/schedules.js';
import { sameDefinition, sameTiming, scheduleExists, storedTiming, timingFromStored } from '../../schedule-records.js';
import type { SqliteConnection } from '../connection.js';
import { toDate } from '../rows.js';

/** A `schedules` row as SQLite returns it, with the state of its last job joined in. */
export interface ScheduleRow {
  id: number;
  name: string;
  task: string;
  queue: string;
  payload: string;
  priority: number;
  max_attempts: number;
  timeout_ms: number | null;
  backoff_base_ms: number | null;
  backoff_cap_ms: number | null;
  timing_kind: string;
  timing_expr: string;
  tz: string;
  misfire: ScheduleRecord['misfire'];
  misfire_limit: number;
  overlap: ScheduleRecord['overlap'];
  source: ScheduleRecord['source'];
  paused: number;
  next_run_at: number | null;
  last_fire_at: number | null;
  last_job_id: number | null;
  created_at: number;
  updated_at: number;
  last_outcome: JobState | null;
}

/** Selects `ScheduleRow`s: add a WHERE / ORDER BY. */
export const SELECT_SCHEDULES = `
  SELECT s.*, j.state AS last_outcome
  FROM schedules s LEFT JOIN jobs j ON j.id = s.last_job_id`;

const BY_NAME = `${SELECT_SCHEDULES} WHERE s.name = ?`;
const ALL = `${SELECT_SCHEDULES} ORDER BY s.name`;

const DEFINITION = `
  task = @task, queue = @queue, payload = @payload, priority = @priority,
  max_attempts = @maxAttempts, timeout_ms = @timeoutMs, backoff_base_ms = @backoffBaseMs,
  backoff_cap_ms = @backoffCapMs, timing_kind = @kind, timing_expr = @expr, tz = @tz,
  misfire = @misfire, misfire_limit = @misfireLimit, overlap = @overlap, source = @source`;

const INSERT = `
  INSERT INTO schedules (name, task, queue, payload, priority, max_attempts, timeout_ms,
    backoff_base_ms, backoff_cap_ms, timing_kind, timing_expr, tz, misfire, misfire_limit,
    overlap, source, next_run_at, created_at, updated_at)
  VALUES (@name, @task, @queue, @payload, @priority, @maxAttempts, @timeoutMs,
    @backoffBaseMs, @backoffCapMs, @kind, @expr, @tz, @misfire, @misfireLimit,
    @overlap, @source, @nextRunAt, @now, @now)`;

const UPDATE = `
  UPDATE schedules SET ${DEFINITION}, updated_at = @now,
    next_run_at = CASE WHEN @retime THEN @nextRunAt ELSE next_run_at END
  WHERE name = @name`;

const DELETE = `DELETE FROM schedules WHERE name = ?`;
const SET_PAUSED = `UPDATE schedules SET paused = @paused, updated_at = @now WHERE name = @name`;
const NEXT_DUE = `SELECT MIN(next_run_at) AS next FROM schedules WHERE paused = 0 AND next_run_at IS NOT NULL`;

export function scheduleFromRow(row: ScheduleRow): ScheduleRecord {
  return {
    id: String(row.id),
    name: row.name,
    timing: timingFromStored(row.timing_kind, row.timing_expr, row.tz),
    job: {
      task: row.task,
      queue: row.queue,
      payload: JSON.parse(row.payload) as Json,
      priority: row.priority,
      maxAttempts: row.max_attempts,
      timeoutMs: row.timeout_ms,
      backoffBaseMs: row.backoff_base_ms,
      backoffCapMs: row.backoff_cap_ms,
    },
    misfire: row.misfire,
    misfireLimit: row.misfire_limit,
    overlap: row.overlap,
    source: row.source,
    paused: row.paused !== 0,
    nextRunAt: toDate(row.next_run_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lastFireAt: toDate(row.last_fire_at),
    lastJobId: row.last_job_id === null ? null : String(row.last_job_id),
    lastOutcome: row.last_outcome,
  };
}

function definitionParams(input: ScheduleInput): Record<string, unknown> {
  const { job } = input;
  const timing = storedTiming(input.timing);
  return {
    name: input.name,
    task: job.task,
    queue: job.queue,
    payload: JSON.stringify(job.payload ?? null),
    priority: job.priority,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    backoffBaseMs: job.backoffBaseMs,
    backoffCapMs: job.backoffCapMs,
    kind: timing.kind,
    expr: timing.expr,
    tz: timing.tz,
    misfire: input.misfire,
    misfireLimit: input.misfireLimit,
    overlap: input.overlap,
    source: input.source,
  };
}

export interface UpsertParams {
  readonly schedule: ScheduleInput;
  readonly mode: ScheduleUpsertMode;
  readonly next: (now: Date) => Date | null;
}

/** Creates, updates or syncs a schedule (see the contract); `changed` says whether it wrote. */
export function upsertSchedule(c: SqliteConnection, now: number, params: UpsertParams): { record: ScheduleRecord; created: boolean; changed: boolean } {
  const { schedule, mode, next } = params;
  return c.write(() => {
    const existing = readSchedule(c, schedule.name);
    if (existing && mode === 'create') throw scheduleExists(schedule.name);
    if (!existing && mode === 'update') throw new NotFoundError('schedule', schedule.name);
    if (!existing) {
      const nextRunAt = next(new Date(now))?.getTime() ?? null;
      c.prepare(INSERT).run({ ...definitionParams(schedule), nextRunAt, now });
      return { record: mustRead(c, schedule.name), created: true, changed: true };
    }
    if (sameDefinition(existing, schedule)) return { record: existing, created: false, changed: false };
    const retime = !sameTiming(existing.timing, schedule.timing);
    const nextRunAt = retime ? (next(new Date(now))?.getTime() ?? null) : null;
    c.prepare(UPDATE).run({ ...definitionParams(schedule), retime: retime ? 1 : 0, nextRunAt, now });
    return { record: mustRead(c, schedule.name), created: false, changed: true };
  });
}

export function readSchedule(c: SqliteConnection, name: string): ScheduleRecord | null {
  const row = c.prepare(BY_NAME).get(name) as ScheduleRow | undefined;
  return row ? scheduleFromRow(row) : null;
}

export function listSchedules(c: SqliteConnection): ScheduleRecord[] {
  return (c.prepare(ALL).all() as ScheduleRow[]).map(scheduleFromRow);
}

/** Deletes the schedule; its ledger rows go with it (ON DELETE CASCADE). */
export function deleteSchedule(c: SqliteConnection, name: string): boolean {
  return c.write(() => c.prepare(DELETE).run(name).changes > 0);
}

export function setSchedulePaused(c: SqliteConnection, now: number, name: string, paused: boolean): ScheduleRecord | null {
  return c.write(() => {
    const { changes } = c.prepare(SET_PAUSED).run({ name, paused: paused ? 1 : 0, now });
    return changes === 0 ? null : mustRead(c, name);
  });
}

/** Milliseconds until the earliest unpaused schedule is due (0 if one is), null if none. */
export function scheduleNextDueIn(c: SqliteConnection, now: number): number | null {
  const { next } = c.prepare(NEXT_DUE).get() as { next: number | null };
  return next === null ? null : Math.max(0, next - now);
}

function mustRead(c: SqliteConnection, name: string): ScheduleRecord {
  const record = readSchedule(c, name);
  if (!record) throw new Error(`schedule ${JSON.stringify(name)} vanished inside its own transaction`);
  return record;
}

