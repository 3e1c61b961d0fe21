/**
 * The decisions of a workflow run, as pure functions over its steps: which steps become due,
 * which are skipped or cancelled, whether the run ends and with what. Both engines call these
 * inside the transaction that changed a step (the finish of its job, a cancellation, a start,
 * a retry) and write the plan they return; nothing here reads or writes a store.
 */
import type { ErrorInfo, Json } from './types.js';
import type { RunState, SkipCause, StepEndState, StepRow, WorkflowDefinition } from './workflow-types.js';

/** How a step ended, as the engine tells the planner (a map step's end is its engine's count). */
export interface StepEnd {
  step: string;
  state: StepEndState;
  result?: Json | null;
  error?: ErrorInfo | null;
  reason?: string | null;
  skip?: SkipCause | null;
}

/** A step row to write: its new state and the fields that changed with it. */
export interface StepChange {
  step: string;
  state: StepRow['state'];
  result?: Json | null;
  error?: ErrorInfo | null;
  reason?: string | null;
  skip?: SkipCause | null;
  mapTotal?: number | null;
  /** Set as the store's clock when the step ends. */
  finished?: boolean;
}

/**
 * A job to insert for a step: its settings come from the step's definition, its trace id
 * from the run; due now. A step's job: `mapIndex` null (the engine sets the step's `job_id`).
 */
export interface PlannedJob {
  step: string;
  mapIndex: number | null;
  payload: Json;
}

export interface RunPlan {
  steps: StepChange[];
  jobs: PlannedJob[];
  /** Steps whose unended jobs are cancelled (pending: at once; running: `cancelRequested`). */
  cancelJobsOf: string[];
  /** Steps whose failed and cancelled jobs go back to `pending` (a retry of the run). */
  retryJobsOf: string[];
  /** The run's new state, when it changes. */
  run: { state: RunState; output: Json | null; error: ErrorInfo | null } | null;
}
