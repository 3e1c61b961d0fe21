/**
 * Mapping between `jobs` rows and `JobRecord`s for the PostgreSQL engine. node-postgres
 * already turns `timestamptz` into `Date`, `jsonb` into values and `bigint` into decimal
 * strings (ids stay strings; the `*_ms` columns become numbers here). The `attempts` jsonb
 * array holds the same attempt records as the SQLite engine's (`../records.ts`); what is
 * PostgreSQL's own is that jsonb cannot store a NUL character.
 */
import type { AttemptOutcome, ErrorInfo, Json, JobFinish, JobRecord } from '../../core/types.js';
import { type StoredAttempt, attemptFromStored, storedAttempt } from '../records.js';

/**
 * A row of `jobs` exactly as node-postgres returns it. The columns named as in `JobRecord`
 * come back with its types (`bigint` ids as decimal strings, `jsonb` as values).
 */
export interface JobRow extends Pick<JobRecord, 'id' | 'task' | 'queue' | 'payload' | 'state' | 'priority' | 'attempt' | 'progress' | 'result'> {
  run_at: Date;
  created_at: Date;
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
  last_error: ErrorInfo | null;
  attempts: StoredAttempt[];
  trace_id: string | null;
  /** The workflow step the job does (all three null for a job of its own). */
  run_id: string | null;
  step: string | null;
  map_index: number | null;
  concurrency_key: string | null;
}

/**
 * The columns of a `JobRow`, for every statement that reads jobs. Named explicitly, never
 * `*`: a named prepared statement whose result is `*` fails on every pooled connection that
 * prepared it ("cached plan must not change result type", 0A000) once a migration adds a
 * column, where an explicit list is simply re-planned.
 */
const JOB_COLUMNS = [
  'id', 'task', 'queue', 'payload', 'state', 'priority', 'run_at', 'created_at', 'attempt',
  'max_attempts', 'timeout_ms', 'backoff_base_ms', 'backoff_cap_ms', 'unique_key', 'locked_by',
  'locked_until', 'started_at', 'finished_at', 'cancel_requested', 'progress', 'result',
  'last_error', 'attempts', 'trace_id', 'run_id', 'step', 'map_index', 'concurrency_key',
] as const satisfies readonly (keyof JobRow)[];

/** The `JobRow` columns as a select list, qualified by `alias` when given (`t.id, t.task, …`). */
export function jobColumns(alias?: string): string {
  return JOB_COLUMNS.map((column) => (alias ? `${alias}.${column}` : column)).join(', ');
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
    traceId: row.trace_id,
    workflow: row.run_id === null ? null : { runId: String(row.run_id), step: row.step ?? '', mapIndex: row.map_index },
    concurrencyKey: row.concurrency_key ?? null,
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
  const json = JSON.stringify(value);
  // Nearly no text holds one: a plain search first, about 8 times cheaper than the pattern's scan.
  return json.includes('\\u0000') ? json.replace(NUL_ESCAPE, '$1\\ufffd') : json;
}

/** The storable JSON text of the attempt record a finish appends. */
export function attemptJson(finish: JobFinish & { outcome: AttemptOutcome }): string {
  return storableJson(storedAttempt(finish));
}

/** Storable JSON text for a jsonb parameter; `undefined` (nothing to store) becomes SQL NULL. */
export function jsonParam(value: Json | ErrorInfo | undefined): string | null {
  return value === undefined ? null : storableJson(value);
}

/**
 * SQL that renders timestamp `expr` as ISO 8601 in UTC with milliseconds, as
 * `Date#toISOString` writes it: for times the database's clock puts into attempt records.
 */
export function isoSql(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** True when `id` is a decimal string some `jobs` row could have (a positive bigint). */
export function isRowId(id: string): boolean {
  // Only a 19-digit id can pass the bigint maximum: shorter ones skip the BigInt (every finish checks its id).
  return typeof id === 'string' && /^[1-9][0-9]{0,18}$/.test(id) && (id.length < 19 || BigInt(id) <= 9223372036854775807n);
}

export function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}
