/**
 * Mapping between `jobs` rows and `JobRecord`s. Times are INTEGER milliseconds in columns and
 * ISO strings inside the `attempts` JSON array (so the array stays readable with `sqlite3`);
 * both become `Date`s here. Ids are INTEGERs in the table and decimal strings outside.
 */
import type { AttemptRecord, ErrorInfo, Json, JobFinish, JobRecord, JobState, LogLine } from '../../core/types.js';

/** A row of `jobs` exactly as SQLite returns it. */
export interface JobRow {
  id: number;
  task: string;
  queue: string;
  payload: string;
  state: JobState;
  priority: number;
  run_at: number;
  created_at: number;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  backoff_base_ms: number | null;
  backoff_cap_ms: number | null;
  unique_key: string | null;
  locked_by: string | null;
  locked_until: number | null;
  started_at: number | null;
  finished_at: number | null;
  cancel_requested: number;
  progress: number | null;
  result: string | null;
  last_error: string | null;
  attempts: string;
}

/** An attempt as stored in the `attempts` JSON array. */
interface StoredAttempt {
  attempt: number;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string;
  outcome: AttemptRecord['outcome'];
  result?: Json;
  error?: ErrorInfo;
  logs?: { at: string; message: string }[];
}

export function jobFromRow(row: JobRow): JobRecord {
  return {
    id: String(row.id),
    task: row.task,
    queue: row.queue,
    payload: JSON.parse(row.payload) as Json,
    state: row.state,
    priority: row.priority,
    runAt: new Date(row.run_at),
    createdAt: new Date(row.created_at),
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    backoffBaseMs: row.backoff_base_ms,
    backoffCapMs: row.backoff_cap_ms,
    uniqueKey: row.unique_key,
    lockedBy: row.locked_by,
    lockedUntil: toDate(row.locked_until),
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    cancelRequested: row.cancel_requested !== 0,
    progress: row.progress,
    result: row.result === null ? null : (JSON.parse(row.result) as Json),
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as ErrorInfo),
    attempts: (JSON.parse(row.attempts) as StoredAttempt[]).map(attemptFromStored),
  };
}

/** The JSON text of the attempt record a finish appends. */
export function attemptJson(finish: JobFinish & { outcome: AttemptRecord['outcome'] }): string {
  const stored: StoredAttempt = {
    attempt: finish.attempt,
    worker: finish.workerId,
    startedAt: finish.startedAt.toISOString(),
    finishedAt: finish.finishedAt.toISOString(),
    outcome: finish.outcome,
  };
  if (finish.result !== undefined) stored.result = finish.result;
  if (finish.error !== undefined) stored.error = errorInfo(finish.error);
  if (finish.logs !== undefined) stored.logs = finish.logs.map((line) => ({ at: line.at.toISOString(), message: line.message }));
  return JSON.stringify(stored);
}

/** The JSON text of the `worker_lost` attempt the rescuer appends for an expired lease. */
export function lostAttemptJson(row: { attempt: number; locked_by: string | null; started_at: number | null }, now: number, error: ErrorInfo): string {
  const stored: StoredAttempt = {
    attempt: row.attempt,
    worker: row.locked_by,
    startedAt: row.started_at === null ? null : new Date(row.started_at).toISOString(),
    finishedAt: new Date(now).toISOString(),
    outcome: 'worker_lost',
    error,
  };
  return JSON.stringify(stored);
}

/** Keeps only the known fields of an error, so arbitrary error objects stay serialisable. */
export function errorInfo(error: ErrorInfo): ErrorInfo {
  const info: ErrorInfo = { message: error.message };
  if (error.name !== undefined) info.name = error.name;
  if (error.stack !== undefined) info.stack = error.stack;
  return info;
}

/** The INTEGER id for a decimal string id, or null when no row can have it. */
export function toRowId(id: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

function attemptFromStored(stored: StoredAttempt): AttemptRecord {
  const record: AttemptRecord = {
    attempt: stored.attempt,
    worker: stored.worker,
    startedAt: stored.startedAt === null ? null : new Date(stored.startedAt),
    finishedAt: new Date(stored.finishedAt),
    outcome: stored.outcome,
  };
  if (stored.result !== undefined) record.result = stored.result;
  if (stored.error !== undefined) record.error = stored.error;
  if (stored.logs !== undefined) record.logs = stored.logs.map((line): LogLine => ({ at: new Date(line.at), message: line.message }));
  return record;
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
