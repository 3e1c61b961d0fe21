/**
 * What a client can do, whichever way it reaches Ordo: `Ordo` (on the database) and
 * `RemoteOrdo` (over the HTTP API) both implement `OrdoClient`, with the same results and
 * the same typed errors, so the CLI and user code do not care which one they hold.
 */
import type { EngineName } from '../store/contract.js';
import type {
  AttemptRecord,
  BulkAction,
  ExecutionRecord,
  InsertResult,
  JobRecord,
  Page,
  QueueStats,
  ScheduleFire,
  TokenRecord,
  TokenScope,
  WorkerRecord,
} from '../core/types.js';
import type { QueueFlow, QueueLimits } from '../core/flow.js';
import type { RunFilter, RunRecord, RunState, RunSummary, WorkflowRecord } from '../core/workflow-types.js';
import type { CallerTransaction } from '../store/contract.js';
import type { AuditClient } from './audit.js';
import type { EnqueueOptions } from './enqueue-options.js';
import type { QueueFlowOptions, QueueLimitsInput } from './flow.js';
import type { CancelResult } from './job-actions.js';
import type { BulkOptions, BulkResult } from './job-bulk.js';
import type { ExecutionListFilter, ExecutionPageRequest, JobListFilter } from './job-query.js';
import type { ScheduleDetail, ScheduleView } from './schedules.js';
import type { ScheduleSpec } from './schedule-spec.js';
import type { Throughput, ThroughputOptions } from './throughput.js';
import type { TimingPreviewSpec } from './timing-preview.js';

export interface EnqueueItem {
  task: string;
  payload?: unknown;
  options?: EnqueueOptions;
}

/** A task as listed to callers: its options and, when it can be shown, its payload's JSON Schema. */
export interface TaskInfo {
  name: string;
  queue: string;
  description: string | null;
  source: string | null;
  hasSchema: boolean;
  payloadSchema: unknown;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
}

/** Schedules: add, update, list, pause, run now, history. */
export interface ScheduleClient {
  add(name: string, spec: ScheduleSpec): Promise<ScheduleDetail>;
  update(name: string, change: Partial<ScheduleSpec>): Promise<ScheduleDetail>;
  get(name: string): Promise<ScheduleDetail>;
  list(): Promise<ScheduleView[]>;
  remove(name: string): Promise<void>;
  pause(name: string): Promise<ScheduleView>;
  resume(name: string): Promise<ScheduleView>;
  run(name: string): Promise<ScheduleFire>;
  history(name: string, options?: { limit?: number }): Promise<ScheduleFire[]>;
}

/** How a run is started. */
export interface StartOptions {
  /** Carried into every step job's log lines (an HTTP request id, or the caller's own). */
  traceId?: string;
  /** A run with this key that exists already is returned instead of starting another (`created: false`). */
  uniqueKey?: string;
  /** PostgreSQL: start inside your own transaction (a client after `BEGIN`); the run exists iff it commits. */
  tx?: CallerTransaction;
}

export interface RunPage {
  runs: RunSummary[];
  total: number;
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/**
 * Workflows: the stored definitions and their runs. A definition is stored when a worker
 * that has it starts (and when a run of it is started from code); a run started by name uses
 * the stored one.
 */
export interface WorkflowClient {
  list(): Promise<WorkflowRecord[]>;
  /** A stored definition; a NotFoundError names the known ones. */
  get(name: string): Promise<WorkflowRecord>;
  /**
   * Starts a run with `input`: of a definition in code (`workflow(...)`, stored with the run;
   * remote clients start it by its name) or of a stored one by name. Validated before
   * anything is written (the input against the workflow's schema, when it has one).
   */
  start(workflow: { readonly name: string } | string, input?: unknown, options?: StartOptions): Promise<{ runId: string; created: boolean }>;
  /** A run with its steps; a NotFoundError when there is none. */
  getRun(id: string): Promise<RunRecord>;
  listRuns(filter?: RunFilter, page?: { limit?: number; cursor?: string }): Promise<RunPage>;
  /** Cancels a running run (its running steps are aborted on whichever node runs them). */
  cancelRun(id: string): Promise<{ id: string; state: RunState }>;
  /** Re-runs the failed, cancelled and skipped-by-failure steps of a failed or cancelled run. */
  retryRun(id: string): Promise<{ id: string; retried: boolean; state: RunState }>;
}

/** API tokens: the token is returned once by `create`; only its hash is kept. */
export interface TokenClient {
  create(options: { scope: TokenScope; name?: string }): Promise<{ token: string; record: Omit<TokenRecord, 'hash'> }>;
  list(): Promise<Omit<TokenRecord, 'hash'>[]>;
  /** False when there is no such token or it was revoked already. */
  revoke(id: string): Promise<boolean>;
}

/** A page of jobs: `nextCursor` asks for the next page (as `page.before`), null on the last. */
export interface JobPage {
  jobs: JobRecord[];
  total: number;
  nextCursor: string | null;
}

export interface ExecutionPage {
  executions: ExecutionRecord[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

export interface OrdoClient {
  /** `sqlite` or `postgres` on a database; `remote` over HTTP. */
  readonly engine: EngineName | 'remote';
  readonly schedules: ScheduleClient;
  readonly tokens: TokenClient;
  readonly workflows: WorkflowClient;
  /** The operator actions done through the HTTP API, newest first. */
  readonly audit: AuditClient;

  /**
   * Emits an event for durable functions waiting on `key` (`ctx.waitForEvent`): the first emit
   * of a key wins and is kept `keep` (a duration; default 24h) for waits that come later.
   */
  emit(key: string, payload?: unknown, options?: { keep?: number | string }): Promise<{ stored: boolean; woken: number }>;
  enqueue(task: string, payload?: unknown, options?: EnqueueOptions): Promise<InsertResult>;
  enqueueMany(items: readonly EnqueueItem[]): Promise<InsertResult[]>;
  getJob(id: string): Promise<JobRecord | null>;
  job(id: string): Promise<JobRecord>;
  /** Newest first. Times in the filter as Dates, ISO text or epoch seconds. */
  listJobs(filter?: JobListFilter, page?: Page): Promise<JobPage>;
  cancel(id: string): Promise<CancelResult>;
  retry(id: string): Promise<{ retried: true; state: 'pending' }>;
  /** Deletes a job that is not running (a running one is a `ConflictError`: cancel it first). */
  deleteJob(id: string): Promise<{ id: string; deleted: true }>;
  /**
   * Cancels, retries or deletes every job the filter matches that the action can change, in
   * one transaction; `dryRun` only counts them. The filter must not be empty.
   */
  bulk(action: BulkAction, filter: JobListFilter, options?: BulkOptions): Promise<BulkResult>;
  /** Jobs ended per bucket over the last hour (1-minute buckets), day (15 min) or week (2 h). */
  throughput(options?: ThroughputOptions): Promise<Throughput>;
  /** The next fire times of a timing (`cron`, `every` or `at`, in `tz`), checked as a schedule's. */
  previewTiming(spec: TimingPreviewSpec): Promise<Date[]>;
  stats(): Promise<QueueStats[]>;
  clean(queue: string): Promise<number>;
  pause(queue: string): Promise<void>;
  resume(queue: string): Promise<void>;
  /**
   * Changes a queue's flow limits (core/flow.ts): a field given sets it (`null` removes that
   * limit), a field left out keeps its value. Returns the limits now in force; every claim
   * after this, by any worker, honours them.
   */
  setQueueLimits(queue: string, limits: QueueLimitsInput): Promise<QueueLimits>;
  /** Removes every flow limit of a queue (a pause for a rate limit runs out on its own). */
  clearQueueLimits(queue: string): Promise<void>;
  /** A queue's limits and what they hold back now; a `NotFoundError` for a queue with no jobs and no limits. */
  queueFlow(queue: string, options?: QueueFlowOptions): Promise<QueueFlow>;
  /**
   * Why a pending, due job waits, named after the limit that holds it; null when no limit does.
   * Given the job as just read, the local client does not read it again.
   */
  waitReason(job: string | JobRecord): Promise<string | null>;
  listWorkers(): Promise<WorkerRecord[]>;
  /** The tasks the client knows (remote: the server's). */
  taskInfo(): Promise<TaskInfo[]>;
  listExecutions(filter?: ExecutionListFilter, page?: ExecutionPageRequest): Promise<ExecutionPage>;
  close(): Promise<void>;
}

/**
 * A change seen in the database, for live views and metrics: what the `ChangeFeed` reads
 * from the store (so every server sees every worker's jobs, not only its own process's),
 * named as in the event map (core/events.ts).
 */
export type FeedEvent =
  | { type: 'job:enqueued' | 'job:started' | 'job:finished' | 'job:retried'; at: Date; job: FeedJob }
  | { type: 'worker:up' | 'worker:down'; at: Date; worker: WorkerRecord };

export interface FeedJob {
  id: string;
  task: string;
  queue: string;
  /** The state the change left the job in: `pending` when enqueued or retried, `running` when started, else how it ended. */
  state: JobRecord['state'];
  attempt: number;
  /** For `job:finished` and `job:retried`: how the attempt ended. */
  outcome?: AttemptRecord['outcome'];
  /** For `job:finished` and `job:retried`: the attempt's run time. */
  durationMs?: number | null;
  error?: string;
  worker?: string | null;
  traceId: string | null;
}
