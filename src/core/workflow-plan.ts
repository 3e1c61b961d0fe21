/**
 * The decisions of a workflow run, as pure functions over its steps: which steps become due,
 * which are skipped or cancelled, whether the run ends and with what. Both engines call these
 * inside the transaction that changed a step (the finish of its job, a cancellation, a start,
 * a retry) and write the plan they return; nothing here reads or writes a store.
 */
import type { ErrorInfo, Json } from './types.js';
import type { EdgePolicy, RunState, SkipCause, StepDefinition, StepEndState, StepRow, WorkflowDefinition } from './workflow-types.js';

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
  /** true: `finished_at` = the store's clock (the step ended); false: cleared (a retry); absent: unchanged. */
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

const ENDED: ReadonlySet<StepRow['state']> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/** Whether a step has ended (its dependants may decide). */
export function stepEnded(state: StepRow['state']): boolean {
  return ENDED.has(state);
}

/**
 * The first rows of a run: every step `waiting`, in definition order, then the roots (no
 * parents) released: `active`, each with its job (payload: the run input).
 */
export function planStart(p: { definition: WorkflowDefinition; input: Json }): { rows: StepRow[]; jobs: PlannedJob[] } {
  const rows = p.definition.steps.map((step) => waitingRow(step.name));
  const draft = newDraft(p.definition, p.input, rows, 'running');
  release(draft);
  return { rows: draft.order.map((name) => draft.rows.get(name)!), jobs: draft.jobs };
}

/**
 * Applies the ends of steps to a run: records each end; while the run is `running`, a failed
 * or cancelled step that a leaf or a `fail` edge makes fatal fails the run, the steps whose
 * parents have all ended are released or skipped (until nothing changes), and the run
 * succeeds once every step has ended. An end of a run that is not running is only recorded
 * (the job's real outcome wins over the `cancelled` its step was given).
 */
export function planRun(p: {
  definition: WorkflowDefinition;
  input: Json;
  runState: RunState;
  steps: readonly StepRow[];
  ends: readonly StepEnd[];
}): RunPlan {
  const draft = newDraft(p.definition, p.input, p.steps, p.runState);
  const live = new Set<string>();
  for (const end of p.ends) if (recordEnd(draft, end)) live.add(end.step);
  if (p.runState !== 'running') return toPlan(draft);
  const fatal = draft.order.find((name) => live.has(name) && isFatal(draft, name));
  if (fatal !== undefined) failRun(draft, fatal);
  release(draft);
  return toPlan(draft);
}

/** Cancels a run: its waiting and active steps end `cancelled` (the active ones' jobs too). */
export function planCancel(p: { steps: readonly StepRow[] }): RunPlan {
  const draft = newDraft(null, null, p.steps, 'running');
  cancelOpenSteps(draft, 'run cancelled');
  draft.run = { state: 'cancelled', output: null, error: { name: 'Cancelled', message: 'run cancelled' } };
  return toPlan(draft);
}

/**
 * Runs a run again: its failed and cancelled steps, and those skipped because of a parent, go
 * back: with a job (a map step: once expanded) to `active`, their failed and cancelled jobs
 * to `pending`; without one to `waiting`. Succeeded steps and steps skipped by their own
 * condition keep their outcome. Then the steps whose parents have all ended are released.
 */
export function planRetry(p: { definition: WorkflowDefinition; input: Json; steps: readonly StepRow[] }): RunPlan {
  const draft = newDraft(p.definition, p.input, p.steps, 'running');
  draft.run = { state: 'running', output: null, error: null };
  for (const name of draft.order) {
    const row = rowOf(draft, name);
    const again = row.state === 'failed' || row.state === 'cancelled' || (row.state === 'skipped' && row.skip === 'parent');
    if (!again) continue;
    const hasJobs = row.jobId !== null || row.mapTotal !== null;
    change(draft, name, { state: hasJobs ? 'active' : 'waiting', result: null, error: null, reason: null, skip: null, finished: false });
    if (hasJobs) draft.retryJobsOf.push(name);
  }
  release(draft);
  return toPlan(draft);
}

/** The end of a map step whose element's job failed or was cancelled (the step fails). */
export function mapElementFailure(p: { step: string; index: number; jobId: string; state: 'failed' | 'cancelled'; error: ErrorInfo | null }): StepEnd {
  const what = p.state === 'cancelled' ? 'was cancelled' : `failed: ${p.error?.message ?? 'no error message'}`;
  return { step: p.step, state: 'failed', result: null, error: { name: 'MapElementFailed', message: `element ${p.index} (job ${p.jobId}) ${what}` }, reason: null, skip: null };
}

/** The planner's working copy of a run: its rows as they become, and the plan being built. */
interface Draft {
  definition: WorkflowDefinition | null;
  input: Json;
  /** Step names in definition order (the rows' order without a definition). */
  order: string[];
  rows: Map<string, StepRow>;
  /** Each step's dependants and the policy of the edge to it. */
  children: Map<string, { step: string; policy: EdgePolicy }[]>;
  runState: RunState;
  changes: Map<string, StepChange>;
  jobs: PlannedJob[];
  cancelJobsOf: string[];
  retryJobsOf: string[];
  run: RunPlan['run'];
}

function newDraft(definition: WorkflowDefinition | null, input: Json, steps: readonly StepRow[], runState: RunState): Draft {
  const rows = new Map(steps.map((row) => [row.step, { ...row }]));
  const order = definition ? definition.steps.map((s) => s.name) : steps.map((row) => row.step);
  const children = new Map<string, { step: string; policy: EdgePolicy }[]>(order.map((name) => [name, []]));
  for (const step of definition?.steps ?? []) {
    for (const edge of step.dependsOn) children.get(edge.step)?.push({ step: step.name, policy: edge.policy });
  }
  return { definition, input, order, rows, children, runState, changes: new Map(), jobs: [], cancelJobsOf: [], retryJobsOf: [], run: null };
}

function waitingRow(step: string): StepRow {
  return { step, state: 'waiting', jobId: null, mapTotal: null, mapDone: 0, result: null, error: null, reason: null, skip: null, finishedAt: null };
}

function rowOf(draft: Draft, step: string): StepRow {
  const row = draft.rows.get(step);
  if (!row) throw new Error(`workflow run has no row for step ${step}`);
  return row;
}

/** Sets fields of a step, in the working rows and in the change to write (one per step). */
function change(draft: Draft, step: string, fields: Omit<StepChange, 'step'>): void {
  const row = rowOf(draft, step);
  const { finished: _finished, ...rowFields } = fields;
  Object.assign(row, rowFields);
  if (fields.mapTotal !== undefined) row.mapDone = 0;
  draft.changes.set(step, { ...draft.changes.get(step), step, ...fields });
}

/** Records an end; true when the step had not ended before (an end the run must act on). */
function recordEnd(draft: Draft, end: StepEnd): boolean {
  const row = rowOf(draft, end.step);
  const live = !stepEnded(row.state);
  // A step cancelled with its run (or by its run's failure) whose job then stopped as asked
  // keeps the reason it was cancelled for: the job's own end says less.
  const reason = !live && row.state === 'cancelled' && end.state === 'cancelled' ? row.reason : (end.reason ?? null);
  change(draft, end.step, {
    state: end.state, result: end.result ?? null, error: end.error ?? null, reason, skip: end.skip ?? null, finished: true,
  });
  const map = draft.definition?.steps.find((s) => s.name === end.step)?.map ?? null;
  if (live && draft.runState === 'running' && map !== null && end.state === 'failed') draft.cancelJobsOf.push(end.step);
  return live;
}

/** A failed or cancelled step fails its run when it is a leaf or a dependant holds it with `fail`. */
function isFatal(draft: Draft, step: string): boolean {
  const state = rowOf(draft, step).state;
  if (state !== 'failed' && state !== 'cancelled') return false;
  const children = draft.children.get(step) ?? [];
  return children.length === 0 || children.some((c) => c.policy === 'fail');
}

function isOpen(draft: Draft): boolean {
  return draft.runState === 'running' && (draft.run === null || draft.run.state === 'running');
}

/** Fails the run because of `cause`: every step not yet ended is cancelled, with its jobs. */
function failRun(draft: Draft, cause: string): void {
  const row = rowOf(draft, cause);
  const what = row.state === 'cancelled' ? `step ${cause} was cancelled` : `step ${cause} failed`;
  const message = row.state === 'cancelled' ? what : `${what}: ${row.error?.message ?? 'no error message'}`;
  cancelOpenSteps(draft, `run failed: ${what}`);
  draft.run = { state: 'failed', output: null, error: { name: 'StepFailed', message } };
}

function cancelOpenSteps(draft: Draft, reason: string): void {
  for (const name of draft.order) {
    const state = rowOf(draft, name).state;
    if (state !== 'waiting' && state !== 'active') continue;
    change(draft, name, { state: 'cancelled', reason, finished: true });
    if (state === 'active' && !draft.cancelJobsOf.includes(name)) draft.cancelJobsOf.push(name);
  }
}

/**
 * Releases or skips every waiting step whose parents have all ended, again and again (a skip
 * may make its dependants ready), then ends the run when every step has ended.
 */
function release(draft: Draft): void {
  const definition = draft.definition;
  if (!definition) return;
  for (let progressed = true; progressed && isOpen(draft);) {
    progressed = false;
    for (const step of definition.steps) {
      if (!isOpen(draft)) return;
      if (rowOf(draft, step.name).state !== 'waiting') continue;
      if (!step.dependsOn.every((edge) => stepEnded(rowOf(draft, edge.step).state))) continue;
      decide(draft, step);
      progressed = true;
    }
  }
  if (isOpen(draft) && draft.order.every((name) => stepEnded(rowOf(draft, name).state))) {
    draft.run = { state: 'succeeded', output: runOutput(draft, definition), error: null };
  }
}

/** A ready step: the run fails, the step is skipped, or it becomes active with its jobs. */
function decide(draft: Draft, step: StepDefinition): void {
  let skipReason: string | null = null;
  for (const edge of step.dependsOn) {
    const parent = rowOf(draft, edge.step);
    if (parent.state === 'succeeded' || edge.policy === 'continue') continue;
    if (edge.policy === 'fail' && parent.state !== 'skipped') return failRun(draft, edge.step);
    skipReason ??= `parent ${edge.step} ${outcomeWords(parent.state)}`;
  }
  if (skipReason === null && step.map !== null && rowOf(draft, step.map).state !== 'succeeded') {
    skipReason = `nothing to map: parent ${step.map} ${outcomeWords(rowOf(draft, step.map).state)}`;
  }
  if (skipReason !== null) return change(draft, step.name, { state: 'skipped', skip: 'parent', reason: skipReason, finished: true });
  if (step.map !== null) return releaseMap(draft, step.name, step.map);
  change(draft, step.name, { state: 'active' });
  draft.jobs.push({ step: step.name, mapIndex: null, payload: draft.input });
}

/** A map step: one job per element of its source's array result (an empty array: done at once). */
function releaseMap(draft: Draft, step: string, source: string): void {
  const elements = rowOf(draft, source).result;
  if (!Array.isArray(elements)) {
    const message = `map step ${step}: parent ${source} returned ${kindOf(elements)}, expected an array`;
    change(draft, step, { state: 'failed', error: { name: 'MapSourceNotArray', message }, finished: true });
    if (isFatal(draft, step)) failRun(draft, step);
    return;
  }
  if (elements.length === 0) return change(draft, step, { state: 'succeeded', result: [], mapTotal: 0, finished: true });
  change(draft, step, { state: 'active', mapTotal: elements.length });
  elements.forEach((element, index) => draft.jobs.push({ step, mapIndex: index, payload: element }));
}

function outcomeWords(state: StepRow['state']): string {
  return state === 'failed' ? 'failed' : state === 'cancelled' ? 'was cancelled' : state === 'skipped' ? 'was skipped' : `is ${state}`;
}

function kindOf(value: Json | null): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The output step's result, or `{ leaf: result }` of the leaves that succeeded. */
function runOutput(draft: Draft, definition: WorkflowDefinition): Json {
  if (definition.output !== null) {
    const row = rowOf(draft, definition.output);
    return row.state === 'succeeded' ? row.result : null;
  }
  const output: { [step: string]: Json } = {};
  for (const name of draft.order) {
    const row = rowOf(draft, name);
    if ((draft.children.get(name) ?? []).length === 0 && row.state === 'succeeded') output[name] = row.result;
  }
  return output;
}

function toPlan(draft: Draft): RunPlan {
  const steps = draft.order.flatMap((name) => draft.changes.get(name) ?? []);
  return { steps, jobs: draft.jobs, cancelJobsOf: draft.cancelJobsOf, retryJobsOf: draft.retryJobsOf, run: draft.run };
}
