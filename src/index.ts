/**
 * Ordo's public API: the client, the worker, task definitions, settings, events, errors and
 * types.
 */
export { createOrdo, Ordo, type OrdoOptions, type EnqueueItem, type CancelResult } from './client/ordo.js';
export {
  RemoteOrdo,
  ChangeFeed,
  Tokens,
  type RemoteOptions,
  type FeedOptions,
  type FeedListener,
  type TokenView,
  type OrdoClient,
  type TaskInfo,
  type JobPage,
  type ExecutionPage,
  type FeedEvent,
  type FeedJob,
  type ScheduleClient,
  type TokenClient,
  Workflows,
  type WorkflowClient,
  type StartOptions,
  type RunPage,
  type JobListFilter,
  type ExecutionListFilter,
  type ExecutionPageRequest,
  BULK_ACTIONS,
  THROUGHPUT_WINDOWS,
  Audit,
  type BulkOptions,
  type BulkResult,
  type Throughput,
  type ThroughputOptions,
  type ThroughputWindow,
  type TimingPreviewSpec,
  type AuditClient,
  type AuditListOptions,
  type AuditPage,
  type AuditRecord,
} from './client/ordo.js';
export { ROUTES, API_PREFIX, SERVICE_PATHS, scopeAllows, type RouteId, type RouteSpec } from './api/routes.js';
export {
  Schedules,
  syncCodeSchedules,
  overdueReason,
  type ScheduleSpec,
  type ScheduleView,
  type ScheduleDetail,
  type CodeScheduleSync,
  type OverdueReason,
} from './client/ordo.js';
export { describeTiming, nextFires } from './core/schedule-timing.js';
export type { EnqueueOptions } from './client/enqueue-options.js';
export { createWorker, Worker } from './worker/worker.js';
export type { WorkerOptions } from './worker/options.js';
export { Maintenance, MAINTENANCE_ROLE, type MaintenanceOptions } from './maintenance/maintenance.js';
export { Scheduler, type SchedulerOptions } from './maintenance/scheduler.js';
export { SchedulerHost, type SchedulerHostOptions } from './maintenance/scheduler-host.js';
export { Pruner, type PrunerOptions } from './maintenance/pruner.js';
export { Service, type ServiceState, type StopOptions } from './services/service.js';
export { defineTask, isTaskDefinition, type TaskContext, type TaskDefinition, type TaskHandler, type TaskOptions, type WorkflowStepContext } from './tasks/define.js';
export {
  workflow,
  isWorkflow,
  Workflow,
  type Dependency,
  type OnFailure,
  type StepOptions,
  type MapOptions,
  type StepJobOptions,
  type StepContext,
  type InlineHandler,
  type ParentResults,
} from './workflows/define.js';
export {
  defineWorkflow,
  isDurableWorkflow,
  DurableWorkflow,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_STEP_RETRY,
  type ChildHandle,
  type DurableContext,
  type DurableHandler,
  type DurableOptions,
  type DurableStepOptions,
  type EventWait,
  type SpawnTarget,
} from './workflows/durable.js';
export type * from './core/workflow-types.js';
export { TaskRegistry, type TaskSummary } from './tasks/registry.js';
export type { TaskSchedule } from './tasks/schedule.js';
export { loadTasks } from './tasks/loader.js';
export { HTTP_TASK, WORKFLOW_START_TASK, type HttpPayload, type HttpResult, type BuiltinSettings, type WorkflowStartPayload } from './tasks/builtin/index.js';
export { openStore, DEFAULT_DATABASE, type OpenStoreOptions } from './store/open.js';
export type { Store, StoreCapabilities, EngineName, CallerTransaction } from './store/contract.js';
export { instrumentStore, type Instrumented, type InstrumentOptions, type StoreCall, type StoreMethodStats } from './store/instrumented.js';
export { JOB_STATE_TABLE, JOB_TRANSITIONS, isTerminal, canTransition, type JobTransition, type JobOperation } from './core/states.js';
export { resolveConfig, resolveStoreSettings, type ConfigFlags, type OrdoConfig } from './config/resolve.js';
export { DEFAULTS, LIMITS } from './core/defaults.js';
export { EventBus, type OrdoEvents, type OrdoEventName } from './core/events.js';
export {
  OrdoError,
  ValidationError,
  NotFoundError,
  ConflictError,
  ConfigError,
  StoreUnavailableError,
  StoreLostError,
  PermanentError,
  RetryLaterError,
  RateLimitedError,
  retryAfterMs,
  AccessError,
  ERROR_MAPPING,
  errorMapping,
  type ErrorCode,
  type ErrorMapping,
} from './core/errors.js';
export { parseDuration, parseTime, formatDuration } from './core/duration.js';
export { NO_LIMITS, parseRate, formatRate, type QueueLimits, type QueueFlow, type RateLimit, type KeyUsage } from './core/flow.js';
export type { QueueLimitsInput, QueueFlowOptions } from './client/flow.js';
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './core/retry.js';
export { createLogger, type Logger } from './core/logger.js';
export type * from './core/types.js';
