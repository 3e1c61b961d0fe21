/**
 * Plain data types of workflows: a definition (the shape a run is started with and keeps),
 * a run and its steps as the store holds them. A leaf next to types.ts: no I/O, no logic.
 *
 * A workflow is a graph of steps; each step is a registered task run as an ordinary Ordo
 * job (leases, fencing, retries, timeouts, cancellation and history included). A `map` step
 * runs one job per element of a parent's array result. The store decides which steps become
 * due in the same transaction that ends their last parent; the decision itself is
 * `planRun` (core/workflow-plan.ts), shared by both engines.
 */
import type { ErrorInfo, JobState, Json } from './types.js';

/**
 * What a dependant does when a parent did not succeed:
 * - `fail` (default): a failed or cancelled parent fails the run (pending steps are
 *   cancelled); a skipped parent skips the dependant (a false condition is no failure);
 * - `skip`: the dependant and its subtree are skipped;
 * - `continue`: the dependant runs and sees the parent's outcome.
 */
export type EdgePolicy = 'fail' | 'skip' | 'continue';
export const EDGE_POLICIES: readonly EdgePolicy[] = ['fail', 'skip', 'continue'];

export interface StepEdge {
  /** The parent step. */
  step: string;
  policy: EdgePolicy;
}

/** One step of a stored definition: every job setting resolved, like a `ScheduleJobTemplate`. */
export interface StepDefinition {
  name: string;
  task: string;
  queue: string;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  backoffBaseMs: number | null;
  backoffCapMs: number | null;
  /** Parents, in the order given; empty for a root step. */
  dependsOn: StepEdge[];
  /** A map step: one job per element of this parent's array result (a name in `dependsOn`). */
  map: string | null;
  /**
   * The step's condition, described (its text); null without one. The condition itself is
   * code: the worker evaluates it when the step's job starts, with the parents' outcomes,
   * and a false one ends the step `skipped` with this text as the reason.
   */
  condition: string | null;
}

/**
 * A workflow's shape as stored (and snapshotted into every run). Steps in declaration order.
 * A durable function (`kind: 'function'`, from `defineWorkflow`) is one step, `main`, whose
 * job runs the function; its progress is its run's checkpoints, not further steps.
 */
export interface WorkflowDefinition {
  name: string;
  /** Absent: a graph of steps (`workflow()`). */
  kind?: 'graph' | 'function';
  description: string | null;
  steps: StepDefinition[];
  /** The step whose result is the run's output; null: the results of the leaf steps. */
  output: string | null;
}

export interface WorkflowRecord {
  name: string;
  definition: WorkflowDefinition;
  updatedAt: Date;
}

/** The life of a run. `running` until every step has ended, or the run failed or was cancelled. */
export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';
export const RUN_STATES: readonly RunState[] = ['running', 'succeeded', 'failed', 'cancelled'];

/**
 * The life of a step: `waiting` for its parents; `active` while its job (a map step: its
 * jobs) exist and have not all ended; then `succeeded`, `failed`, `skipped` or `cancelled`.
 */
export type StepState = 'waiting' | 'active' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export const STEP_STATES: readonly StepState[] = ['waiting', 'active', 'succeeded', 'failed', 'skipped', 'cancelled'];
export type StepEndState = Extract<StepState, 'succeeded' | 'failed' | 'skipped' | 'cancelled'>;

/** Why a step was skipped: its own condition was false, or a parent's outcome and the edge's policy. */
export type SkipCause = 'condition' | 'parent';

/** A step as the store keeps it for its run (the row the planner reads and writes). */
export interface StepRow {
  step: string;
  state: StepState;
  /** The step's job (a map step has none of its own: its jobs carry `mapIndex`). */
  jobId: string | null;
  /** A map step once expanded: how many elements, and how many of their jobs succeeded. */
  mapTotal: number | null;
  mapDone: number;
  /** The step's result (a map step: the ordered array of its jobs' results). */
  result: Json | null;
  error: ErrorInfo | null;
  /** Why it was skipped or cancelled, in words. */
  reason: string | null;
  skip: SkipCause | null;
  finishedAt: Date | null;
}

/** A step of a run as read: its row, its definition's edges, and its job's live state. */
export interface RunStep extends StepRow {
  task: string;
  dependsOn: StepEdge[];
  map: string | null;
  condition: string | null;
  /** The step job's state and attempt now (null: no job, or a map step). */
  jobState: JobState | null;
  attempt: number | null;
  startedAt: Date | null;
  /** A map step's jobs by state now (null for other steps). */
  mapJobs: Partial<Record<JobState, number>> | null;
}

export interface RunRecord {
  id: string;
  workflow: string;
  state: RunState;
  input: Json;
  /** The output step's result, or `{ [leaf]: result }` of the leaves that succeeded; null until succeeded. */
  output: Json | null;
  /** Why the run failed (`message` names the step) or was cancelled. */
  error: ErrorInfo | null;
  /** The definition the run started with: its shape, whatever was deployed since. */
  definition: WorkflowDefinition;
  traceId: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** In definition order. */
  steps: RunStep[];
  /** The run that spawned this one (`ctx.spawn` of a durable function), or null. */
  parentRunId: string | null;
  /** A durable function's checkpoints, in the order the function reached them (empty for graphs). */
  checkpoints: Checkpoint[];
}

/** What a durable function's checkpoint records. */
export type CheckpointKind = 'step' | 'sleep' | 'event' | 'spawn';
export const CHECKPOINT_KINDS: readonly CheckpointKind[] = ['step', 'sleep', 'event', 'spawn'];

/**
 * `waiting`: a sleep, an event wait or a spawned child not yet done (the function is
 * suspended on it); `retrying`: a step that failed with attempts left; `succeeded` / `failed`:
 * done (a failed step's error is thrown into the function on every replay).
 */
export type CheckpointState = 'waiting' | 'retrying' | 'succeeded' | 'failed';
export const CHECKPOINT_STATES: readonly CheckpointState[] = ['waiting', 'retrying', 'succeeded', 'failed'];

/** One checkpoint of a durable function's run, by its place (`seq`, from 0) in the function. */
export interface Checkpoint {
  seq: number;
  /** The step's name; for waits: `sleep`, the event key, or the child's task or workflow name. */
  name: string;
  kind: CheckpointKind;
  state: CheckpointState;
  /** A step's result; an event's payload; a child run's output. */
  result: Json | null;
  error: ErrorInfo | null;
  /** A step's attempts so far. */
  attempts: number;
  /** The store's clock when the checkpoint was first written, and when it reached succeeded/failed. */
  startedAt: Date;
  finishedAt: Date | null;
  /** A sleep's end, or an event wait's timeout. */
  waitUntil: Date | null;
  eventKey: string | null;
  childRunId: string | null;
}

/** A checkpoint as the function's worker writes it; the engine keeps `startedAt` and sets `finishedAt`. */
export type CheckpointWrite = Omit<Checkpoint, 'startedAt' | 'finishedAt'>;

/** An event emitted with `ordo.emit(key, payload)`: the first emit of a key wins, kept until `expiresAt`. */
export interface EmittedEvent {
  key: string;
  payload: Json;
  emittedAt: Date;
  expiresAt: Date;
}

/** A run in a listing: no steps, but how many are in each state. */
export interface RunSummary {
  id: string;
  workflow: string;
  state: RunState;
  createdAt: Date;
  finishedAt: Date | null;
  error: ErrorInfo | null;
  steps: Partial<Record<StepState, number>>;
}

export interface RunFilter {
  workflow?: string;
  state?: RunState | readonly RunState[];
}

/** What a step's job sees of one parent. */
export interface ParentOutcome {
  state: StepEndState;
  result: Json | null;
  error: ErrorInfo | null;
  reason: string | null;
}

/** What a step's job reads before it runs: its run and its parents' outcomes. */
export interface StepInputs {
  workflow: string;
  runId: string;
  input: Json;
  parents: Record<string, ParentOutcome>;
  /** The step's condition in the run's snapshot (its text), or null: the step always runs. */
  condition: string | null;
}

/** The step a job belongs to (on `JobRecord.workflow`). */
export interface JobStep {
  runId: string;
  step: string;
  /** A map step's element index; null for other steps. */
  mapIndex: number | null;
}
