/**
 * The client: what users call, and what the CLI and the HTTP API sit on. One code path for
 * every way in. It validates input, resolves options, and calls the store.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import { JOB_STATES, type InsertResult, type JobFilter, type JobRecord, type JobState, type Page, type QueueStats, type WorkerRecord } from '../core/types.js';
import type { Store } from '../store/contract.js';
import { openConfiguredStore } from '../store/open.js';
import { TaskRegistry, type TaskSummary } from '../tasks/registry.js';
import { resolveTaskSource, type TaskSource } from '../tasks/source.js';
import { checkQueueName } from '../core/names.js';
import { resolvePage } from '../core/page.js';
import { resolveEnqueue, type EnqueueOptions } from './enqueue-options.js';

export interface OrdoOptions {
  /** SQLite file path or postgres:// URL. @defaultValue process.env.ORDO_DATABASE_URL ?? DATABASE_URL ?? './.ordo/ordo.db' */
  db?: string;
  /** PostgreSQL schema. @defaultValue 'ordo' */
  schema?: string;
  /** An open store to use instead of `db` (not closed by `close()`). */
  store?: Store;
  /** Tasks known to this client: payloads are validated and task options applied at enqueue. */
  tasks?: TaskSource;
}

export interface EnqueueItem {
  task: string;
  payload?: unknown;
  options?: EnqueueOptions;
}

/** Workers not seen for this long are listed as stale. */
export const WORKER_STALE_AFTER_MS = 60_000;

export class Ordo {
  constructor(
    readonly store: Store,
    readonly tasks: TaskRegistry,
    private readonly ownsStore: boolean,
  ) {}

  /** Enqueues one job. Returns its id; `created: false` when `uniqueKey` matched an active job. */
  async enqueue(task: string, payload?: unknown, options: EnqueueOptions = {}): Promise<InsertResult> {
    const [result] = await this.enqueueMany([{ task, payload, options }], { tx: options.tx });
    return result!;
  }

  /** Enqueues many jobs in one transaction: all or none. */
  async enqueueMany(items: readonly EnqueueItem[], options: { tx?: unknown } = {}): Promise<InsertResult[]> {
    const jobs = items.map((item, index) => {
      try {
        return resolveEnqueue(item.task, item.payload, item.options ?? {}, this.tasks.get(item.task));
      } catch (err) {
        if (items.length > 1 && err instanceof Error) err.message = `job ${index + 1}: ${err.message}`;
        throw err;
      }
    });
    if (jobs.length === 0) return [];
    return this.store.jobInsertMany({ jobs, tx: options.tx });
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.store.jobGet({ id: checkJobId(id) });
  }

  async listJobs(filter: JobFilter = {}, page: Page = {}): Promise<{ jobs: JobRecord[]; total: number }> {
    for (const state of [filter.state ?? []].flat()) {
      if (!JOB_STATES.includes(state)) throw new ValidationError('state', `one of ${JOB_STATES.join(', ')}`, state);
    }
    if (filter.queue !== undefined) checkQueueName(filter.queue);
    return this.store.jobList({ filter, page: resolvePage(page, { limit: 'limit', offset: 'offset' }) });
  }

  /** Cancels a pending job at once, or asks a running job's worker to abort it. */
  async cancel(id: string): Promise<{ state: JobState; cancelRequested: boolean }> {
    const result = await this.store.jobCancel({ id: checkJobId(id) });
    if (!result) throw new NotFoundError('job', id);
    return result;
  }

  /** Runs a failed or cancelled job again, with one more attempt allowed. */
  async retry(id: string): Promise<{ retried: boolean; state: JobState }> {
    const result = await this.store.jobRetry({ id: checkJobId(id) });
    if (!result) throw new NotFoundError('job', id);
    return result;
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

  async listWorkers(): Promise<WorkerRecord[]> {
    return this.store.workerList({ staleAfterMs: WORKER_STALE_AFTER_MS });
  }

  listTasks(): TaskSummary[] {
    return this.tasks.list();
  }

  async close(): Promise<void> {
    if (this.ownsStore) await this.store.close();
  }
}

function checkJobId(id: unknown): string {
  const text = typeof id === 'number' ? String(id) : id;
  if (typeof text !== 'string' || !/^[1-9]\d{0,18}$/.test(text)) {
    throw new ValidationError('id', 'a job id (a positive whole number such as 42)', id);
  }
  return text;
}

/** Opens a client on the database (migrating it if needed) with the given tasks. */
export async function createOrdo(options: OrdoOptions = {}): Promise<Ordo> {
  const tasks = await resolveTaskSource(options.tasks);
  if (options.store) return new Ordo(options.store, tasks, false);
  return new Ordo(await openConfiguredStore(options), tasks, true);
}
