/**
 * The client (`Ordo`, opened by `createOrdo` in `ordo.ts`): what users call, and what the CLI and the HTTP API sit on. One code path for
 * every way in: it validates input, resolves options, applies the rules of each action
 * (see `job-actions.ts`), calls the store and throws typed errors (`ValidationError`,
 * `NotFoundError`, `ConflictError`) that adapters map through `ERROR_MAPPING`.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { checkWorkflowInput } from '../core/workflow-check.js';
import { EventBus, type OrdoEvents } from '../core/events.js';
import type { QueueFlow, QueueLimits } from '../core/flow.js';
import type { BulkAction, InsertResult, Json, JobRecord, Page, QueueStats, WorkerRecord } from '../core/types.js';
import type { EngineName, Store } from '../store/contract.js';
import type { TaskRegistry, TaskSummary } from '../tasks/registry.js';
import { validatePayload } from '../tasks/registry.js';
import { checkQueueName } from '../core/names.js';
import type { EnqueueItem, ExecutionPage, JobPage, OrdoClient, TaskInfo } from './api.js';
import { Audit } from './audit.js';
import { resolveEnqueue, type EnqueueOptions } from './enqueue-options.js';
import { ChangeFeed } from './feed.js';
import { QueueFlowControl, type QueueFlowOptions, type QueueLimitsInput } from './flow.js';
import type { FeedOptions } from './feed-poller.js';
import { cancelJob, deleteJob, retryJob, type CancelResult } from './job-actions.js';
import { bulkJobs, type BulkOptions, type BulkResult } from './job-bulk.js';
import {
  checkExecutionFilter,
  checkExecutionPage,
  checkJobFilter,
  checkJobPage,
  jobIdOf,
  nextExecutionCursor,
  nextJobCursor,
  type ExecutionListFilter,
  type ExecutionPageRequest,
  type JobListFilter,
} from './job-query.js';
import { Schedules } from './schedules.js';
import { describeTasks } from './task-info.js';
import { checkThroughputOptions, throughputStart, type Throughput, type ThroughputOptions } from './throughput.js';
import { previewTiming, type TimingPreviewSpec } from './timing-preview.js';
import { Tokens } from './tokens.js';
import { Workflows } from './workflows.js';

export type { EnqueueItem } from './api.js';

export class Ordo implements OrdoClient {
  /** Schedules: add, update, list, pause, run now, history (see `Schedules`). */
  readonly schedules: Schedules;
  /** API tokens for the HTTP server: create (shown once), list, revoke, verify. */
  readonly tokens: Tokens;
  /** The audit log: read it (`list`), and `record` an operator action (what the HTTP server does). */
  readonly audit: Audit;
  /** Workflows: stored definitions, and runs (start, getRun, listRuns, cancelRun, retryRun). */
  readonly workflows: Workflows;
  #feed: ChangeFeed | null = null;
  readonly #flow: QueueFlowControl;

  /**
   * @param events Where `job:enqueued` is published; share one bus with a worker to see
   *   the whole life of a job in one place.
   * @param feedOptions How `feed()` reads the database (its defaults suit a live view).
   */
  constructor(
    readonly store: Store,
    readonly tasks: TaskRegistry,
    private readonly ownsStore: boolean,
    readonly events: EventBus<OrdoEvents> = new EventBus<OrdoEvents>(),
    private readonly feedOptions: FeedOptions = {},
  ) {
    this.schedules = new Schedules(store, tasks);
    this.tokens = new Tokens(store);
    this.audit = new Audit(store);
    this.workflows = new Workflows(store, tasks);
    this.#flow = new QueueFlowControl(store);
  }

  /** The engine behind this client. */
  get engine(): EngineName {
    return this.store.engine;
  }

  /**
   * Emits an event for durable functions waiting on `key` (`ctx.waitForEvent`): the first emit
   * of a key wins and is kept `keep` (default 24h) for waits that come later. `woken`: the
   * waiting runs made due now.
   */
  async emit(key: string, payload?: unknown, options: { keep?: number | string } = {}): Promise<{ stored: boolean; woken: number }> {
    return this.store.eventEmit(checkEmit(key, payload, options));
  }

  /** Enqueues one job. Returns its id; `created: false` when `uniqueKey` matched an active job. */
  async enqueue(task: string, payload?: unknown, options: EnqueueOptions = {}): Promise<InsertResult> {
    const [result] = await this.enqueueMany([{ task, payload, options }], { tx: options.tx });
    return result!;
  }

  /**
   * Enqueues many jobs in one transaction: all or none. Publishes `job:enqueued` for each once
   * the insert returns (inside a caller's `tx`: before that transaction commits).
   */
  async enqueueMany(items: readonly EnqueueItem[], options: { tx?: EnqueueOptions['tx'] } = {}): Promise<InsertResult[]> {
    const jobs = items.map((item, index) => {
      try {
        return resolveEnqueue(item.task, item.payload, item.options ?? {}, this.tasks.get(item.task));
      } catch (err) {
        if (items.length > 1 && err instanceof Error) err.message = `job ${index + 1}: ${err.message}`;
        throw err;
      }
    });
    if (jobs.length === 0) return [];
    const results = await this.store.jobInsertMany({ jobs, tx: options.tx });
    results.forEach((result, i) => this.events.emit('job:enqueued', { id: result.id, task: jobs[i]!.task, queue: jobs[i]!.queue, created: result.created }));
    return results;
  }

  /**
   * Checks a payload against the schema of a task this client knows (nothing to check for
   * an unknown task); `enqueue` does the same. Useful to check a whole batch up front.
   */
  checkPayload(task: string, payload: unknown): void {
    validatePayload(this.tasks.get(task), payload as Json);
  }

  /** One job with its attempts, or null if there is none (see `job` for the throwing form). */
  async getJob(id: string): Promise<JobRecord | null> {
    return this.store.jobGet({ id: jobIdOf(id) });
  }

  /** One job with its attempts; a `NotFoundError` if there is none. */
  async job(id: string): Promise<JobRecord> {
    const job = await this.getJob(id);
    if (!job) throw new NotFoundError('job', id);
    return job;
  }

  /**
   * Jobs, newest first, with filters (times as Dates, ISO text or epoch seconds). Page with
   * `limit` and `before` (cursor paging: pass the last page's `nextCursor`), or `offset`.
   */
  async listJobs(filter: JobListFilter = {}, page: Page = {}): Promise<JobPage> {
    const checkedFilter = checkJobFilter(filter);
    const checkedPage = checkJobPage(page);
    const { jobs, total } = await this.store.jobList({ filter: checkedFilter, page: checkedPage });
    return { jobs, total, nextCursor: nextJobCursor(jobs, checkedPage.limit) };
  }

  /**
   * Finished attempts across jobs, newest first, with filters; `cursor` continues after the
   * page whose `nextCursor` it is (an opaque text: pass it back as it is).
   */
  async listExecutions(filter: ExecutionListFilter = {}, page: ExecutionPageRequest = {}): Promise<ExecutionPage> {
    const checkedFilter = checkExecutionFilter(filter);
    const { limit, before } = checkExecutionPage(page);
    const executions = await this.store.executionList({ filter: checkedFilter, limit, ...(before ? { before } : {}) });
    return { executions, nextCursor: nextExecutionCursor(executions, limit) };
  }

  /**
   * Cancels a pending job at once, or asks a running job's worker to abort it. Cancelling
   * again changes nothing and says so (`already: true`); a finished job is a `ConflictError`,
   * an unknown id a `NotFoundError`.
   */
  async cancel(id: string): Promise<CancelResult> {
    return cancelJob(this.store, jobIdOf(id));
  }

  /**
   * Runs a failed or cancelled job again, with one more attempt allowed. A job in any other
   * state is a `ConflictError`, an unknown id a `NotFoundError`.
   */
  async retry(id: string): Promise<{ retried: true; state: 'pending' }> {
    return retryJob(this.store, jobIdOf(id));
  }

  /**
   * Deletes a job that is not running, with its attempts and logs. A running job is a
   * `ConflictError` (cancel it first), an unknown id a `NotFoundError`.
   */
  async deleteJob(id: string): Promise<{ id: string; deleted: true }> {
    return deleteJob(this.store, jobIdOf(id));
  }

  /**
   * Cancels, retries or deletes every job the filter matches that the action can change, in
   * one transaction (`cancel`: pending and running jobs, as `cancel` does; `retry`: failed and
   * cancelled ones; `delete`: all but running ones). `dryRun` only counts them, for a preview.
   * The filter is the listing's, and must hold at least one condition.
   */
  async bulk(action: BulkAction, filter: JobListFilter, options: BulkOptions = {}): Promise<BulkResult> {
    return bulkJobs(this.store, action, filter, options);
  }

  /** Jobs ended per bucket (succeeded, failed, cancelled) over the last hour, day or week, for charts. */
  async throughput(options: ThroughputOptions = {}): Promise<Throughput> {
    const { window, queue } = checkThroughputOptions(options);
    const { from, bucketMs } = throughputStart(window, new Date());
    const buckets = await this.store.jobThroughput({ from, bucketMs, ...(queue === undefined ? {} : { queue }) });
    return { bucketMs, buckets };
  }

  /**
   * The next fire times of a timing, checked as `schedules.add` checks it (errors name `cron`,
   * `every`, `at`, `tz` or `count`): a preview for a schedule not saved yet.
   */
  async previewTiming(spec: TimingPreviewSpec): Promise<Date[]> {
    return previewTiming(spec, new Date());
  }

  async stats(): Promise<QueueStats[]> {
    return this.store.queueStats();
  }

  /** Deletes a queue's pending jobs. Returns how many were deleted. */
  async clean(queue: string): Promise<number> {
    return this.store.jobDeleteMany({ queue: checkQueueName(queue), states: ['pending'] });
  }

  /** Workers stop claiming from a paused queue; running jobs finish. */
  async pause(queue: string): Promise<void> {
    await this.store.queueSetPaused({ queue: checkQueueName(queue), paused: true });
  }

  async resume(queue: string): Promise<void> {
    await this.store.queueSetPaused({ queue: checkQueueName(queue), paused: false });
  }

  /** Changes a queue's flow limits field by field (see `QueueLimitsInput`); returns the limits in force. */
  async setQueueLimits(queue: string, limits: QueueLimitsInput): Promise<QueueLimits> {
    return this.#flow.setLimits(queue, limits);
  }

  async clearQueueLimits(queue: string): Promise<void> {
    await this.#flow.clearLimits(queue);
  }

  /** A queue's limits, use, waiting jobs and busiest keys; a `NotFoundError` when the queue has no jobs and no row. */
  async queueFlow(queue: string, options: QueueFlowOptions = {}): Promise<QueueFlow> {
    return this.#flow.flow(queue, options);
  }

  /** Why a pending, due job waits (the limit holding it), or null. */
  async waitReason(job: string | JobRecord): Promise<string | null> {
    return this.#flow.waitReason(typeof job === 'string' ? jobIdOf(job) : job);
  }

  /**
   * Workers seen in the last day: `alive` while their last heartbeat is within their own
   * `livenessMs`, `stopped` after a clean stop, else `stale`.
   */
  async listWorkers(): Promise<WorkerRecord[]> {
    return this.store.workerList();
  }

  listTasks(): TaskSummary[] {
    return this.tasks.list();
  }

  /** The tasks this client knows, the built-in ones included, with their resolved options and payload JSON Schema. */
  async taskInfo(): Promise<TaskInfo[]> {
    return describeTasks(this.tasks, { builtIn: true });
  }

  /**
   * The changes seen in the database (every process's jobs and workers), as events: one feed
   * per client, reading only while someone subscribes. See `ChangeFeed`. A failed read is
   * published as `store:error` on `events` (unless `feedOptions.onError` takes it); the feed
   * keeps trying.
   */
  feed(): ChangeFeed {
    this.#feed ??= new ChangeFeed(this.store, { onError: (err) => this.events.emit('store:error', err, 'reading the change feed'), ...this.feedOptions });
    return this.#feed;
  }

  /** Creates or upgrades the database schema (opening a client already does, unless told not to). */
  async migrate(): Promise<{ engine: EngineName }> {
    await this.store.migrate();
    return { engine: this.store.engine };
  }

  /** Stops the feed, and closes the store if this client opened it. */
  async close(): Promise<void> {
    await this.#feed?.close();
    if (this.ownsStore) await this.store.close();
  }
}

/** Longest event key (as the HTTP API takes it, and as `ctx.waitForEvent` does). */
const MAX_EVENT_KEY_LENGTH = 500;
/** How long an emitted event is kept for waits that come after it, unless `keep` says otherwise. */
const DEFAULT_EVENT_KEEP_MS = 24 * 3_600_000;

/** `emit`'s arguments checked, naming the bad one: the store call's params. */
function checkEmit(key: unknown, payload: unknown, options: { keep?: number | string }): { key: string; payload: Json; keepMs: number } {
  if (typeof key !== 'string' || key.trim() === '' || key.length > MAX_EVENT_KEY_LENGTH) {
    throw new ValidationError('key', `a non-empty event key of at most ${MAX_EVENT_KEY_LENGTH} characters`, key);
  }
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'an object such as { keep: "1h" }', options);
  const keepMs = options.keep === undefined ? DEFAULT_EVENT_KEEP_MS : parseDuration(options.keep, 'keep');
  if (keepMs <= 0) throw new ValidationError('keep', 'a duration over zero, such as 1h', options.keep);
  return { key, payload: checkWorkflowInput(payload, 'payload'), keepMs };
}
