/**
 * Plain data types shared by every layer. This module is a leaf: it imports nothing.
 *
 * Time values are `Date`s; JSON values are whatever `JSON.parse` returns.
 */

import type { QueueLimits } from './flow.js';
import type { JobStep } from './workflow-types.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The life of a job. `failed`, `succeeded` and `cancelled` are terminal. */
export type JobState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'succeeded', 'failed', 'cancelled'];

/** How one attempt ended. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'worker_lost';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'worker_lost'];

export interface ErrorInfo {
  message: string;
  name?: string;
  stack?: string;
}

export interface LogLine {
  at: Date;
  message: string;
}

/** One finished attempt, as kept in the job row's `attempts` array. */
export interface AttemptRecord {
  attempt: number;
  worker: string | null;
  startedAt: Date | null;
  finishedAt: Date;
  outcome: AttemptOutcome;
  result?: Json;
  error?: ErrorInfo;
  logs?: LogLine[];
}

/** A job as read from the store. */
export interface JobRecord {
  id: string;
  task: string;
  queue: string;
  payload: Json;
  state: JobState;
  priority: number;
  runAt: Date;
  createdAt: Date;
  /** Number of attempts started so far (the running one included). */
  attempt: number;
  maxAttempts: number;
  /** Per-job overrides; `null` means "use the task's setting, then the default". */
  timeoutMs: number | null;
  backoffBaseMs: number | null;
  backoffCapMs: number | null;
  uniqueKey: string | null;
  /** Worker holding the lease while running, else the last worker that ran it. */
  lockedBy: string | null;
  lockedUntil: Date | null;
  startedAt: Date | null;
  /**
   * When the latest attempt ended, or the job was cancelled: set by every finish (a retry's
   * too, so it stays while the retry waits and runs) and by a lease rescue, kept by `jobRetry`
   * and by a release; null until then. Every attempt's `finishedAt` is at or before it.
   */
  finishedAt: Date | null;
  cancelRequested: boolean;
  progress: number | null;
  result: Json | null;
  lastError: ErrorInfo | null;
  /** Every finished attempt, oldest first. The running attempt is not in here. */
  attempts: AttemptRecord[];
  /** Who asked for the job: an HTTP request id, or the caller's own; shown in the worker's logs. */
  traceId: string | null;
  /** The workflow step this job does, or null for a job of its own. */
  workflow: JobStep | null;
  /**
   * The key its queue's per-key limits and turns apply to (a customer id…), or null. Jobs of
   * a key at its limit wait without holding up other keys (core/flow.ts).
   */
  concurrencyKey: string | null;
}

/** What the client hands the store to create one job; every field resolved. */
export interface JobInsert {
  task: string;
  queue: string;
  payload: Json;
  priority: number;
  /** `null`: due now (by the database's clock). */
  runAt: Date | null;
  /** Delay relative to the database's clock; used when `runAt` is null. */
  delayMs: number;
  maxAttempts: number;
  timeoutMs: number | null;
  backoffBaseMs: number | null;
  backoffCapMs: number | null;
  uniqueKey: string | null;
  /**
   * With `uniqueKey`: a job with the key created within this many ms counts as a duplicate
   * even if it has finished. Absent or null: only a pending or running job does.
   */
  uniqueForMs?: number | null;
  /** Carried into the worker's log lines for this job (an HTTP request id, or the caller's). */
  traceId?: string | null;
  /** The workflow step the job does: set only by the engines, for the jobs a run's plan inserts. */
  workflow?: JobStep | null;
  /** See `JobRecord.concurrencyKey`. */
  concurrencyKey?: string | null;
  /**
   * Debounce: while a pending job of the same task with this `key` exists, the insert replaces that job's
   * payload and trace id and moves its `runAt` to `forMs` from now instead of adding a job
   * (the result is that job, `created: false`); otherwise it inserts the job due `forMs`
   * from now. So only the last of a burst runs, once the burst has been quiet for `forMs`.
   * `runAt` and `delayMs` are ignored; not combined with `uniqueKey`. Holds across processes.
   */
  debounce?: { key: string; forMs: number } | null;
}

export interface InsertResult {
  id: string;
  /** False when a job with the same active `uniqueKey` already existed; `id` is that job. */
  created: boolean;
}

/**
 * How a running attempt ends, as the worker reports it. `state` is where the job goes:
 * `succeeded`, `failed` (terminal), `cancelled`, or `pending` (retry at `runAt`, or a
 * release on shutdown, which gives the attempt back: `releaseAttempt: true`).
 */
export interface JobFinish {
  id: string;
  attempt: number;
  workerId: string;
  state: Exclude<JobState, 'running'>;
  outcome: AttemptOutcome | 'released';
  startedAt: Date;
  finishedAt: Date;
  result?: Json;
  error?: ErrorInfo;
  logs?: LogLine[];
  /** For `state: 'pending'`: when to run again. Delay relative to the database clock. */
  retryDelayMs?: number;
  /**
   * The job's workflow run, as claimed (`JobRecord.workflow.runId`): a job of a run is only
   * finished when this is given, so the engine knows to advance the run in the same
   * transaction (PostgreSQL finishes other batches in one statement, without one).
   */
  runId?: string | null;
  /**
   * With `state: 'cancelled'` on a job of a run: the step's condition was false; the step
   * ends `skipped` with this reason instead of `cancelled`.
   */
  skipped?: string;
}

export interface JobFilter {
  state?: JobState | readonly JobState[];
  queue?: string;
  task?: string;
  /** The worker that holds or last held the job (`lockedBy`). */
  workerId?: string;
  /** Created at or after this time. */
  createdFrom?: Date;
  /** Created before this time. */
  createdTo?: Date;
  /**
   * Text the payload's JSON contains: a substring of its JSON text, as plain text (`%` and `_`
   * are no wildcards), case-insensitive for ASCII letters (PostgreSQL also folds others when
   * its locale does). The JSON text is the engine's: PostgreSQL writes a space after `:` and
   * `,` and orders object keys its own way, so search for keys and values, not punctuation.
   */
  payloadText?: string;
  /** Text the result's JSON contains (case-insensitive substring, like `payloadText`). */
  resultText?: string;
  /** The payload contains this JSON object: every key (at any depth) with an equal value. */
  payloadContains?: JsonObject;
  /** The result contains this JSON object, as `payloadContains`. */
  resultContains?: JsonObject;
  /** Exactly this job (bulk actions on one id, and the dashboard's "this job" view). */
  id?: string;
}

export interface Page {
  limit?: number;
  offset?: number;
  /**
   * Cursor paging: only jobs with an id below this one (listings are newest first, so the
   * last id of a page asks for the next). Stays fast however deep; `offset` does not.
   * A job id: a whole number from 1 to 2^63 - 1, as a decimal string.
   */
  before?: string;
}

/** One attempt of one job, as the execution history lists it across jobs. */
export interface ExecutionRecord {
  jobId: string;
  task: string;
  queue: string;
  attempt: number;
  worker: string | null;
  startedAt: Date | null;
  finishedAt: Date;
  outcome: AttemptOutcome;
  error: ErrorInfo | null;
  /** `finishedAt - startedAt` in ms, or null without a start. */
  durationMs: number | null;
}

export interface ExecutionFilter {
  task?: string;
  queue?: string;
  outcome?: AttemptOutcome | readonly AttemptOutcome[];
  workerId?: string;
  /** Attempts finished at or after this time. */
  from?: Date;
  /** Attempts finished before this time. */
  to?: Date;
}

/** What a bearer token may do: `read` GETs, `write` also changes jobs and schedules, `admin` everything. */
export type TokenScope = 'read' | 'write' | 'admin';
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write', 'admin'];

/** An API token as stored: never the token itself, only its SHA-256 hash (hex). */
export interface TokenRecord {
  id: string;
  name: string | null;
  scope: TokenScope;
  hash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface QueueStats {
  queue: string;
  paused: boolean;
  pending: number;
  /** Pending and due now. */
  due: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Pending and not yet due (delayed, or waiting for a retry's backoff). */
  delayed: number;
  /** Jobs that finished in this state within the last hour (by `finishedAt`). */
  succeededLastHour: number;
  failedLastHour: number;
  /** How long the oldest due job has waited (now - its `runAt`), in ms; null when none is due. */
  oldestDueAgeMs: number | null;
  /** The queue's flow limits (core/flow.ts; `NO_LIMITS` when it has none). */
  limits: QueueLimits;
  /** Starts paused until then by a handler's `RateLimitedError`; null when not paused. */
  pausedUntil: Date | null;
}

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  /** Jobs running now. Written by heartbeats; listings count it from the jobs themselves. */
  running: number;
  startedAt: Date;
  /**
   * How long after `lastSeenAt` the worker still counts as alive (about two heartbeat
   * intervals plus a second, so one late beat does not make it look dead).
   */
  livenessMs: number;
}

export interface WorkerRecord extends WorkerInfo {
  lastSeenAt: Date;
  /** `alive` while `lastSeenAt + livenessMs` is ahead of the store's clock, `stopped` after a clean stop, else `stale`. */
  status: 'alive' | 'stale' | 'stopped';
}

/** How a schedule's fire times are computed. `tz` is an IANA zone (default UTC). */
export type ScheduleTiming =
  | { kind: 'cron'; cron: string; tz: string }
  | { kind: 'every'; everyMs: number; tz: string }
  | { kind: 'once'; at: Date; tz: string };

/** What happens to fire times missed while no scheduler ran. */
export type MisfirePolicy = 'skip' | 'once' | 'all';
/** What a fire does while the previous fire's job has not ended. */
export type OverlapPolicy = 'allow' | 'skip' | 'queue';

/** The job a schedule enqueues at each fire: every field resolved, like a `JobInsert`. */
export interface ScheduleJobTemplate {
  task: string;
  queue: string;
  payload: Json;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  backoffBaseMs: number | null;
  backoffCapMs: number | null;
}

/** A schedule definition as the client hands it to the store; every field resolved. */
export interface ScheduleInput {
  name: string;
  timing: ScheduleTiming;
  job: ScheduleJobTemplate;
  misfire: MisfirePolicy;
  /** Most missed fires enqueued at once under `misfire: 'all'`. */
  misfireLimit: number;
  overlap: OverlapPolicy;
  /** `code`: declared next to a task and synchronised at start; `api`: made by a user. */
  source: 'api' | 'code';
}

export interface ScheduleRecord extends ScheduleInput {
  id: string;
  paused: boolean;
  /** The next fire time; null when a one-off schedule has fired. */
  nextRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lastFireAt: Date | null;
  lastJobId: string | null;
  /** State of the last fire's job now (null: none yet, or pruned). */
  lastOutcome: JobState | null;
}

/** One row of the fire ledger: a fire time of a schedule, fired once. */
export interface ScheduleFire {
  scheduleId: string;
  schedule: string;
  fireTime: Date;
  firedAt: Date;
  /** The job enqueued, or null when the overlap policy skipped it. */
  jobId: string | null;
  /** Fired by `schedules run`, not by the cadence. */
  manual: boolean;
  /** `overlap` when the fire was recorded but its job skipped. */
  skipped: 'overlap' | null;
  /** State of the job now (null: skipped or pruned). */
  jobState: JobState | null;
}

/** An action on every job a filter matches (the dashboard's bulk actions). */
export type BulkAction = 'cancel' | 'retry' | 'delete';

/** Finishes per time bucket, for throughput and failure-rate charts. */
export interface ThroughputBucket {
  /** Start of the bucket. */
  at: Date;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** One operator action, as the audit log keeps it. */
export interface AuditEntry {
  id: string;
  at: Date;
  /** Who: the token's name (else its id), or `local` when the server runs without tokens. */
  actor: string;
  /** Such as `job.cancel`, `jobs.bulk-retry`, `queue.clean`, `schedule.update`, `token.revoke`. */
  action: string;
  /** What it acted on: a job id, queue, schedule or token name, or a filter's description. */
  target: string;
  /** Anything else worth keeping (a bulk action's filter and count). */
  details: Json | null;
}
