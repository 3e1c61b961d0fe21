/**
 * The fire ledger on PostgreSQL: scheduleFireDue, scheduleFireNow, scheduleHistory.
 *
 * A fire is one transaction: lock up to `limit` due schedules with FOR UPDATE SKIP LOCKED
 * (concurrent schedulers split them rather than queue behind each other), call `plan` in
 * JS with the transaction's `now()`, then a fixed number of statements however many
 * schedules are due: record every planned fire time in the ledger (ON CONFLICT DO NOTHING,
 * RETURNING only the rows really inserted), enqueue a job for each of those the overlap
 * policy lets through (insertJobs, which NOTIFYs the queues as any insert does, delivered
 * at COMMIT), fill in the ledger rows' jobs, and move the schedules on. A fire time already
 * in the ledger is never enqueued again, whoever planned it. Same module as the SQLite engine's.
 */
import type { JobInsert, JobState, ScheduleFire, ScheduleRecord } from '../../../core/types.js';
import type { SchedulePlan } from '../../contract/schedules.js';
import { DEFAULT_HISTORY_LIMIT, decideFires, jobFromTemplate, newFire, sortedFireTimes } from '../../schedule-records.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { insertJobs } from './jobs-insert.js';
import { type ScheduleRow, readSchedule, scheduleFromRow, selectSchedules, storeNow } from './schedules.js';

const dueSql = (s: string): string => `
  ${selectSchedules(s, ', now() AS store_now')}
  WHERE NOT sc.paused AND sc.next_run_at IS NOT NULL AND sc.next_run_at <= now()
  ORDER BY sc.next_run_at, sc.id LIMIT $1
  FOR UPDATE OF sc SKIP LOCKED`;

const recordSql = (s: string): string => `
  INSERT INTO ${s}.schedule_fires (schedule_id, fire_time, manual, fired_at)
  SELECT id, t, false, now() FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, t)
  ON CONFLICT DO NOTHING
  RETURNING schedule_id, fire_time, fired_at`;

const fillSql = (s: string): string => `
  UPDATE ${s}.schedule_fires f SET job_id = u.job_id, skipped = u.skipped
  FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::text[]) AS u(id, t, job_id, skipped)
  WHERE f.schedule_id = u.id AND NOT f.manual AND f.fire_time = u.t`;

const moveOnSql = (s: string): string => `
  UPDATE ${s}.schedules sc SET next_run_at = u.next_run_at, last_fire_at = u.last_fire_at, last_job_id = u.last_job_id
  FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::bigint[]) AS u(id, next_run_at, last_fire_at, last_job_id)
  WHERE sc.id = u.id`;

const lastManualSql = (s: string): string => `SELECT max(fire_time) AS t FROM ${s}.schedule_fires WHERE schedule_id = $1 AND manual`;

const manualSql = (s: string): string => `
  INSERT INTO ${s}.schedule_fires (schedule_id, fire_time, manual, fired_at, job_id)
  VALUES ($1, $2, true, now(), $3) RETURNING fired_at`;

const historySql = (s: string): string => `
  SELECT f.schedule_id, sc.name, f.fire_time, f.fired_at, f.job_id, f.manual, f.skipped, j.state AS job_state
  FROM ${s}.schedules sc
  JOIN ${s}.schedule_fires f ON f.schedule_id = sc.id
  LEFT JOIN ${s}.jobs j ON j.id = f.job_id
  WHERE sc.name = $1 ORDER BY f.fire_time DESC, f.manual DESC LIMIT $2`;

type Plan = (schedule: ScheduleRecord, now: Date) => SchedulePlan;

interface Planned {
  schedule: ScheduleRecord;
  plan: SchedulePlan;
  /** Fire times newly in the ledger, oldest first, with when they were recorded. */
  fresh: { fireTime: Date; firedAt: Date }[];
}

/** Fires up to `limit` due schedules; returns the new ledger rows and the queues that got jobs. */
export async function fireDue(ctx: PgContext, limit: number, plan: Plan): Promise<{ fires: ScheduleFire[]; queues: string[] }> {
  return ctx.db.transaction(async (client) => {
    const { rows } = await client.query(dueSql(ctx.s), [limit]);
    const due = rows as (ScheduleRow & { store_now: Date })[];
    if (due.length === 0) return { fires: [], queues: [] };
    const now = (due[0] as { store_now: Date }).store_now;
    const planned = due.map((row): Planned => {
      const schedule = scheduleFromRow(row);
      return { schedule, plan: plan(schedule, now), fresh: [] };
    });
    await recordFireTimes(ctx, client, planned);
    return enqueueAndMoveOn(ctx, client, planned);
  });
}

/** Inserts every planned fire time into the ledger; keeps, per schedule, those really inserted. */
async function recordFireTimes(ctx: PgContext, client: Queryable, planned: Planned[]): Promise<void> {
  const ids: string[] = [];
  const times: Date[] = [];
  for (const { schedule, plan } of planned) {
    for (const t of sortedFireTimes(plan.fireTimes)) {
      ids.push(schedule.id);
      times.push(t);
    }
  }
  if (ids.length === 0) return;
  const { rows } = await client.query(recordSql(ctx.s), [ids, times]);
  const byId = new Map(planned.map((p) => [p.schedule.id, p]));
  for (const row of rows as { schedule_id: string; fire_time: Date; fired_at: Date }[]) {
    byId.get(String(row.schedule_id))?.fresh.push({ fireTime: row.fire_time, firedAt: row.fired_at });
  }
  for (const p of planned) p.fresh.sort((a, b) => a.fireTime.getTime() - b.fireTime.getTime());
}

/** Enqueues the jobs the overlap policies let through, fills the ledger rows, moves schedules on. */
async function enqueueAndMoveOn(ctx: PgContext, client: Queryable, planned: Planned[]): Promise<{ fires: ScheduleFire[]; queues: string[] }> {
  const jobs: JobInsert[] = [];
  const decisions = planned.map(({ schedule, fresh }) => {
    const enqueue = decideFires(schedule.overlap, schedule.lastOutcome, fresh.length);
    for (const yes of enqueue) if (yes) jobs.push(jobFromTemplate(schedule.job));
    return enqueue;
  });
  const { results, queues } = jobs.length > 0 ? await insertJobs(ctx, client, jobs) : { results: [], queues: [] };
  const jobIds = results.map((r) => r.id);
  const fires: ScheduleFire[] = [];
  const fill = { ids: [] as string[], times: [] as Date[], jobs: [] as (string | null)[], skipped: [] as (string | null)[] };
  const move = { ids: [] as string[], next: [] as (Date | null)[], lastFire: [] as (Date | null)[], lastJob: [] as (string | null)[] };
  planned.forEach(({ schedule, plan, fresh }, n) => {
    let lastJobId = schedule.lastJobId;
    let lastFireAt = schedule.lastFireAt;
    fresh.forEach(({ fireTime, firedAt }, i) => {
      const jobId = decisions[n]?.[i] ? (jobIds.shift() ?? null) : null;
      fill.ids.push(schedule.id);
      fill.times.push(fireTime);
      fill.jobs.push(jobId);
      fill.skipped.push(jobId === null ? 'overlap' : null);
      if (jobId !== null) lastJobId = jobId;
      if (lastFireAt === null || fireTime > lastFireAt) lastFireAt = fireTime;
      fires.push(newFire(schedule, fireTime, firedAt, jobId, false));
    });
    move.ids.push(schedule.id);
    move.next.push(plan.nextRunAt);
    move.lastFire.push(lastFireAt);
    move.lastJob.push(lastJobId);
  });
  if (fill.ids.length > 0) await client.query(fillSql(ctx.s), [fill.ids, fill.times, fill.jobs, fill.skipped]);
  await client.query(moveOnSql(ctx.s), [move.ids, move.next, move.lastFire, move.lastJob]);
  return { fires, queues };
}

/** Fires `name` now, by hand: a manual ledger row and a job; null if there is no such schedule. */
export async function fireNow(ctx: PgContext, name: string): Promise<{ fire: ScheduleFire; queue: string } | null> {
  return ctx.db.transaction(async (client) => {
    const schedule = await readSchedule(ctx, client, name, true);
    if (!schedule) return null;
    const now = await storeNow(client);
    // Each manual fire gets a time of its own, even two in the same millisecond.
    const { rows: last } = await client.query(lastManualSql(ctx.s), [schedule.id]);
    const lastManual = (last[0] as { t: Date | null } | undefined)?.t ?? null;
    const fireTime = lastManual !== null && lastManual.getTime() >= now.getTime() ? new Date(lastManual.getTime() + 1) : new Date(now.getTime());
    const { results, queues } = await insertJobs(ctx, client, [jobFromTemplate(schedule.job)]);
    const jobId = (results[0] as { id: string }).id;
    const { rows } = await client.query(manualSql(ctx.s), [schedule.id, fireTime, jobId]);
    const lastFireAt = schedule.lastFireAt && schedule.lastFireAt > fireTime ? schedule.lastFireAt : fireTime;
    await client.query(moveOnSql(ctx.s), [[schedule.id], [schedule.nextRunAt], [lastFireAt], [jobId]]);
    const firedAt = (rows[0] as { fired_at: Date }).fired_at;
    return { fire: newFire(schedule, fireTime, firedAt, jobId, true), queue: queues[0] ?? schedule.job.queue };
  });
}

interface FireRow {
  schedule_id: string;
  name: string;
  fire_time: Date;
  fired_at: Date;
  job_id: string | null;
  manual: boolean;
  skipped: 'overlap' | null;
  job_state: JobState | null;
}

/** The schedule's ledger, newest fire first; empty if there is no such schedule. */
export async function scheduleHistory(ctx: PgContext, name: string, limit = DEFAULT_HISTORY_LIMIT): Promise<ScheduleFire[]> {
  const rows = await ctx.db.rows<FireRow>({ text: historySql(ctx.s), values: [name, limit] });
  return rows.map((row) => ({
    scheduleId: String(row.schedule_id),
    schedule: row.name,
    fireTime: row.fire_time,
    firedAt: row.fired_at,
    jobId: row.job_id === null ? null : String(row.job_id),
    manual: row.manual,
    skipped: row.skipped,
    jobState: row.job_state,
  }));
}
