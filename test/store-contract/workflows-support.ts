/**
 * Helpers of the workflow contract cases: definitions built from short step lists, and a
 * test standing in for the workers that run the steps (claim a step's job, end it as told,
 * with the run id as a worker passes it). Each step runs on a queue of its own, `wf-<step>`,
 * so claiming a queue claims that step's job and nothing else.
 */
import { expect } from 'vitest';
import type { ErrorInfo, JobFinish, JobRecord, Json } from '../../src/core/types.js';
import type { EdgePolicy, RunRecord, RunStep, StepDefinition, WorkflowDefinition } from '../../src/core/workflow-types.js';
import type { Store } from '../../src/store/contract.js';
import { LONG_LEASE_MS, finishOf } from './support.js';

export const boom: ErrorInfo = { message: 'boom', name: 'Error' };

/** The queue a step's jobs run on. */
export const queueOf = (step: string): string => `wf-${step}`;

/** A step with every setting resolved: task `wf.<name>`, queue `wf-<name>`, one attempt, no parents. */
export function stepDef(name: string, overrides: Partial<StepDefinition> = {}): StepDefinition {
  return {
    name,
    task: `wf.${name}`,
    queue: queueOf(name),
    priority: 0,
    maxAttempts: 1,
    timeoutMs: null,
    backoffBaseMs: null,
    backoffCapMs: null,
    dependsOn: [],
    map: null,
    condition: null,
    ...overrides,
  };
}

/** Edges to these parents, all with one policy. */
export function after(policy: EdgePolicy, ...parents: string[]): StepDefinition['dependsOn'] {
  return parents.map((step) => ({ step, policy }));
}

export function definition(name: string, steps: StepDefinition[], output: string | null = null): WorkflowDefinition {
  return { name, description: null, steps, output };
}

/** a → b, a → c, b + c → d; the edge b → d has `policy` (c → d is always `fail`). */
export function diamond(policy: EdgePolicy = 'fail', name = 'diamond'): WorkflowDefinition {
  return definition(name, [
    stepDef('a'),
    stepDef('b', { dependsOn: after('fail', 'a') }),
    stepDef('c', { dependsOn: after('fail', 'a') }),
    stepDef('d', { dependsOn: [...after(policy, 'b'), ...after('fail', 'c')] }),
  ]);
}

/** src → m (one job per element of src's result) → sink. */
export function mapOver(name = 'fan'): WorkflowDefinition {
  return definition(name, [stepDef('src'), stepDef('m', { dependsOn: after('fail', 'src'), map: 'src' }), stepDef('sink', { dependsOn: after('fail', 'm') })]);
}

/** Claims the next job of `step` (failing the test when there is none). */
export async function claimStep(store: Store, step: string, workerId = 'worker-1', leaseMs = LONG_LEASE_MS): Promise<JobRecord> {
  const claimed = await store.jobClaim({ workerId, queues: [queueOf(step)], limit: 1, leaseMs });
  expect(claimed.map((j) => j.workflow?.step), `the jobs claimed from ${queueOf(step)}`).toEqual([step]);
  return claimed[0]!;
}

/** A worker's finish of a run's job: with its run id, as claimed. */
export function stepFinish(running: JobRecord, overrides: Partial<JobFinish> = {}): JobFinish {
  return finishOf(running, { runId: running.workflow?.runId ?? null, ...overrides });
}

/** Ends a claimed job of a run as told; asserts the store applied it. */
export async function endStep(store: Store, running: JobRecord, overrides: Partial<JobFinish> = {}): Promise<void> {
  const { applied } = await store.jobFinishMany({ finishes: [stepFinish(running, overrides)] });
  expect(applied, `finish of job ${running.id} (step ${running.workflow?.step})`).toEqual([running.id]);
}

/** The finish of an attempt that failed for good. */
export const failed = (error: ErrorInfo = boom): Partial<JobFinish> => ({ state: 'failed', outcome: 'failed', error });

/** Claims `step`'s job and ends it succeeded with `result`; returns the job as claimed. */
export async function succeedStep(store: Store, step: string, result: Json = `${step}-done`): Promise<JobRecord> {
  const running = await claimStep(store, step);
  await endStep(store, running, { result });
  return running;
}

/** Every job of `step` (all runs), oldest first. */
export async function jobsOfStep(store: Store, step: string): Promise<JobRecord[]> {
  const { jobs } = await store.jobList({ filter: { queue: queueOf(step) }, page: { limit: 1000 } });
  return jobs.reverse();
}

export async function mustGetRun(store: Store, id: string): Promise<RunRecord> {
  const run = await store.workflowRunGet({ id });
  if (!run) throw new Error(`workflow run ${id} does not exist`);
  return run;
}

export function stepOf(run: RunRecord, name: string): RunStep {
  const found = run.steps.find((s) => s.step === name);
  if (!found) throw new Error(`run ${run.id} has no step ${name}`);
  return found;
}

/** Each step's state, by name: the shape most cases assert on. */
export function stepStates(run: RunRecord): Record<string, string> {
  return Object.fromEntries(run.steps.map((s) => [s.step, s.state]));
}

/** A fixed permutation of 0..n-1 (a seeded shuffle: the same order on every run and engine). */
export function shuffled(n: number, seed = 7): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let state = seed;
  for (let i = n - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
