/**
 * `RemoteOrdo`: the client over the HTTP API (`createOrdo({ url, token })`, the CLI's
 * `--server`), for a machine that may reach an Ordo server but not the database. It has the
 * methods of the client on the database (`OrdoClient`), with the same results (times as
 * `Date`s) and the same typed errors: what can be checked before sending (ids, names, filters,
 * pages) is checked here with the local client's own checks; the rest the server checks with
 * the same code and sends back as a problem that becomes the same error.
 */
import { parseDuration, parseTime } from '../core/duration.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { QueueFlow, QueueLimits } from '../core/flow.js';
import { checkQueueName } from '../core/names.js';
import type { BulkAction, InsertResult, JobFilter, JobRecord, Page, QueueStats, WorkerRecord } from '../core/types.js';
import type { EnqueueItem, ExecutionPage, JobPage, OrdoClient, TaskInfo } from './api.js';
import { checkPayload, resolveEnqueue, type EnqueueOptions } from './enqueue-options.js';
import { checkQueueFlowOptions, checkQueueLimitsInput, type QueueFlowOptions, type QueueLimitsInput } from './flow.js';
import type { CancelResult } from './job-actions.js';
import { checkBulkAction, checkBulkFilter, checkBulkOptions, type BulkOptions, type BulkResult } from './job-bulk.js';
import {
  checkExecutionFilter,
  checkExecutionPage,
  checkJobFilter,
  checkJobPage,
  jobIdOf,
  type ExecutionListFilter,
  type ExecutionPageRequest,
  type JobListFilter,
} from './job-query.js';
import { RemoteAudit } from './remote-audit.js';
import { HttpCaller, type HttpCallerOptions } from './remote-http.js';
import { RemoteSchedules, RemoteTokens } from './remote-schedules.js';
import { RemoteWorkflows } from './remote-workflows.js';
import { checkThroughputOptions, type Throughput, type ThroughputOptions } from './throughput.js';
import { previewTiming, type TimingPreviewSpec } from './timing-preview.js';

export type RemoteOptions = HttpCallerOptions;

/** The most jobs one `enqueueMany` sends: the API's batch limit (one transaction each). */
export const MAX_REMOTE_BATCH = 1_000;

const ENQUEUE_KEYS = ['queue', 'priority', 'delay', 'runAt', 'maxAttempts', 'retry', 'uniqueKey', 'uniqueFor', 'timeout', 'traceId', 'concurrencyKey', 'debounce', 'throttle'] as const;

export class RemoteOrdo implements OrdoClient {
  readonly engine = 'remote' as const;
  readonly schedules: RemoteSchedules;
  readonly tokens: RemoteTokens;
  readonly audit: RemoteAudit;
  readonly workflows: RemoteWorkflows;
  private readonly http: HttpCaller;

  constructor(options: RemoteOptions) {
    this.http = new HttpCaller(options);
    this.schedules = new RemoteSchedules(this.http);
    this.tokens = new RemoteTokens(this.http);
    this.audit = new RemoteAudit(this.http);
    this.workflows = new RemoteWorkflows(this.http);
  }

  /** The server's base URL. */
  get server(): string {
    return this.http.server;
  }

  async enqueue(task: string, payload?: unknown, options: EnqueueOptions = {}): Promise<InsertResult> {
    return this.http.call('jobs.create', { body: enqueueBody({ task, payload, options }) });
  }

  /** Enqueues up to 1,000 jobs in one transaction on the server: all or none. */
  async enqueueMany(items: readonly EnqueueItem[]): Promise<InsertResult[]> {
    if (items.length === 0) return [];
    if (items.length > MAX_REMOTE_BATCH) {
      throw new ValidationError('items', `at most ${MAX_REMOTE_BATCH} jobs per enqueueMany over HTTP (one transaction each)`, `${items.length} jobs`);
    }
    const jobs = items.map((item, index) => {
      try {
        return enqueueBody(item);
      } catch (err) {
        if (items.length > 1 && err instanceof Error) err.message = `job ${index + 1}: ${err.message}`;
        throw err;
      }
    });
    return (await this.http.call('jobs.createMany', { body: { jobs } })).jobs;
  }

  /**
   * Emits an event through the server. The key and `keep` are checked here first, so a bad one
   * is named before anything travels; the payload must survive JSON as it is.
   */
  async emit(key: string, payload?: unknown, options: { keep?: number | string } = {}): Promise<{ stored: boolean; woken: number }> {
    const body: Record<string, unknown> = { key: checkEventKey(key) };
    if (payload !== undefined) body.payload = payload;
    if (options.keep !== undefined) {
      if (parseDuration(options.keep, 'keep') <= 0) throw new ValidationError('keep', 'a duration over zero, such as 1h', options.keep);
      body.keep = options.keep;
    }
    return this.http.call('events.emit', { body });
  }

  async getJob(id: string): Promise<JobRecord | null> {
    try {
      return await this.job(id);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async job(id: string): Promise<JobRecord> {
    // The wait reason travels with the job; a job record, as the local client's, has none.
    const { waitingFor: _waitingFor, ...job } = await this.http.call('jobs.get', { params: { id: jobIdOf(id) } });
    return job as JobRecord;
  }

  async listJobs(filter: JobListFilter = {}, page: Page = {}): Promise<JobPage> {
    const f = wireFilter(checkJobFilter(filter));
    const p = checkJobPage(page);
    const query = {
      ...f,
      // JSON in a query string travels as its text; the server parses it back.
      payloadContains: f.payloadContains && JSON.stringify(f.payloadContains),
      resultContains: f.resultContains && JSON.stringify(f.resultContains),
      limit: p.limit,
      offset: p.offset === 0 ? undefined : p.offset,
      cursor: p.before,
    };
    return (await this.http.call('jobs.list', { query })) as JobPage;
  }

  async listExecutions(filter: ExecutionListFilter = {}, page: ExecutionPageRequest = {}): Promise<ExecutionPage> {
    const f = checkExecutionFilter(filter);
    const { limit } = checkExecutionPage(page);
    const query = { task: f.task, queue: f.queue, outcome: f.outcome === undefined ? undefined : [f.outcome].flat(), worker: f.workerId, from: f.from, to: f.to, limit, cursor: page.cursor };
    return (await this.http.call('executions.list', { query })) as ExecutionPage;
  }

  async cancel(id: string): Promise<CancelResult> {
    return this.http.call('jobs.cancel', { params: { id: jobIdOf(id) } });
  }

  async retry(id: string): Promise<{ retried: true; state: 'pending' }> {
    return this.http.call('jobs.retry', { params: { id: jobIdOf(id) } });
  }

  async deleteJob(id: string): Promise<{ id: string; deleted: true }> {
    return this.http.call('jobs.delete', { params: { id: jobIdOf(id) } });
  }

  async bulk(action: BulkAction, filter: JobListFilter, options: BulkOptions = {}): Promise<BulkResult> {
    const body = { action: checkBulkAction(action), filter: bodyFilter(checkBulkFilter(filter)), dryRun: checkBulkOptions(options).dryRun };
    return this.http.call('jobs.bulk', { body });
  }

  async throughput(options: ThroughputOptions = {}): Promise<Throughput> {
    return this.http.call('stats.throughput', { query: { ...checkThroughputOptions(options) } });
  }

  /** Checked here as the server checks it (the same errors), then previewed by the server. */
  async previewTiming(spec: TimingPreviewSpec): Promise<Date[]> {
    previewTiming(spec, new Date());
    const body: Record<string, unknown> = {};
    for (const key of ['cron', 'every', 'at', 'tz', 'count'] as const) if (spec[key] !== undefined) body[key] = spec[key];
    if (spec.at instanceof Date) body.at = spec.at.toISOString();
    return (await this.http.call('schedules.preview', { body })).nextFires;
  }

  async stats(): Promise<QueueStats[]> {
    return (await this.http.call('queues.list')).queues;
  }

  async clean(queue: string): Promise<number> {
    return (await this.http.call('queues.clean', { params: { name: checkQueueName(queue) } })).deleted;
  }

  async pause(queue: string): Promise<void> {
    await this.http.call('queues.pause', { params: { name: checkQueueName(queue) } });
  }

  async resume(queue: string): Promise<void> {
    await this.http.call('queues.resume', { params: { name: checkQueueName(queue) } });
  }

  /** Checked here field by field; a lone `burst` is checked by the server, against the rate in force. */
  async setQueueLimits(queue: string, limits: QueueLimitsInput): Promise<QueueLimits> {
    return this.http.call('queues.setLimits', { params: { name: checkQueueName(queue) }, body: checkQueueLimitsInput(limits) });
  }

  async clearQueueLimits(queue: string): Promise<void> {
    await this.http.call('queues.clearLimits', { params: { name: checkQueueName(queue) } });
  }

  async queueFlow(queue: string, options: QueueFlowOptions = {}): Promise<QueueFlow> {
    const { busiestKeys, key } = checkQueueFlowOptions(options);
    return this.http.call('queues.flow', { params: { name: checkQueueName(queue) }, query: { keys: busiestKeys === 0 ? undefined : busiestKeys, key: key ?? undefined } });
  }

  async waitReason(job: string | JobRecord): Promise<string | null> {
    return (await this.http.call('jobs.get', { params: { id: jobIdOf(typeof job === 'string' ? job : job.id) } })).waitingFor;
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    return (await this.http.call('workers.list')).workers;
  }

  /** The tasks the server knows. */
  async taskInfo(): Promise<TaskInfo[]> {
    return (await this.http.call('tasks.list')).tasks;
  }

  /** Nothing to release: each call is one request. */
  async close(): Promise<void> {}
}

/** The longest event key, as the API takes it. */
const MAX_EVENT_KEY = 500;

/** An event key: text of 1 to 500 characters, not blank (the local client's words). */
function checkEventKey(key: unknown): string {
  if (typeof key !== 'string' || key.trim() === '' || key.length > MAX_EVENT_KEY) throw new ValidationError('key', `a non-empty event key of at most ${MAX_EVENT_KEY} characters`, key);
  return key;
}

/** A checked job filter under the names the API gives its fields (`worker`, `q`, `resultQ`), undefined fields left out. */
function wireFilter(f: JobFilter) {
  return {
    state: f.state === undefined ? undefined : [f.state].flat(),
    queue: f.queue,
    task: f.task,
    worker: f.workerId,
    createdFrom: f.createdFrom,
    createdTo: f.createdTo,
    q: f.payloadText,
    resultQ: f.resultText,
    payloadContains: f.payloadContains,
    resultContains: f.resultContains,
  };
}

/** A checked filter as a bulk action's body holds it: times as ISO text, JSON as objects, no undefined fields. */
function bodyFilter(f: JobFilter): Record<string, unknown> {
  const body: Record<string, unknown> = wireFilter(f);
  for (const key of ['createdFrom', 'createdTo'] as const) if (body[key] instanceof Date) body[key] = (body[key] as Date).toISOString();
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/**
 * The body of one job: the options the API takes (a caller's transaction cannot travel), a
 * Date sent as ISO text. Checked first as the local client checks a job of a task it does not
 * know (everything but the task's own schema, which the server checks), so a bad option gets
 * the local client's error, not the wire schema's. One difference remains: a job whose
 * payload breaks its task's schema and that has a bad option too is refused for the option
 * here, for the payload by a local client (which checks the payload first).
 */
function enqueueBody(item: EnqueueItem): Record<string, unknown> {
  const options = item.options ?? {};
  if (options.tx !== undefined) {
    throw new ValidationError('tx', 'no tx over HTTP: enqueueing inside your own transaction needs a client on the database (createOrdo({ db }))', 'a transaction');
  }
  resolveEnqueue(item.task, item.payload, options, undefined);
  const body: Record<string, unknown> = { task: item.task };
  if (item.payload !== undefined) body.payload = checkPayload(item.payload);
  for (const key of ENQUEUE_KEYS) if (options[key] !== undefined) body[key] = options[key];
  if (options.runAt instanceof Date) body.runAt = parseTime(options.runAt, 'runAt').toISOString();
  return body;
}
