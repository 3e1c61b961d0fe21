/**
 * Mapping between `jobs` rows and `JobRecord`s. Times are INTEGER milliseconds in columns
 * and ISO strings inside the `attempts` JSON array (its records are mapped in
 * `../records.ts`, as for PostgreSQL); both become `Date`s. Ids are INTEGERs in the table and
 * decimal strings outside.
 */
import type { AttemptOutcome, ErrorInfo, Json, JobFinish, JobRecord } from '../../core/types.js';
import { type StoredAttempt, attemptFromStored, storedAttempt } from '../records.js';

/**
 * A row of `jobs` exactly as SQLite returns it. The columns named as in `JobRecord` with a
 * text or number type come back with its types; ids, times, flags and JSON do not.
 */
export interface JobRow extends Pick<JobRecord, 'task' | 'queue' | 'state' | 'priority' | 'attempt' | 'progress'> {
  id: number;
  payload: string;
  run_at: number;
  created_at: number;
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
  result: string | null;
  last_error: string | null;
  attempts: string;
  trace_id: string | null;
  run_id: number | null;
  step: string | null;
  map_index: number | null;
  concurrency_key: string | null;
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
    // A claimed job has usually never run: no parse for its empty array.
    attempts: row.attempts === '[]' ? [] : (JSON.parse(row.attempts) as StoredAttempt[]).map(attemptFromStored),
    traceId: row.trace_id,
    workflow: row.run_id === null ? null : { runId: String(row.run_id), step: row.step ?? '', mapIndex: row.map_index },
    concurrencyKey: row.concurrency_key,
  };
}

/** The JSON text of the attempt record a finish appends. */
export function attemptJson(finish: JobFinish & { outcome: AttemptOutcome }): string {
  return JSON.stringify(storedAttempt(finish));
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

/** The INTEGER id for a decimal string id, or null when no row can have it. */
export function toRowId(id: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

export function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
