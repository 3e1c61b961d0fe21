/**
 * Mapping between `jobs` rows and `JobRecord`s for the PostgreSQL engine. node-postgres
 * already turns `timestamptz` into `Date`, `jsonb` into values and `bigint` into decimal
 * strings (ids stay strings; the `*_ms` columns become numbers here). Inside the `attempts`
 * jsonb array times are ISO strings, exactly as the SQLite engine stores them, and become
 * `Date`s here.
 */
import type { AttemptRecord, ErrorInfo, Json, JobFinish, JobRecord, JobState, LogLine } from '../../core/types.js';

/** A row of `jobs` exactly as node-postgres returns it. */
export interface JobRow {
  id: string;
  task: string;
  queue: string;
  payload: Json;
  state: JobState;
  priority: number;
  run_at: Date;
  created_at: Date;
  attempt: number;
  max_attempts: number;
  timeout_ms: string | null;
  backoff_base_ms: string | null;
  backoff_cap_ms: string | null;
  unique_key: string | null;
  locked_by: string | null;
  locked_until: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  cancel_requested: boolean;
  progress: number | null;
  result: Json | null;
  last_error: ErrorInfo | null;
  attempts: StoredAttempt[];
}

/** An attempt as stored in the `attempts` jsonb array. */
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
    id: row.id,
    task: row.task,
    queue: row.queue,
    payload: row.payload,
    state: row.state,
    priority: row.priority,
    runAt: row.run_at,
    createdAt: row.created_at,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: toNumber(row.timeout_ms),
    backoffBaseMs: toNumber(row.backoff_base_ms),
    backoffCapMs: toNumber(row.backoff_cap_ms),
    uniqueKey: row.unique_key,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    cancelRequested: row.cancel_requested,
    progress: row.progress,
    result: row.result,
    lastError: row.last_error,
    attempts: row.attempts.map(attemptFromStored),
  };
}

/**
 * `\u0000` escapes in JSON text (an odd run of backslashes before `u0000`): jsonb cannot
 * store the NUL character, so a text holding one is rejected by PostgreSQL.
 */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** True when JSON text holds a NUL character, which jsonb cannot store. */
export function hasNul(json: string): boolean {
  NUL_ESCAPE.lastIndex = 0;
  return NUL_ESCAPE.test(json);
}

/**
 * JSON text of what a finished attempt produced (result, error, logs), with NUL characters
 * replaced by U+FFFD: a handler's odd output must never make the whole finish batch fail.
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(value).replace(NUL_ESCAPE, '$1\\ufffd');
}

/** The JSON text of the attempt record a finish appends. */
export function attemptJson(finish: JobFinish): string {
  const stored: StoredAttempt = {
    attempt: finish.attempt,
    worker: finish.workerId,
    startedAt: finish.startedAt.toISOString(),
    finishedAt: finish.finishedAt.toISOString(),
    outcome: finish.outcome as AttemptRecord['outcome'],
  };
  if (finish.result !== undefined) stored.result = finish.result;
  if (finish.error !== undefined) stored.error = errorInfo(finish.error);
  if (finish.logs !== undefined) stored.logs = finish.logs.map((line) => ({ at: line.at.toISOString(), message: line.message }));
  return storableJson(stored);
}

/** Keeps only the known fields of an error, so arbitrary error objects stay serialisable. */
export function errorInfo(error: ErrorInfo): ErrorInfo {
  const info: ErrorInfo = { message: error.message };
  if (error.name !== undefined) info.name = error.name;
  if (error.stack !== undefined) info.stack = error.stack;
  return info;
}

/** Storable JSON text for a jsonb parameter; `undefined` (nothing to store) becomes SQL NULL. */
export function jsonParam(value: Json | ErrorInfo | undefined): string | null {
  return value === undefined ? null : storableJson(value);
}

/** True when `id` is a decimal string some `jobs` row could have (a positive bigint). */
export function isRowId(id: string): boolean {
  return typeof id === 'string' && /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= 9223372036854775807n;
}

/** Compares two decimal id strings numerically. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
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

function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}
