/**
 * What both engines store and return the same way, whatever their columns: the attempt
 * records kept in a job's `attempts` JSON array (times as ISO strings, so the array stays
 * readable in `sqlite3` and `psql` alike), the error info they carry, the `jobs` columns a
 * listing filter compares, the order a claimed batch is handed out in, and the limits both
 * keep (rows rescued per sweep, how long worker rows stay listed). Engines import this module;
 * it imports neither engine. Each engine's `rows.ts` keeps its own row↔column mapping.
 */
import { ValidationError } from '../core/errors.js';
import { NO_LIMITS, type QueueLimits, type RateLimit } from '../core/flow.js';
import { statesMovedBy } from '../core/states.js';
import type { AttemptOutcome, AttemptRecord, ErrorInfo, JobFilter, JobFinish, JobInsert, JobRecord, JobState, Json, LogLine } from '../core/types.js';

/** Rows rescued per call unless the caller says otherwise; the next sweep takes the rest. */
export const DEFAULT_RESCUE_LIMIT = 1000;

/** The window of a queue's `succeededLastHour` and `failedLastHour`. */
export const LAST_HOUR_MS = 60 * 60 * 1000;

/**
 * jobNextDueIn's answer for a limited queue whose due jobs wait for a running job to end
 * (its concurrency full, or every due key at its key concurrency): no time is known. Longer
 * than any sensible poll interval, so an idle worker sleeps its poll interval (it caps the
 * wait) or until a job ending in its own process wakes it, and a slot freed by another
 * process is used within about one poll interval.
 */
export const HELD_BY_LIMITS_MS = 60_000;

/** Workers not seen for this long are left out of listings. */
export const WORKER_LIST_HORIZON_MS = 24 * 60 * 60 * 1000;

/**
 * The liveness window of a worker that did not declare one (rows written before workers
 * did): the fixed window listings used until then. Same as the migrations' column default.
 */
export const LEGACY_LIVENESS_MS = 60_000;

/** The liveness window a heartbeat records: the worker's own, when it is a usable number. */
export function livenessOf(worker: { readonly livenessMs?: number }): number {
  const ms = worker.livenessMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? Math.round(ms) : LEGACY_LIVENESS_MS;
}

/**
 * The states `jobDeleteMany` may delete, checked against the state machine: `pending` when
 * none are named; a `running` job is refused, since its worker's finish would find it gone.
 */
export function deletableStates(states: readonly JobState[] = ['pending']): readonly JobState[] {
  const allowed = statesMovedBy('jobDeleteMany', 'deleted');
  const refused = states.find((state) => !allowed.includes(state));
  if (refused !== undefined) throw new ValidationError('states', `states jobs can be deleted in (${allowed.join(', ')})`, refused);
  return states;
}

/** An attempt as stored in the `attempts` JSON array. */
export interface StoredAttempt {
  attempt: number;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string;
  outcome: AttemptOutcome;
  result?: Json;
  error?: ErrorInfo;
  logs?: { at: string; message: string }[];
}

/** The stored attempt record a finish appends (releases append none). */
export function storedAttempt(finish: JobFinish & { outcome: AttemptOutcome }): StoredAttempt {
  const stored: StoredAttempt = {
    attempt: finish.attempt,
    worker: finish.workerId,
    startedAt: isoTime(finish.startedAt),
    finishedAt: isoTime(finish.finishedAt),
    outcome: finish.outcome,
  };
  if (finish.result !== undefined) stored.result = finish.result;
  if (finish.error !== undefined) stored.error = errorInfo(finish.error);
  if (finish.logs !== undefined) stored.logs = finish.logs.map((line) => ({ at: line.at.toISOString(), message: line.message }));
  return stored;
}

/**
 * The two times last written by `isoTime` (`lastTime` the most recently used). A finish batch repeats its
 * times: the jobs of one claim share their start (the claim's clock), and SQLite gives a
 * whole batch one finish time. `toISOString` costs about 0.5 µs, a look-up here a few ns.
 */
interface FormattedTime {
  ms: number;
  iso: string;
}
let lastTime: FormattedTime = { ms: Number.NaN, iso: '' };
let timeBefore: FormattedTime = { ms: Number.NaN, iso: '' };

/** `date.toISOString()`, reused when the same time was just written. */
export function isoTime(date: Date): string {
  const ms = date.getTime();
  if (ms === lastTime.ms) return lastTime.iso;
  // A miss replaces the entry used least recently, so a batch's start survives its per-job finishes.
  const entry = ms === timeBefore.ms ? timeBefore : { ms, iso: date.toISOString() };
  timeBefore = lastTime;
  lastTime = entry;
  return entry.iso;
}

/** An attempt record as read back from the `attempts` array, its times as `Date`s. */
export function attemptFromStored(stored: StoredAttempt): AttemptRecord {
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

/** Keeps only the known fields of an error, so arbitrary error objects stay serialisable. */
export function errorInfo(error: ErrorInfo): ErrorInfo {
  const info: ErrorInfo = { message: error.message };
  if (error.name !== undefined) info.name = error.name;
  if (error.stack !== undefined) info.stack = error.stack;
  return info;
}

/** Compares two decimal id strings numerically. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Sorts claimed jobs into the contract's claim order: queues in the order the worker gave
 * them, then priority (lower first), then `runAt`, then id. `UPDATE … RETURNING` gives no
 * order guarantee, so both engines restore it here. Sorts in place and returns `jobs`.
 */
export function sortInClaimOrder(jobs: JobRecord[], queues: readonly string[]): JobRecord[] {
  const rank = new Map(queues.map((queue, index) => [queue, index]));
  return jobs.sort(
    (a, b) =>
      (rank.get(a.queue) ?? 0) - (rank.get(b.queue) ?? 0) ||
      a.priority - b.priority ||
      a.runAt.getTime() - b.runAt.getTime() ||
      compareIds(a.id, b.id),
  );
}

/** The `jobs` columns a listing filter compares for equality, with their values; unset fields are left out. */
export function filterEqualities(filter: JobFilter): [column: string, value: string][] {
  const pairs: [string, string | undefined][] = [
    ['queue', filter.queue],
    ['task', filter.task],
    ['locked_by', filter.workerId],
  ];
  return pairs.filter((pair): pair is [string, string] => pair[1] !== undefined);
}

/**
 * The trace id a job stores: null when absent. Text without NUL characters, which PostgreSQL
 * cannot store (neither engine takes one, so both accept the same ids).
 */
export function traceIdOf(job: JobInsert): string | null {
  const traceId = job.traceId;
  if (traceId === undefined || traceId === null) return null;
  if (typeof traceId !== 'string' || traceId.includes('\0')) throw new ValidationError('traceId', 'a string without NUL characters, or null', traceId);
  return traceId;
}

/** Longest retry delay applied: 100 years. */
export const MAX_RETRY_DELAY_MS = 100 * 365.25 * 24 * 60 * 60 * 1000;

/** The retry delay to apply: 0 unless a finite number ≥ 0, at most `MAX_RETRY_DELAY_MS`. */
export function retryDelay(ms: number | undefined): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return 0;
  return Math.min(ms, MAX_RETRY_DELAY_MS);
}

/** The limit columns of a `queues` row as either engine reads them (bigints may come as text, booleans as 0/1). */
export interface LimitColumns {
  concurrency: number | null;
  rate_limit: number | null;
  rate_period_ms: number | string | null;
  rate_burst: number | null;
  key_concurrency: number | null;
  key_rate_limit: number | null;
  key_rate_period_ms: number | string | null;
  key_rate_burst: number | null;
  fair: boolean | number;
}

/** The limits a `queues` row holds (NO_LIMITS for no row). */
export function limitsFromRow(row: LimitColumns | undefined): QueueLimits {
  if (!row) return NO_LIMITS;
  const rateOf = (limit: number | null, periodMs: number | string | null, burst: number | null): RateLimit | null =>
    limit === null || periodMs === null ? null : { limit, periodMs: Number(periodMs), burst: burst ?? 1 };
  return {
    concurrency: row.concurrency,
    rate: rateOf(row.rate_limit, row.rate_period_ms, row.rate_burst),
    keyConcurrency: row.key_concurrency,
    keyRate: rateOf(row.key_rate_limit, row.key_rate_period_ms, row.key_rate_burst),
    fair: row.fair === true || row.fair === 1,
  };
}
