/**
 * The workflow shapes as the dashboard receives them: the wire side (`z.input`) of the
 * workflow routes' schemas, imported as types only (the bundle carries no zod), so a change
 * to the API breaks the dashboard's type check instead of its pages.
 */
import type { z } from 'zod';
import type * as flow from '../../../src/api/wire-workflows.js';

export type RunRecord = z.input<typeof flow.runRecord>;
export type RunStep = z.input<typeof flow.runStep>;
/** A durable function's checkpoint. */
export type Checkpoint = z.input<typeof flow.checkpoint>;
export type RunSummary = z.input<typeof flow.runSummary>;
export type RunPage = z.input<typeof flow.runPage>;
export type RunState = RunRecord['state'];
export type StepState = RunStep['state'];
export type EdgePolicy = RunStep['dependsOn'][number]['policy'];
export type WorkflowRecord = z.input<typeof flow.workflowRecord>;
export type RunCancelled = z.input<typeof flow.runCancelled>;
export type RunRetried = z.input<typeof flow.runRetried>;

/** Every run state, in the order a run goes through them. */
export const RUN_STATES: readonly RunState[] = ['running', 'succeeded', 'failed', 'cancelled'];

/** Every step state, in the order a step goes through them. */
export const STEP_STATES: readonly StepState[] = ['waiting', 'active', 'succeeded', 'failed', 'skipped', 'cancelled'];

/** The run's page, with a step selected when given. */
export function runPath(runId: string, step?: string): string {
  const base = `/workflows/runs/${encodeURIComponent(runId)}`;
  return step ? `${base}?step=${encodeURIComponent(step)}` : base;
}
