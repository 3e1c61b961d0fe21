/**
 * Schedule definitions on PostgreSQL: scheduleUpsert (create, update, sync), scheduleGet,
 * scheduleList, scheduleDelete, scheduleSetPaused and scheduleNextDueIn. A write locks its
 * row (or, for a new name, races on the unique name and re-reads the winner's row), so many
 * workers syncing the same code schedule at start write it once; each write that changes
 * something sends `pg_notify` on the schedules channel, delivered at COMMIT, so schedulers
 * in other processes wake up. Same module as the SQLite engine's; the ledger is in
 * schedule-fires.ts.
 */
import { NotFoundError } from '../../../core/errors.js';
import type { Json, JobState, ScheduleInput, ScheduleRecord } from '../../../core/types.js';
import type { ScheduleUpsertMode } from '../../contract/schedules.js';
import { sameDefinition, sameTiming, scheduleExists, storedTiming, timingFromStored } from '../../schedule-records.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { toNumber } from '../rows.js';
import { payloadJson } from './jobs-insert.js';

/** A `schedules` row as node-postgres returns it, with the state of its last job joined in. */
export interface ScheduleRow {
  id: string;
  name: string;
  task: string;
  queue: string;
  payload: Json;
  priority: number;
  max_attempts: number;
  timeout_ms: string | null;
  backoff_base_ms: string | null;
  backoff_cap_ms: string | null;
  timing_kind: string;
  timing_expr: string;
  tz: string;
  misfire: ScheduleRecord['misfire'];
  misfire_limit: number;
  overlap: ScheduleRecord['overlap'];
  source: ScheduleRecord['source'];
  paused: boolean;
  next_run_at: Date | null;
  last_fire_at: Date | null;
  last_job_id: string | null;
  created_at: Date;
  updated_at: Date;
  last_outcome: JobState | null;
}

const COLUMNS = [
  'id', 'name', 'task', 'queue', 'payload', 'priority', 'max_attempts', 'timeout_ms', 'backoff_base_ms',
  'backoff_cap_ms', 'timing_kind', 'timing_expr', 'tz', 'misfire', 'misfire_limit', 'overlap', 'source',
  'paused', 'next_run_at', 'last_fire_at', 'last_job_id', 'created_at', 'updated_at',
] as const satisfies readonly (keyof ScheduleRow)[];

/** Selects `ScheduleRow`s (columns named, never `*`; see rows.ts), plus `extra` columns: add a WHERE / ORDER BY. */
export const selectSchedules = (s: string, extra = ''): string => `
  SELECT ${COLUMNS.map((c) => `sc.${c}`).join(', ')}, j.state AS last_outcome${extra}
  FROM ${s}.schedules sc LEFT JOIN ${s}.jobs j ON j.id = sc.last_job_id`;

const insertSql = (s: string): string => `
  INSERT INTO ${s}.schedules (name, task, queue, payload, priority, max_attempts, timeout_ms,
    backoff_base_ms, backoff_cap_ms, timing_kind, timing_expr, tz, misfire, misfire_limit,
    overlap, source, next_run_at, created_at, updated_at)
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now(), now())
  ON CONFLICT (name) DO NOTHING
  RETURNING id`;

const updateSql = (s: string): string => `
  UPDATE ${s}.schedules SET task = $2, queue = $3, payload = $4::jsonb, priority = $5, max_attempts = $6,
    timeout_ms = $7, backoff_base_ms = $8, backoff_cap_ms = $9, timing_kind = $10, timing_expr = $11,
    tz = $12, misfire = $13, misfire_limit = $14, overlap = $15, source = $16,
    next_run_at = CASE WHEN $18::boolean THEN $17::timestamptz ELSE next_run_at END, updated_at = now()
  WHERE name = $1`;

const nextDueSql = (s: string): string => `
  SELECT ceil(extract(epoch FROM min(next_run_at) - now()) * 1000)::double precision AS ms
  FROM ${s}.schedules WHERE NOT paused AND next_run_at IS NOT NULL`;

export function scheduleFromRow(row: ScheduleRow): ScheduleRecord {
  return {
    id: String(row.id),
    name: row.name,
    timing: timingFromStored(row.timing_kind, row.timing_expr, row.tz),
    job: {
      task: row.task,
      queue: row.queue,
      payload: row.payload,
      priority: row.priority,
      maxAttempts: row.max_attempts,
      timeoutMs: toNumber(row.timeout_ms),
      backoffBaseMs: toNumber(row.backoff_base_ms),
      backoffCapMs: toNumber(row.backoff_cap_ms),
    },
    misfire: row.misfire,
    misfireLimit: row.misfire_limit,
    overlap: row.overlap,
    source: row.source,
    paused: row.paused,
    nextRunAt: row.next_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastFireAt: row.last_fire_at,
    lastJobId: row.last_job_id === null ? null : String(row.last_job_id),
    lastOutcome: row.last_outcome,
  };
}

function definitionValues(input: ScheduleInput): unknown[] {
  const { job } = input;
  const timing = storedTiming(input.timing);
  const payload = payloadJson(job.payload);
  return [
    input.name, job.task, job.queue, payload, job.priority, job.maxAttempts, job.timeoutMs, job.backoffBaseMs,
    job.backoffCapMs, timing.kind, timing.expr, timing.tz, input.misfire, input.misfireLimit, input.overlap, input.source,
  ];
}

export interface UpsertParams {
  readonly schedule: ScheduleInput;
  readonly mode: ScheduleUpsertMode;
  readonly next: (now: Date) => Date | null;
}

/** Creates, updates or syncs a schedule (see the contract); `changed` says whether it wrote. */
export async function upsertSchedule(ctx: PgContext, params: UpsertParams): Promise<{ record: ScheduleRecord; created: boolean; changed: boolean }> {
  const { schedule, mode, next } = params;
  return ctx.db.transaction(async (client) => {
    // The store's clock, read only when a next run is computed (an unchanged sync needs none);
    // now() is fixed for the whole transaction, so when it is read does not matter.
    const nextRun = async () => next(await storeNow(client));
    // Two rounds at most: a create that lost the race for the name re-reads the winner's row.
    for (let round = 0; ; round++) {
      const existing = await readSchedule(ctx, client, schedule.name, true);
      if (existing && mode === 'create') throw scheduleExists(schedule.name);
      if (!existing && mode === 'update') throw new NotFoundError('schedule', schedule.name);
      if (!existing) {
        const { rows } = await client.query(insertSql(ctx.s), [...definitionValues(schedule), await nextRun()]);
        if (rows.length === 0 && (mode === 'create' || round > 0)) throw scheduleExists(schedule.name);
        if (rows.length === 0) continue;
        await notifySchedules(ctx, client);
        return { record: await mustRead(ctx, client, schedule.name), created: true, changed: true };
      }
      if (sameDefinition(existing, schedule)) return { record: existing, created: false, changed: false };
      const retime = !sameTiming(existing.timing, schedule.timing);
      await client.query(updateSql(ctx.s), [...definitionValues(schedule), retime ? await nextRun() : null, retime]);
      await notifySchedules(ctx, client);
      return { record: await mustRead(ctx, client, schedule.name), created: false, changed: true };
    }
  });
}

/** The schedule named `name` on `client`; `forUpdate` locks its row until the transaction ends. */
export async function readSchedule(ctx: PgContext, client: Queryable, name: string, forUpdate = false): Promise<ScheduleRecord | null> {
  const { rows } = await client.query(`${selectSchedules(ctx.s)} WHERE sc.name = $1${forUpdate ? ' FOR UPDATE OF sc' : ''}`, [name]);
  const row = rows[0] as ScheduleRow | undefined;
  return row ? scheduleFromRow(row) : null;
}

export async function getSchedule(ctx: PgContext, name: string): Promise<ScheduleRecord | null> {
  const rows = await ctx.db.rows<ScheduleRow>({ text: `${selectSchedules(ctx.s)} WHERE sc.name = $1`, values: [name] });
  return rows[0] ? scheduleFromRow(rows[0]) : null;
}

export async function listSchedules(ctx: PgContext): Promise<ScheduleRecord[]> {
  const rows = await ctx.db.rows<ScheduleRow>({ text: `${selectSchedules(ctx.s)} ORDER BY sc.name` });
  return rows.map(scheduleFromRow);
}

/** Deletes the schedule; its ledger rows go with it (ON DELETE CASCADE). */
export async function deleteSchedule(ctx: PgContext, name: string): Promise<boolean> {
  return ctx.db.transaction(async (client) => {
    const { rows } = await client.query(`DELETE FROM ${ctx.s}.schedules WHERE name = $1 RETURNING id`, [name]);
    if (rows.length > 0) await notifySchedules(ctx, client);
    return rows.length > 0;
  });
}

export async function setSchedulePaused(ctx: PgContext, name: string, paused: boolean): Promise<ScheduleRecord | null> {
  return ctx.db.transaction(async (client) => {
    const { rows } = await client.query(`UPDATE ${ctx.s}.schedules SET paused = $2, updated_at = now() WHERE name = $1 RETURNING id`, [name, paused]);
    if (rows.length === 0) return null;
    await notifySchedules(ctx, client);
    return mustRead(ctx, client, name);
  });
}

/** Milliseconds until the earliest unpaused schedule is due (0 if one is), null if none. */
export async function scheduleNextDueIn(ctx: PgContext): Promise<number | null> {
  const [row] = await ctx.db.rows<{ ms: number | null }>({ name: 'ordo_schedule_next_due', text: nextDueSql(ctx.s) });
  return row?.ms == null ? null : Math.max(0, row.ms);
}

/** The store's clock inside a transaction (`now()`: the transaction's start, the test clock applied). */
export async function storeNow(client: Queryable): Promise<Date> {
  const { rows } = await client.query('SELECT now() AS now');
  return (rows[0] as { now: Date }).now;
}

/** "Schedules changed", delivered to every LISTENing process when the transaction commits. */
async function notifySchedules(ctx: PgContext, client: Queryable): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [ctx.schedulesChannel, 'changed']);
}

async function mustRead(ctx: PgContext, client: Queryable, name: string): Promise<ScheduleRecord> {
  const record = await readSchedule(ctx, client, name);
  if (!record) throw new Error(`schedule ${JSON.stringify(name)} vanished inside its own transaction`);
  return record;
}

