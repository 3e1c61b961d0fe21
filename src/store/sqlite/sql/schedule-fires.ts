/**
 * The fire ledger on SQLite: scheduleFireDue, scheduleFireNow, scheduleHistory. A fire is
 * one IMMEDIATE transaction (never across an await: `plan` is synchronous): read the due
 * schedules, plan each, record the fire times not yet in the ledger (ON CONFLICT DO
 * NOTHING on its key), enqueue a job for each recorded time the overlap policy lets
 * through, and move the schedule on. Another process's scheduler waits for the write lock
 * and then finds the schedules moved on, so each fire time enqueues once.
 */
import type { JobState, ScheduleFire, ScheduleRecord } from '../../../core/types.js';
import type { SchedulePlan } from '../../contract/schedules.js';
import { DEFAULT_HISTORY_LIMIT, decideFires, jobFromTemplate, newFire, sortedFireTimes } from '../../schedule-records.js';
import type { SqliteConnection } from '../connection.js';
import { insertJobRow } from './jobs-insert.js';
import { SELECT_SCHEDULES, type ScheduleRow, readSchedule, scheduleFromRow } from './schedules.js';

const DUE = `
  ${SELECT_SCHEDULES}
  WHERE s.paused = 0 AND s.next_run_at IS NOT NULL AND s.next_run_at <= ?
  ORDER BY s.next_run_at, s.id LIMIT ?`;

const RECORD_FIRE = `
  INSERT INTO schedule_fires (schedule_id, fire_time, manual, fired_at, job_id, skipped)
  VALUES (@scheduleId, @fireTime, @manual, @now, @jobId, @skipped)
  ON CONFLICT DO NOTHING`;

const IN_LEDGER = `SELECT 1 FROM schedule_fires WHERE schedule_id = ? AND manual = 0 AND fire_time = ?`;

const MOVE_ON = `
  UPDATE schedules SET next_run_at = @nextRunAt, last_fire_at = @lastFireAt, last_job_id = @lastJobId
  WHERE id = @id`;

const LAST_MANUAL = `SELECT MAX(fire_time) AS t FROM schedule_fires WHERE schedule_id = ? AND manual = 1`;

const HISTORY = `
  SELECT f.*, j.state AS job_state FROM schedule_fires f LEFT JOIN jobs j ON j.id = f.job_id
  WHERE f.schedule_id = ? ORDER BY f.fire_time DESC, f.manual DESC LIMIT ?`;

interface FireRow {
  schedule_id: number;
  fire_time: number;
  manual: number;
  fired_at: number;
  job_id: number | null;
  skipped: 'overlap' | null;
  job_state: JobState | null;
}

type Plan = (schedule: ScheduleRecord, now: Date) => SchedulePlan;

/** Fires up to `limit` due schedules; returns the new ledger rows and the queues that got jobs. */
export function fireDue(c: SqliteConnection, now: number, limit: number, plan: Plan): { fires: ScheduleFire[]; queues: string[] } {
  const fires: ScheduleFire[] = [];
  const queues = new Set<string>();
  c.write(() => {
    for (const row of c.prepare(DUE).all(now, limit) as ScheduleRow[]) {
      const schedule = scheduleFromRow(row);
      const decided = plan(schedule, new Date(now));
      const fired = fireSchedule(c, now, schedule, decided);
      fires.push(...fired);
      if (fired.some((f) => f.jobId !== null)) queues.add(schedule.job.queue);
    }
  });
  return { fires, queues: [...queues] };
}

/** Records and enqueues one schedule's new fire times, and moves it on to `nextRunAt`. */
function fireSchedule(c: SqliteConnection, now: number, schedule: ScheduleRecord, decided: SchedulePlan): ScheduleFire[] {
  const id = Number(schedule.id);
  const fresh = sortedFireTimes(decided.fireTimes).filter((t) => !c.prepare(IN_LEDGER).get(id, t.getTime()));
  const enqueue = decideFires(schedule.overlap, schedule.lastOutcome, fresh.length);
  let lastJobId = schedule.lastJobId === null ? null : Number(schedule.lastJobId);
  let lastFireAt = schedule.lastFireAt?.getTime() ?? null;
  const fires = fresh.map((fireTime, i) => {
    const jobId = enqueue[i] ? insertJobRow(c, now, jobFromTemplate(schedule.job)) : null;
    c.prepare(RECORD_FIRE).run({ scheduleId: id, fireTime: fireTime.getTime(), manual: 0, now, jobId, skipped: jobId === null ? 'overlap' : null });
    if (jobId !== null) lastJobId = jobId;
    lastFireAt = Math.max(lastFireAt ?? -Infinity, fireTime.getTime());
    return newFire(schedule, fireTime, new Date(now), jobId === null ? null : String(jobId), false);
  });
  c.prepare(MOVE_ON).run({ id, nextRunAt: decided.nextRunAt?.getTime() ?? null, lastFireAt, lastJobId });
  return fires;
}

/** Fires `name` now, by hand: a manual ledger row and a job; null if there is no such schedule. */
export function fireNow(c: SqliteConnection, now: number, name: string): { fire: ScheduleFire; queue: string } | null {
  return c.write(() => {
    const schedule = readSchedule(c, name);
    if (!schedule) return null;
    const id = Number(schedule.id);
    // Each manual fire gets a time of its own, even two in the same millisecond.
    const { t: lastManual } = c.prepare(LAST_MANUAL).get(id) as { t: number | null };
    const fireTime = lastManual !== null && lastManual >= now ? lastManual + 1 : now;
    const jobId = insertJobRow(c, now, jobFromTemplate(schedule.job));
    c.prepare(RECORD_FIRE).run({ scheduleId: id, fireTime, manual: 1, now, jobId, skipped: null });
    const lastFireAt = Math.max(schedule.lastFireAt?.getTime() ?? -Infinity, fireTime);
    c.prepare(MOVE_ON).run({ id, nextRunAt: schedule.nextRunAt?.getTime() ?? null, lastFireAt, lastJobId: jobId });
    return { fire: newFire(schedule, new Date(fireTime), new Date(now), jobId === null ? null : String(jobId), true), queue: schedule.job.queue };
  });
}

/** The schedule's ledger, newest fire first; empty if there is no such schedule. */
export function scheduleHistory(c: SqliteConnection, name: string, limit = DEFAULT_HISTORY_LIMIT): ScheduleFire[] {
  return c.read(() => {
    const schedule = readSchedule(c, name);
    if (!schedule) return [];
    const rows = c.prepare(HISTORY).all(Number(schedule.id), limit) as FireRow[];
    return rows.map((row) => ({
      scheduleId: schedule.id,
      schedule: schedule.name,
      fireTime: new Date(row.fire_time),
      firedAt: new Date(row.fired_at),
      jobId: row.job_id === null ? null : String(row.job_id),
      manual: row.manual !== 0,
      skipped: row.skipped,
      jobState: row.job_state,
    }));
  });
}
