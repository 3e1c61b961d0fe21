/**
 * Worker options → resolved options: every field defaulted (from `core/defaults.ts`),
 * validated and documented here.
 */
import { hostname } from 'node:os';
import { DEFAULTS, HEARTBEATS_PER_LEASE, LIMITS } from '../core/defaults.js';
import { ValidationError } from '../core/errors.js';
import type { EventBus, OrdoEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { checkQueueName } from '../core/names.js';
import { resolveHttpAllowHosts } from '../config/resolve.js';
import type { Store } from '../store/contract.js';
import type { TaskSource } from '../tasks/source.js';
import { isWorkflow, type Workflow } from '../workflows/define.js';

export interface WorkerOptions {
  /** SQLite file path or postgres:// URL. @defaultValue ORDO_DATABASE_URL ?? DATABASE_URL ?? './.ordo/ordo.db' */
  db?: string;
  /** PostgreSQL schema. @defaultValue ORDO_SCHEMA ?? 'ordo' */
  schema?: string;
  /** An open store to use instead of `db` (not closed by `stop()`). */
  store?: Store;
  /** The tasks this worker runs: a folder, definitions or a registry. */
  tasks: TaskSource;
  /**
   * Workflows this worker runs (with the tasks their steps hold), besides those of `tasks`.
   * Their definitions are stored when the worker starts, so runs can be started by name.
   * @defaultValue []
   */
  workflows?: readonly Workflow[];
  /** Queues served, in order: a job of a later queue never starts while one of an earlier queue is due. @defaultValue ['default'] */
  queues?: string[];
  /** Jobs run at once. @defaultValue 10 */
  concurrency?: number;
  /** Unique name of this worker. @defaultValue `${hostname}:${pid}` plus a suffix when several run in one process */
  name?: string;
  /** How long a claim holds a job without a heartbeat; at least 1 s (`LIMITS.minLeaseMs`). @defaultValue 30000 */
  leaseMs?: number;
  /**
   * How often leases and the worker row are refreshed; at most leaseMs / 2. A worker holding
   * no job refreshes its row every 30 s (`DEFAULTS.idleBeatMs`, or this if longer).
   * @defaultValue leaseMs / 3
   */
  heartbeatMs?: number;
  /** How often running jobs are checked for cancellation. @defaultValue 1000 */
  cancelCheckMs?: number;
  /**
   * Longest idle sleep between claims when no wake-up arrives. On PostgreSQL, whose NOTIFY
   * wakes workers across processes, a worker with nothing due sleeps up to 30 s
   * (`DEFAULTS.notifiedPollMs`, or this if longer); this poll then serves queues whose due
   * jobs wait for a slot their limits hold. @defaultValue 1000
   */
  pollMs?: number;
  /**
   * How often expired leases of dead workers are recovered (by the maintenance leader), while
   * jobs are about; after a lease without any sign of them, every 30 s (`DEFAULTS.idleRescueMs`,
   * or this if longer). @defaultValue 5000
   */
  rescueMs?: number;
  /** On stop, how long running jobs may take to finish before they are aborted and released. @defaultValue 10000 */
  shutdownGraceMs?: number;
  /** Most jobs claimed by one statement. @defaultValue 200 */
  claimBatch?: number;
  /**
   * Most jobs held claimed ahead of free slots, so a busy worker claims in large batches and
   * starts the next job as soon as a slot frees. How many it holds follows its start rate (about
   * 100 ms of work; none for slow jobs or an idle worker); 0 claims only for free slots.
   * @defaultValue 500
   */
  prefetch?: number;
  /**
   * Also host the maintenance services (the lease rescuer, run only while this process
   * leads the `maintenance` role), so a deployment of workers only recovers a dead worker's
   * jobs. `false` leaves that to another process. @defaultValue true
   */
  maintenance?: boolean;
  /** How long a handler that ignores its abort signal keeps its job before its retry is written anyway. @defaultValue 600000 */
  holdLimitMs?: number;
  /** With maintenance: finished jobs and fire records older than this are pruned. @defaultValue DEFAULTS.schedules.pruneAgeMs (7 days) */
  retentionMs?: number;
  /**
   * Hosts the built-in `http` task may reach: `api.example.com`, `*.example.com` (any host
   * below it), `localhost:8080` (one port); a list or comma-separated text. A job whose URL
   * (or a redirect) leaves them fails for good. @defaultValue ORDO_HTTP_ALLOW_HOSTS, else any host
   */
  httpAllowHosts?: string | readonly string[];
  /** Publish the worker's events on this bus (shared with other parts) instead of its own. */
  events?: EventBus<OrdoEvents>;
  logger?: Logger;
}

export interface ResolvedWorkerOptions extends Required<Omit<WorkerOptions, 'db' | 'schema' | 'store' | 'logger' | 'events' | 'httpAllowHosts'>> {
  /** Empty: any host. */
  httpAllowHosts: string[];
  db: string | undefined;
  schema: string | undefined;
  store: Store | undefined;
  logger: Logger | undefined;
  events: EventBus<OrdoEvents> | undefined;
}

let workersInProcess = 0;

function wholeNumber(value: number, field: string, min: number, max: number, hint?: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ValidationError(field, `a whole number from ${min} to ${max}`, value, hint);
  return value;
}

function nonNegative(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ValidationError(field, 'a number of milliseconds ≥ 0', value);
  return value;
}

function checkWorkflows(workflows: readonly Workflow[]): readonly Workflow[] {
  if (!Array.isArray(workflows)) throw new ValidationError('workflows', 'a list of workflow(...) definitions', workflows);
  workflows.forEach((workflow, i) => {
    if (!isWorkflow(workflow)) throw new ValidationError(`workflows[${i}]`, 'a workflow(...) definition', workflow);
  });
  return workflows;
}

/** Every option defaulted and checked; throws a `ValidationError` naming the field and its bounds. */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const queues = options.queues ?? [...DEFAULTS.queues];
  if (!Array.isArray(queues) || queues.length === 0) throw new ValidationError('queues', 'a non-empty list of queue names such as high,default,low', queues);
  queues.forEach((queue, i) => checkQueueName(queue, `queues[${i}]`));
  const leaseMs = wholeNumber(options.leaseMs ?? DEFAULTS.leaseMs, 'leaseMs', LIMITS.minLeaseMs, LIMITS.maxLeaseMs, 'A shorter lease leaves heartbeats no room for a pause or a slow statement, so jobs would run twice');
  // At most half the lease, so one late or failed heartbeat never lets a lease lapse.
  const heartbeatMs = wholeNumber(options.heartbeatMs ?? Math.floor(leaseMs / HEARTBEATS_PER_LEASE), 'heartbeatMs', 1, Math.floor(leaseMs / 2));
  const suffix = workersInProcess++ === 0 ? '' : `:${workersInProcess}`;
  const name = options.name ?? `${hostname()}:${process.pid}${suffix}`;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new ValidationError('name', 'a worker name of 1 to 200 characters', name);
  const maintenance = options.maintenance ?? true;
  if (typeof maintenance !== 'boolean') throw new ValidationError('maintenance', 'true or false', maintenance);
  return {
    db: options.db,
    schema: options.schema,
    store: options.store,
    tasks: options.tasks,
    workflows: checkWorkflows(options.workflows ?? []),
    queues: [...new Set(queues)],
    concurrency: wholeNumber(options.concurrency ?? DEFAULTS.concurrency, 'concurrency', 1, LIMITS.maxConcurrency),
    name,
    leaseMs,
    heartbeatMs,
    cancelCheckMs: wholeNumber(options.cancelCheckMs ?? DEFAULTS.cancelCheckMs, 'cancelCheckMs', 1, LIMITS.maxIntervalMs),
    pollMs: wholeNumber(options.pollMs ?? DEFAULTS.pollMs, 'pollMs', 1, LIMITS.maxIntervalMs),
    rescueMs: wholeNumber(options.rescueMs ?? DEFAULTS.rescueMs, 'rescueMs', 1, LIMITS.maxIntervalMs),
    shutdownGraceMs: nonNegative(options.shutdownGraceMs ?? DEFAULTS.graceMs, 'shutdownGraceMs'),
    claimBatch: wholeNumber(options.claimBatch ?? DEFAULTS.claimBatch, 'claimBatch', 1, LIMITS.maxClaimBatch),
    prefetch: wholeNumber(options.prefetch ?? DEFAULTS.prefetch, 'prefetch', 0, LIMITS.maxPrefetch),
    maintenance,
    holdLimitMs: wholeNumber(options.holdLimitMs ?? DEFAULTS.holdLimitMs, 'holdLimitMs', 1, LIMITS.maxIntervalMs),
    retentionMs: wholeNumber(options.retentionMs ?? DEFAULTS.schedules.pruneAgeMs, 'retentionMs', 60_000, Number.MAX_SAFE_INTEGER),
    httpAllowHosts: resolveHttpAllowHosts(options.httpAllowHosts, 'httpAllowHosts'),
    events: options.events,
    logger: options.logger,
  };
}
