/**
 * Helpers of the durable function contract cases: a function's definition (one step, `main`,
 * as `defineWorkflow` stores it), a test standing in for the worker that runs the function
 * (claim its `main` job, write checkpoints fenced by that claim, release the job while the
 * function waits), and checkpoint builders. Each function runs on a queue of its own, so
 * claiming a queue claims that function's job and nothing else.
 */
import { expect } from 'vitest';
import type { JobRecord } from '../../src/core/types.js';
import type { CheckpointWrite, WorkflowDefinition } from '../../src/core/workflow-types.js';
import type { Store } from '../../src/store/contract.js';
import { LONG_LEASE_MS, job, waitUntil } from './support.js';
import { stepDef, stepFinish } from './workflows-support.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The limits `defineWorkflow` passes by default. */
export const LIMITS = { maxSteps: 1000, maxResultBytes: 1_048_576 } as const;

/** A durable function `name` whose `main` job runs task `task` on `queue`. */
export function functionDef(name = 'fn', queue = 'q', task = name): WorkflowDefinition {
  return {
    name,
    kind: 'function',
    description: null,
    steps: [stepDef('main', { task, queue, maxAttempts: 3 })],
    output: 'main',
  };
}

/** A step's checkpoint at `seq`, succeeded with no result; override what the case needs. */
export function checkpoint(seq: number, overrides: Partial<CheckpointWrite> = {}): CheckpointWrite {
  return {
    seq,
    name: `step-${seq}`,
    kind: 'step',
    state: 'succeeded',
    result: null,
    error: null,
    attempts: 1,
    waitUntil: null,
    eventKey: null,
    childRunId: null,
    ...overrides,
  };
}

/** A `waiting` checkpoint on event `key`, timing out in an hour of the store's clock `now`. */
export function eventWait(seq: number, key: string, now: Date): CheckpointWrite {
  return checkpoint(seq, { name: key, kind: 'event', state: 'waiting', attempts: 0, eventKey: key, waitUntil: new Date(now.getTime() + HOUR) });
}

/** Claims the `main` job waiting on `queue` (failing the test when there is none, or another). */
export async function claimMain(store: Store, queue = 'q', workerId = 'worker-1', leaseMs = LONG_LEASE_MS): Promise<JobRecord> {
  const claimed = await store.jobClaim({ workerId, queues: [queue], limit: 10, leaseMs });
  expect(claimed.map((j) => j.workflow?.step), `the jobs claimed from ${queue}`).toEqual(['main']);
  return claimed[0]!;
}

/** The jobs claimable on `queue` now, claimed (an empty list: none is due). */
export async function claimAll(store: Store, queue: string, workerId = 'worker-1'): Promise<JobRecord[]> {
  return store.jobClaim({ workerId, queues: [queue], limit: 10, leaseMs: LONG_LEASE_MS });
}

/** Writes a checkpoint as the worker holding `running` does. */
export function writeAs(store: Store, running: JobRecord, cp: CheckpointWrite, limits: { maxSteps: number; maxResultBytes: number } = LIMITS): Promise<boolean> {
  return store.checkpointWrite({
    runId: running.workflow!.runId,
    jobId: running.id,
    attempt: running.attempt,
    workerId: running.lockedBy ?? 'worker-1',
    checkpoint: cp,
    ...limits,
  });
}

/** Suspends the function: its job goes back to pending, due in `delayMs`, no attempt used. */
export async function release(store: Store, running: JobRecord, delayMs = DAY): Promise<void> {
  const { applied } = await store.jobFinishMany({ finishes: [stepFinish(running, { state: 'pending', outcome: 'released', retryDelayMs: delayMs })] });
  expect(applied, `release of job ${running.id}`).toEqual([running.id]);
}

/** Subscribes to queue signals and returns once a signal raised by an insert reached it (LISTEN may take a moment). */
export async function listenReady(store: Store): Promise<{ heard: string[]; unsubscribe: () => void }> {
  const warmUp = 'durable-warm-up';
  const heard: string[] = [];
  const unsubscribe = store.onJobsAvailable((queue) => heard.push(queue));
  for (let tries = 0; !heard.includes(warmUp); tries++) {
    if (tries === 10) throw new Error('no signal reached the subscriber within 10 warm-up inserts');
    await store.jobInsertMany({ jobs: [job({ queue: warmUp })] });
    await waitUntil(() => heard.includes(warmUp), 500).catch(() => undefined);
  }
  return { heard, unsubscribe };
}
