/**
 * Ordo's public API: the client, the worker, task definitions, errors and types.
 */
export { createOrdo, Ordo, type OrdoOptions, type EnqueueItem } from './client/ordo.js';
export type { EnqueueOptions } from './client/enqueue-options.js';
export { createWorker, Worker, type WorkerEvents } from './worker/worker.js';
export type { WorkerOptions } from './worker/options.js';
export { defineTask, isTaskDefinition, type TaskContext, type TaskDefinition, type TaskHandler, type TaskOptions } from './tasks/define.js';
export { TaskRegistry, type TaskSummary } from './tasks/registry.js';
export { loadTasks } from './tasks/loader.js';
export { openStore, DEFAULT_DATABASE, type OpenStoreOptions } from './store/open.js';
export type { Store, StoreCapabilities, EngineName } from './store/contract.js';
export { OrdoError, ValidationError, NotFoundError, ConfigError, StoreUnavailableError, PermanentError, type ErrorCode } from './core/errors.js';
export { parseDuration, parseTime, formatDuration } from './core/duration.js';
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './core/retry.js';
export { createLogger, type Logger } from './core/logger.js';
export type * from './core/types.js';
