/**
 * The workflows entity of the Store contract: stored definitions, runs and their steps.
 *
 * A run is a row, each of its steps a row, and each step's work an ordinary job carrying
 * `run_id`, `step` and (map steps) `map_index`. Starting a run writes the run, every step
 * and the root steps' jobs in one transaction. Every move of a step's job to a terminal state
 * (a finish, a lease rescue, a cancellation, a bulk cancel) advances its run in the same
 * transaction: the run row is locked (PostgreSQL `FOR UPDATE`; SQLite's write lock), the
 * steps are read, `planRun` (core/workflow-plan.ts) decides, and its plan is written (step
 * rows, new jobs, cancellations, the run's end). So a dependant is released exactly once,
 * however many workers end its last parents at the same instant, and nothing polls.
 *
 * A run's jobs belong to it: a queue's clean, bulk delete and bulk retry leave them out, and
 * `jobDelete` and `jobRetry` refuse them with a ConflictError naming the run (a step runs again
 * with its run, `workflowRunRetry`, which needs its jobs). `jobPrune` removes them only with
 * their run: runs that ended before the retention age (none of whose jobs still runs), with
 * their steps and jobs.
 *
 * Durable functions (`kind: 'function'`) are runs of one step, `main`, whose job runs the
 * function and records its progress as checkpoints (`checkpointWrite`, fenced like a finish).
 * A function that waits releases its job with a delay (a `released` finish: no attempt used)
 * and is woken early by what it waits for: `eventEmit` makes the `main` job of every run with
 * a `waiting` event checkpoint on the key due now, and a run that ends makes its parent's
 * (`parentRunId`) `main` job due now, in the transaction that ends it. Both notify the queues
 * as an insert does.
 */
import type { Json } from '../../core/types.js';
import type {
  Checkpoint,
  CheckpointWrite,
  EmittedEvent,
  RunFilter,
  RunRecord,
  RunState,
  RunSummary,
  StepInputs,
  WorkflowDefinition,
  WorkflowRecord,
} from '../../core/workflow-types.js';
import type { CallerTransaction } from './jobs.js';

export interface WorkflowStore {
  /** Stores (or replaces) definitions by name, in one transaction. Definitions are checked by the caller. */
  workflowRegister(params: { readonly definitions: readonly WorkflowDefinition[] }): Promise<void>;

  /** Stored definitions, by name. */
  workflowList(): Promise<WorkflowRecord[]>;

  workflowGet(params: { readonly name: string }): Promise<WorkflowRecord | null>;

  /**
   * Starts a run of `definition` (stored first when `register` is true, in the same
   * transaction) with `input`: the run (a snapshot of the definition), every step, and the jobs
   * of the steps that are due at once, in one transaction (`tx`: the caller's, on engines with
   * `transactionalEnqueue`). With `uniqueKey`, a run with that key that already exists is
   * returned instead (`created: false`), whatever its state.
   */
  workflowStart(params: {
    readonly definition: WorkflowDefinition;
    readonly input: Json;
    readonly register?: boolean;
    readonly traceId?: string | null;
    readonly uniqueKey?: string | null;
    readonly tx?: CallerTransaction;
    /** The run whose durable function spawned this one: woken when this one ends. */
    readonly parentRunId?: string | null;
  }): Promise<{ runId: string; created: boolean }>;

  /** A run with its steps (each with its job's live state), or null. */
  workflowRunGet(params: { readonly id: string }): Promise<RunRecord | null>;

  /**
   * Runs, newest first (by id), with `total` matching the filter; `before` keeps ids below
   * it (cursor paging); `limit` 1 to 1000. A malformed filter is a ValidationError naming it.
   */
  workflowRunList(params: { readonly filter?: RunFilter; readonly limit: number; readonly before?: string }): Promise<{ runs: RunSummary[]; total: number }>;

  /**
   * Cancels a running run: waiting and active steps end `cancelled`, their pending jobs too,
   * their running jobs get `cancelRequested` (their workers abort them, on any node). An
   * ended run is unchanged. Returns the run's state after the call, or null: no such run.
   */
  workflowRunCancel(params: { readonly id: string }): Promise<RunState | null>;

  /**
   * Runs a failed or cancelled run again: its failed and cancelled steps, and those skipped
   * because of a parent, go back (their jobs to `pending`, a map step's unsucceeded jobs
   * only; steps without a job to `waiting`); succeeded steps and those skipped by their own
   * condition keep their outcome. `retried: false` for a running or succeeded run. A
   * ConflictError while any of its jobs is still running (a cancellation not yet noticed):
   * try again once they stopped. A durable function's failed checkpoints are removed, so its
   * replay runs those steps again; succeeded ones stay. Null: no such run.
   */
  workflowRunRetry(params: { readonly id: string }): Promise<{ retried: boolean; state: RunState } | null>;

  /**
   * What a step's job reads before its handler runs: the run's workflow name and input, and
   * the outcome of each of the step's parents. Null: no such run or step.
   */
  workflowStepInputs(params: { readonly runId: string; readonly step: string }): Promise<StepInputs | null>;

  /** A run's checkpoints by `seq`, ascending (empty: none, or no such run). */
  checkpointList(params: { readonly runId: string }): Promise<Checkpoint[]>;

  /**
   * Writes (inserts or replaces, by `seq`) a checkpoint of `runId`, only while `jobId` is the
   * run's `main` job and is running attempt `attempt` under `workerId` (fenced like a finish):
   * false when it is not (a zombie's late write changes nothing). `startedAt` is kept from the
   * first write; `finishedAt` is set when the state becomes succeeded or failed. A result or
   * error over `maxResultBytes` of JSON, or a `seq` at or over `maxSteps`, is a ValidationError
   * naming `checkpoint.result` / `checkpoint.seq` and the limit.
   */
  checkpointWrite(params: {
    readonly runId: string;
    readonly jobId: string;
    readonly attempt: number;
    readonly workerId: string;
    readonly checkpoint: CheckpointWrite;
    readonly maxSteps: number;
    readonly maxResultBytes: number;
  }): Promise<boolean>;

  /**
   * Emits an event: stored unless an unexpired event with the key exists (the first emit wins;
   * `stored: false`), kept `keepMs`; then every run with a `waiting` event checkpoint on the key
   * has its `main` job, when pending, due now (`woken`: how many). Expired events are removed
   * by `jobPrune`.
   */
  eventEmit(params: { readonly key: string; readonly payload: Json; readonly keepMs: number }): Promise<{ stored: boolean; woken: number }>;

  /** The unexpired event of `key`, or null. */
  eventGet(params: { readonly key: string }): Promise<EmittedEvent | null>;
}
