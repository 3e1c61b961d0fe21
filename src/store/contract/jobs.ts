/**
 * The jobs entity of the Store contract: insert, read, claim, heartbeat, finish, cancel,
 * retry, rescue, delete, and the "jobs available" signal. A job's states and the operations
 * that move it between them are the table in core/states.ts.
 */
import type { BulkAction, ExecutionFilter, ThroughputBucket, ExecutionRecord, InsertResult, JobFilter, JobFinish, JobInsert, JobRecord, JobState, Page } from '../../core/types.js';

/**
 * The caller's own transaction, for `jobInsertMany({ tx })` (engines with
 * `transactionalEnqueue`): the node-postgres client shape, a client checked out of a pool
 * (`await pool.connect()`) after `BEGIN`. The engine checks it is one before use.
 */
export interface CallerTransaction {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** One attempt of one job: what fences every write to a running job. */
export interface JobRef {
  id: string;
  attempt: number;
}

/** Every operation on jobs. */
export interface JobStore {
  /**
   * Inserts jobs in one transaction, in order. A job whose `uniqueKey` matches a job that is
   * `pending` or `running`, or (with `uniqueForMs`) one created within the last `uniqueForMs`
   * whatever its state, is not inserted: its result is that job's id with `created: false`
   * (the active one when there are both). A `debounce` key belongs to its task: it finds the
   * pending job of the same task and key. A job leaving `pending` (claimed, cancelled) drops
   * its debounce key, so it may come back to `pending` (a retry, a release, a rescue,
   * jobRetry) beside a newer job of its key, and later inserts move only that newer one.
   * `tx` (engines with `transactionalEnqueue`) is the caller's client inside its own
   * transaction: the jobs exist if and only if that transaction commits.
   */
  jobInsertMany(params: { readonly jobs: readonly JobInsert[]; readonly tx?: CallerTransaction }): Promise<InsertResult[]>;

  jobGet(params: { readonly id: string }): Promise<JobRecord | null>;

  /**
   * Newest first (by id, descending). `total` counts all rows matching the filter (without
   * `page.before`). `page.before` keeps ids below it (cursor paging); `offset` still applies.
   * `createdFrom` is inclusive, `createdTo` exclusive; `payloadText` is plain text (at most
   * 10,000 characters), never a pattern. A malformed filter or page is a ValidationError
   * naming the field (`filter.createdFrom`, `page.before`, …).
   */
  jobList(params: { readonly filter?: JobFilter; readonly page?: Page }): Promise<{ jobs: JobRecord[]; total: number }>;

  /**
   * Finished attempts across jobs (the records in each job's `attempts`), newest first by
   * `finishedAt`, then job id and attempt descending; at most `limit` (1 to 1000). `before`
   * continues a listing after its last record. Jobs pruned by retention take their attempts
   * with them. An empty `outcome` list matches nothing; an unknown outcome is a
   * ValidationError. Cost: jobs are read newest-finished first until the page is certain,
   * about `2 × limit` for the newest page; `from` bounds the read, while `to`, a deep
   * `before` or a filter few attempts match make it read every job that finished later.
   */
  executionList(params: {
    readonly filter?: ExecutionFilter;
    readonly limit: number;
    readonly before?: { readonly finishedAt: Date; readonly jobId: string; readonly attempt: number };
  }): Promise<ExecutionRecord[]>;

  /**
   * What changed, for live views and metrics (read-only, cheap enough to call a few times a
   * second): `created`, jobs with an id above `afterId` (`'0'` for all), ascending, at most
   * `limit`; `started`, running jobs whose `startedAt` is in `[from, to)`, oldest start
   * first; `finished`, jobs whose `finishedAt` is in `[from, to)` whatever their state now,
   * oldest finish first: a finish that retries (the job pending again, or already running
   * its next attempt) is one, since `finishedAt` is when the latest attempt ended. A job
   * whose attempts ended twice in one window shows once, with both in `attempts`; a job that
   * started and finished within a window is only in `finished`. At most `limit` (1 to 1000)
   * each. `now` is the store's clock, for the caller's next window: rows written by
   * transactions still open at `now` may carry an earlier time (and, on PostgreSQL, a lower
   * id), so a caller that must see every change keeps its window a few seconds behind `now`.
   */
  jobChanges(params: {
    readonly afterId: string;
    readonly from: Date;
    readonly to: Date;
    readonly limit: number;
  }): Promise<{ created: JobRecord[]; started: JobRecord[]; finished: JobRecord[]; now: Date }>;

  /**
   * Claims up to `limit` due jobs (`pending`, `runAt <= now`, queue not paused) for
   * `workerId`: state `running`, `attempt + 1`, `lockedBy = workerId`,
   * `lockedUntil = now + leaseMs`, `startedAt = now`, `progress = null`.
   * Order: queues in the order given (never a job of a later queue while one of an earlier
   * queue is due), then `priority` ascending (lower runs first), then `runAt`, then id.
   * Concurrent claimers never receive the same job.
   *
   * A queue with flow limits (core/flow.ts, `queueLimitsSet`) or a pause for a rate limit is
   * claimed under its lock, one claimer at a time, so every worker shares its counts:
   * - never more of its jobs running than `concurrency`, nor starts beyond its `rate`
   *   (spaced by `periodMs / limit`, `burst` at once at most), nor any before `pausedUntil`
   *   (a pause that is over is cleared by the claim);
   * - keyed (`fair` or a per-key limit): keys take turns, in key order from where the last
   *   claim stopped (wrapping round; jobs without a key take one turn together, first after
   *   each wrap), one job per key per turn, each key's first due job in the usual order; a
   *   key at its `keyConcurrency` or `keyRate` is passed over without holding up the others.
   *   A claim visits at most 1,000 keys, and the next one goes on from there. Jobs without
   *   a key have no index of their own, so a store that found none due in a keyed queue
   *   skips their turn for about a second, unless a keyless job was inserted since (by any
   *   process): a keyless job that falls due later (a delay ending, a retry, a rescue) may
   *   wait up to ~1 s longer for its turn.
   * The order across limited and unlimited queues of one claim may differ from the given
   * one (limited queues are claimed first); within a queue it does not.
   */
  jobClaim(params: {
    readonly workerId: string;
    readonly queues: readonly string[];
    readonly limit: number;
    readonly leaseMs: number;
  }): Promise<JobRecord[]>;

  /**
   * Extends the lease of the worker's running jobs to `now + leaseMs` (fenced). Returns the
   * ids in `jobs` that this worker no longer holds (`lost`: finished, rescued or re-claimed
   * by someone else) and the held ones whose cancellation was requested.
   */
  jobHeartbeat(params: {
    readonly workerId: string;
    readonly jobs: readonly JobRef[];
    readonly leaseMs: number;
  }): Promise<{ lost: string[]; cancelRequested: string[] }>;

  /** Ids among the worker's running jobs whose cancellation was requested. Read-only. */
  jobCancelRequested(params: { readonly workerId: string }): Promise<string[]>;

  /** Records progress (0–100) of a running attempt (fenced). False if not held. */
  jobProgress(params: JobRef & { readonly workerId: string; readonly progress: number }): Promise<boolean>;

  /**
   * Ends running attempts, all in one transaction (fenced each). The attempt record
   * (`outcome`, times, worker, result, error, logs) is appended to the job's `attempts`;
   * its `finishedAt` is the store's clock (the finish's own `finishedAt` is not used), so it
   * shares one clock with the claim's `startedAt`,
   * except for `outcome: 'released'` (shutdown, or a worker that cannot run the task), which
   * gives the attempt back: `attempt - 1`, state `pending`, nothing recorded, `result` and
   * `lastError` unchanged. `result`/`lastError`/`finishedAt` reflect the last finish.
   * `pending` finishes, retries and releases alike, are due at `now + (retryDelayMs ?? 0)`.
   *
   * A requested cancellation is never lost: a job whose `cancelRequested` is set that a
   * finish would put back to `pending` ends `cancelled` instead (`finishedAt = now`, `runAt`
   * unchanged). A retry still appends its attempt record and sets `result`/`lastError`; a
   * release still appends nothing and still gives the attempt back. Finishes to a terminal
   * state keep that state.
   * Returns the ids that were applied; others were not held any more.
   */
  jobFinishMany(params: { readonly finishes: readonly JobFinish[] }): Promise<{ applied: string[] }>;

  /**
   * Cancels a job. Pending: `cancelled` at once. Running: sets `cancelRequested`; its worker
   * aborts it and finishes it as `cancelled`, and if the attempt ends any other way that
   * would put the job back to `pending` (a retry, a release, a lease rescue), the job ends
   * `cancelled` instead, so it never runs again. An attempt that succeeds or fails for good
   * before the worker notices keeps that state. Terminal: unchanged.
   * `cancelRequested` stays set on the finished job as a record of the request.
   * Returns the state after the call, or null if there is no such job.
   */
  jobCancel(params: { readonly id: string }): Promise<{ state: JobState; cancelRequested: boolean } | null>;

  /**
   * Puts a `failed` or `cancelled` job back to `pending`, due now, with one more attempt
   * allowed (`maxAttempts = max(maxAttempts, attempt + 1)`) and `cancelRequested` cleared,
   * so an earlier cancellation does not cancel the retried run; history is kept.
   * Returns null if there is no such job; `retried: false` if it was not in a retryable state.
   */
  jobRetry(params: { readonly id: string }): Promise<{ retried: boolean; state: JobState } | null>;

  /**
   * Recovers running jobs whose lease expired (their worker died or stalled): appends an
   * attempt with outcome `worker_lost`; then `failed` if `attempt >= maxAttempts`, else
   * `cancelled` if its cancellation was requested, else back to `pending` due now.
   * Returns the ids per new state: `rescued` (pending), `failed`, `cancelled`.
   * Safe to run in many processes at once; each job is rescued once.
   * Jobs held by `exceptWorkers` are left alone: a rescuer passes the workers of its own
   * process, which cannot be dead while it runs (only stalled with it, e.g. by a handler that
   * blocked the event loop), so their leases are theirs to renew.
   */
  jobRescueExpired(params?: { readonly limit?: number; readonly exceptWorkers?: readonly string[] }): Promise<{ rescued: string[]; failed: string[]; cancelled: string[] }>;

  /**
   * Applies an action to every job the filter matches that the action can change, in one
   * transaction, and returns how many changed (`dryRun`: only counts them, for a preview
   * that matches what the action will do unless jobs change in between).
   * `cancel`: pending jobs end `cancelled`, running ones get `cancelRequested` (as
   * `jobCancel`; those already asked are not counted again); `retry`: failed and cancelled
   * jobs as `jobRetry`, waking the workers of their queues, except a job whose unique key an
   * active job holds, and of matched jobs sharing a key all but the newest (two active jobs
   * never share a key); `delete`: jobs that are not running are removed.
   * The filter is jobList's (`{}` matches every job); its `state` narrows the action's states
   * further (cancel with `state: ['failed']` changes nothing). A malformed filter or action
   * is a ValidationError naming the field. Built for one call over 100,000 jobs.
   */
  jobBulk(params: { readonly action: BulkAction; readonly filter: JobFilter; readonly dryRun?: boolean }): Promise<{ count: number }>;

  /** Removes a job that is not running. `running`: refused, nothing changed; null: no such job. */
  jobDelete(params: { readonly id: string }): Promise<'deleted' | 'running' | null>;

  /**
   * Jobs that ended (`succeeded`, `failed`, `cancelled`) per bucket of `bucketMs` from `from`
   * to now, by `finishedAt` (store clock), oldest first, every bucket present (zeros too).
   * Buckets are aligned to multiples of `bucketMs` since the epoch: the first holds `from`,
   * the last holds now (none when `from` is later). A job counts once, in its state now, at
   * its latest finish; a job waiting for a retry is not counted. `bucketMs` is a whole number
   * ≥ 1000; more than 2000 buckets is a ValidationError naming `from`.
   */
  jobThroughput(params: { readonly from: Date; readonly bucketMs: number; readonly queue?: string }): Promise<ThroughputBucket[]>;

  /** Deletes a queue's `pending` jobs (all of them, or only those in `states`). Returns the count. */
  jobDeleteMany(params: { readonly queue: string; readonly states?: readonly JobState[] }): Promise<number>;

  /**
   * Retention: deletes `succeeded`, `failed` and `cancelled` jobs that finished before
   * `now - olderThanMs` (never `pending` or `running` ones), fire-ledger rows fired
   * before then, except each schedule's latest fire (so its history never goes blank), and
   * audit entries written before then, workflow runs that ended before then (with their steps
   * and jobs: a run's jobs go only with their run), and emitted events that expired. At most
   * `limit` rows of each per call (default 1000); call again while any count is `limit`.
   */
  jobPrune(params: { readonly olderThanMs: number; readonly limit?: number }): Promise<{ jobs: number; fires: number; audit: number; runs: number; events: number }>;

  /**
   * Milliseconds until the earliest pending job of these queues is due (0 if one is due
   * now), or null if there is none. Paused queues are left out. Lets an idle worker sleep
   * exactly as long as needed. A limited queue is due no earlier than its pause and rates
   * allow; one whose due jobs wait for a running job to end (its concurrency full; on SQLite
   * also every due key at its key concurrency) answers HELD_BY_LIMITS_MS (store/records.ts),
   * so a worker sleeps its poll interval or until a job of its own ends.
   */
  jobNextDueIn(params: { readonly queues: readonly string[] }): Promise<number | null>;

  /**
   * Subscribes to "jobs may be due on these queues" signals, raised after inserts, retries
   * and releases (in-process for SQLite; LISTEN/NOTIFY for Postgres). Returns an unsubscribe
   * function. Callers still poll as a fallback.
   */
  onJobsAvailable(listener: (queue: string) => void): () => void;
}
