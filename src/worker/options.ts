/**
 * Worker options → resolved options: every field defaulted, validated and documented here.
 */
import { hostname } from 'node:os';
import { ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/contract.js';
import type { TaskSource } from '../tasks/source.js';
import { checkQueueName } from '../core/names.js';

export interface WorkerOptions {
  /** SQLite file path or postgres:// URL. @defaultValue ORDO_DATABASE_URL ?? DATABASE_URL ?? './.ordo/ordo.db' */
  db?: string;
  /** PostgreSQL schema. @defaultValue 'ordo' */
  schema?: string;
  /** An open store to use instead of `db` (not closed by `stop()`). */
  store?: Store;
  /** The tasks this worker runs: a folder, definitions or a registry. */
  tasks: TaskSource;
  /** Queues served, in order: a job of a later queue never starts while one of an earlier queue is due. @defaultValue ['default'] */
  queues?: string[];
  /** Jobs run at once. @defaultValue 10 */
  concurrency?: number;
  /** Unique name of this worker. @defaultValue `${hostname}:${pid}` plus a suffix when several run in one process */
  name?: string;
  /** How long a claim holds a job without a heartbeat. @defaultValue 30000 */
  leaseMs?: number;
  /** How often leases and the worker row are refreshed; at most leaseMs / 2. @defaultValue leaseMs / 3 */
  heartbeatMs?: number;
  /** How often running jobs are checked for cancellation. @defaultValue 1000 */
  cancelCheckMs?: number;
  /** Longest idle sleep between claims when no wake-up arrives. @defaultValue 1000 */
  pollMs?: number;
  /** How often expired leases of dead workers are recovered. @defaultValue 5000 */
  rescueMs?: number;
  /** On stop, how long running jobs may take to finish before they are aborted and released. @defaultValue 10000 */
  shutdownGraceMs?: number;
  /** Most jobs claimed by one statement. @defaultValue 50 */
  claimBatch?: number;
  logger?: Logger;
}

export interface ResolvedWorkerOptions extends Required<Omit<WorkerOptions, 'db' | 'schema' | 'store' | 'logger'>> {
  db: string | undefined;
  schema: string | undefined;
  store: Store | undefined;
  logger: Logger | undefined;
}

let workersInProcess = 0;

function positiveInt(value: number, field: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ValidationError(field, `a whole number from 1 to ${max}`, value);
  return value;
}

function nonNegative(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ValidationError(field, 'a number of milliseconds ≥ 0', value);
  return value;
}

export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const queues = options.queues ?? ['default'];
  if (!Array.isArray(queues) || queues.length === 0) throw new ValidationError('queues', 'a non-empty list of queue names such as high,default,low', queues);
  queues.forEach((queue, i) => checkQueueName(queue, `queues[${i}]`));
  const leaseMs = positiveInt(options.leaseMs ?? 30_000, 'leaseMs', 86_400_000);
  // At most half the lease, so one late or failed heartbeat never lets a lease lapse.
  const heartbeatMs = positiveInt(options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)), 'heartbeatMs', Math.max(1, Math.floor(leaseMs / 2)));
  const suffix = workersInProcess++ === 0 ? '' : `:${workersInProcess}`;
  const name = options.name ?? `${hostname()}:${process.pid}${suffix}`;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new ValidationError('name', 'a worker name of 1 to 200 characters', name);
  return {
    db: options.db,
    schema: options.schema,
    store: options.store,
    tasks: options.tasks,
    queues: [...new Set(queues)],
    concurrency: positiveInt(options.concurrency ?? 10, 'concurrency', 10_000),
    name,
    leaseMs,
    heartbeatMs,
    cancelCheckMs: positiveInt(options.cancelCheckMs ?? 1_000, 'cancelCheckMs', 3_600_000),
    pollMs: positiveInt(options.pollMs ?? 1_000, 'pollMs', 3_600_000),
    rescueMs: positiveInt(options.rescueMs ?? 5_000, 'rescueMs', 3_600_000),
    shutdownGraceMs: nonNegative(options.shutdownGraceMs ?? 10_000, 'shutdownGraceMs'),
    claimBatch: positiveInt(options.claimBatch ?? 50, 'claimBatch', 1_000),
    logger: options.logger,
  };
}
