/**
 * The Store contract: every persistent operation Ordo performs, named entity-first, one
 * readonly params object per call, one interface per entity (in `contract/`), composed here
 * with the store's lifecycle. Each engine (sqlite, postgres) owns all of its SQL and
 * implements exactly this; nothing above the store writes SQL. The conformance suite in
 * `test/store-contract/` runs unchanged against every engine.
 *
 * Semantics every engine must keep (see docs/architecture.md):
 * - Time is the store's clock (SQLite: the process clock; Postgres: `now()`), moved only by
 *   a test clock (clock.ts).
 * - Every write to a running job is fenced by `(id, attempt, workerId, state='running')`,
 *   so a worker whose lease expired can never overwrite the attempt that replaced it.
 * - A job that succeeds first time costs two writes: its claim and its finish.
 * - A job moves between states only as core/states.ts allows.
 *
 * Every entity has its own interface next to these and its own area in the conformance
 * suite: `ScheduleStore` (recurring jobs and their fire ledger), `WorkflowStore` (workflow
 * definitions and runs: jobs that wait on other jobs), `TokenStore` (the HTTP API's
 * credentials, hashes only); flow keys (limits shared by jobs of one key) are still to come.
 * A method is named entity-first (`scheduleUpsert`, `workflowGet`) so the composed interface
 * stays readable.
 */
import type { AuditStore } from './contract/audit.js';
import type { JobStore } from './contract/jobs.js';
import type { LeaderStore } from './contract/leaders.js';
import type { QueueStore } from './contract/queues.js';
import type { ScheduleStore } from './contract/schedules.js';
import type { TokenStore } from './contract/tokens.js';
import type { WorkerStore } from './contract/workers.js';
import type { WorkflowStore } from './contract/workflows.js';

export type { StoreClock } from './clock.js';
export type { AuditStore } from './contract/audit.js';
export type { CallerTransaction, JobRef, JobStore } from './contract/jobs.js';
export type { LeaderStore } from './contract/leaders.js';
export type { QueueStore } from './contract/queues.js';
export type { SchedulePlan, ScheduleStore, ScheduleUpsertMode } from './contract/schedules.js';
export type { TokenStore } from './contract/tokens.js';
export type { WorkerStore } from './contract/workers.js';
export type { WorkflowStore } from './contract/workflows.js';

export type EngineName = 'sqlite' | 'postgres';

export interface StoreCapabilities {
  /** Every wake-up crosses processes, "schedules changed" too (LISTEN/NOTIFY); otherwise some stay within the process. */
  crossProcessNotify: boolean;
  /**
   * "Jobs available" reaches listeners in every process (PostgreSQL: NOTIFY; SQLite: the
   * file's commits, noticed while a worker listens), so an idle worker may poll rarely.
   */
  crossProcessJobWake: boolean;
  /** `jobInsertMany({ tx })` accepts the caller's own transaction client. */
  transactionalEnqueue: boolean;
}

/** Opening and closing a store, and what it is. */
export interface StoreLifecycle {
  readonly engine: EngineName;
  readonly capabilities: StoreCapabilities;

  /** Creates or upgrades the schema. Idempotent; safe when many processes call it at once. */
  migrate(): Promise<void>;
  /** Releases connections and listeners. Idempotent. */
  close(): Promise<void>;
}

/** Everything a store does: each entity's operations and the lifecycle. */
export interface Store extends StoreLifecycle, JobStore, QueueStore, WorkerStore, LeaderStore, ScheduleStore, TokenStore, AuditStore, WorkflowStore {}
