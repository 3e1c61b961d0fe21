/**
 * Opening a client: the database and schema resolved like everywhere else (options >
 * `ORDO_DATABASE_URL`/`DATABASE_URL`, `ORDO_SCHEMA` > defaults), the store opened and
 * migrated, the tasks loaded. Read-only callers pass `create: false` so a misspelled
 * database or schema is reported instead of created. With `{ url, token }` instead, the
 * client talks to an Ordo server over HTTP (`RemoteOrdo`), with the same methods.
 */
import { resolve } from 'node:path';
import { resolveStoreSettings } from '../config/resolve.js';
import { EventBus, type OrdoEvents } from '../core/events.js';
import type { Store } from '../store/contract.js';
import { openStore, type OpenStoreOptions } from '../store/open.js';
import { loadTasks } from '../tasks/loader.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { resolveTaskSource, type TaskSource } from '../tasks/source.js';
import type { Workflow } from '../workflows/define.js';
import { Ordo } from './client.js';
import type { FeedOptions } from './feed-poller.js';
import { RemoteOrdo, type RemoteOptions } from './remote.js';

export { Ordo, type EnqueueItem } from './client.js';
export { RemoteOrdo, type RemoteOptions } from './remote.js';
export { ChangeFeed, type FeedListener } from './feed.js';
export type { FeedOptions } from './feed-poller.js';
export { Tokens, type TokenView } from './tokens.js';
export { Workflows } from './workflows.js';
export { describeTasks } from './task-info.js';
export type { OrdoClient, TaskInfo, JobPage, ExecutionPage, FeedEvent, FeedJob, ScheduleClient, TokenClient, WorkflowClient, StartOptions, RunPage } from './api.js';
export type { JobListFilter, ExecutionListFilter, ExecutionPageRequest } from './job-query.js';
export type { CancelResult } from './job-actions.js';
export { BULK_ACTIONS, type BulkOptions, type BulkResult } from './job-bulk.js';
export { THROUGHPUT_WINDOWS, type Throughput, type ThroughputOptions, type ThroughputWindow } from './throughput.js';
export { MAX_PREVIEW_COUNT, type TimingPreviewSpec } from './timing-preview.js';
export { Audit, type AuditClient, type AuditListOptions, type AuditPage, type AuditRecord } from './audit.js';
export { Schedules, PREVIEW_FIRES, type ScheduleView, type ScheduleDetail } from './schedules.js';
export type { ScheduleSpec } from './schedule-spec.js';
export { overdueReason, type OverdueReason } from './schedule-overdue.js';
export { syncCodeSchedules, type CodeScheduleSync } from './code-schedules.js';
export type { TaskRegistry };

export interface OrdoOptions {
  /** SQLite file path or postgres:// URL. @defaultValue ORDO_DATABASE_URL ?? DATABASE_URL ?? './.ordo/ordo.db' */
  db?: string;
  /** PostgreSQL schema. @defaultValue ORDO_SCHEMA ?? 'ordo' */
  schema?: string;
  /** An open store to use instead of `db` (not closed by `close()`). */
  store?: Store;
  /** Tasks known to this client: payloads are validated and task options applied at enqueue. */
  tasks?: TaskSource;
  /** Workflows known to this client: their input schemas check the input of runs started by name. */
  workflows?: readonly Workflow[];
  /** The bus `job:enqueued` is published on; pass a worker's to share one. @defaultValue a new bus */
  events?: EventBus<OrdoEvents>;
  /**
   * `false`: refuse a database that holds no Ordo tables (a SQLite file or PostgreSQL schema
   * that does not exist) instead of creating it. @defaultValue true
   */
  create?: boolean;
  /** How `ordo.feed()` reads the database. @defaultValue FEED_DEFAULTS */
  feed?: FeedOptions;
}

/**
 * Opens a client on the database (migrating it if needed) with the given tasks; or, given a
 * server's `url` (and its API `token`), a client over the HTTP API with the same methods.
 */
export async function createOrdo(options: RemoteOptions): Promise<RemoteOrdo>;
export async function createOrdo(options?: OrdoOptions): Promise<Ordo>;
export async function createOrdo(options: OrdoOptions | RemoteOptions = {}): Promise<Ordo | RemoteOrdo> {
  if ('url' in options) return new RemoteOrdo(options);
  const tasks = await resolveTaskSource(options.tasks, { workflows: options.workflows });
  const events = options.events ?? new EventBus<OrdoEvents>();
  if (options.store) return new Ordo(options.store, tasks, false, events, options.feed);
  const { db, schema } = resolveStoreSettings(options);
  const storeOptions = { schema, ...(options.create === false ? { create: false } : {}) } as OpenStoreOptions;
  return new Ordo(await openStore(db, storeOptions), tasks, true, events, options.feed);
}

/** Folders already loaded in this process, by absolute path. */
const loadedFolders = new Map<string, TaskRegistry>();

/**
 * Loads a folder of task modules, once per process: like a module `import`ed twice, a folder
 * loaded again gives the first result (compiling TypeScript tasks costs about half a second
 * each time). A missing folder is an error when `required` (someone named it), else no tasks
 * (the default folder need not exist); an empty result is not kept, so a folder created
 * later is still found.
 */
export async function loadTaskFolder(dir: string, options: { required: boolean }): Promise<TaskRegistry> {
  const folder = resolve(dir);
  const known = loadedFolders.get(folder);
  if (known) return known;
  const registry = await loadTasks(folder, options);
  if (registry.size > 0) loadedFolders.set(folder, registry);
  return registry;
}
