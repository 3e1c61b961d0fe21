/**
 * Contract area: workflows, map steps (fan-out and fan-in). A map step gets one job per
 * element of its source's array result, each numbered by `mapIndex`; it succeeds once all
 * of them did, with their results in element order, and its dependant is released once.
 * A source that is no array fails the step; an element that fails for good fails it too and
 * cancels the elements still to run.
 */
import { expect, it } from 'vitest';
import type { JobRecord } from '../../src/core/types.js';
import { type ContractContext, mustGet } from './support.js';
import { claimStep, endStep, failed, jobsOfStep, mapOver, mustGetRun, queueOf, shuffled, stepFinish, stepOf, stepStates, succeedStep } from './workflows-support.js';

const ELEMENTS = 1000;
const CLAIM_BATCH = 200;
const FINISH_BATCH = 100;

/** Claims every due job of the map step `m`, in batches. */
async function claimAllElements(ctx: ContractContext): Promise<JobRecord[]> {
  const all: JobRecord[] = [];
  for (;;) {
    const batch = await ctx.store.jobClaim({ workerId: 'worker-1', queues: [queueOf('m')], limit: CLAIM_BATCH, leaseMs: 60_000 });
    all.push(...batch);
    if (batch.length < CLAIM_BATCH) return all;
  }
}

export function workflowsMapCases(ctx: ContractContext): void {
  it(`fans out over ${ELEMENTS} elements and in again: ordered results, the dependant released once`, async () => {
    const { runId } = await ctx.store.workflowStart({ definition: mapOver(), input: null });
    const elements = Array.from({ length: ELEMENTS }, (_, i) => ({ file: `f${i}` }));
    await succeedStep(ctx.store, 'src', elements);

    const jobs = await jobsOfStep(ctx.store, 'm');
    expect(jobs).toHaveLength(ELEMENTS);
    expect(jobs.map((j) => j.workflow)).toEqual(elements.map((_, i) => ({ runId, step: 'm', mapIndex: i })));
    expect(jobs.map((j) => j.payload)).toEqual(elements);
    expect(stepOf(await mustGetRun(ctx.store, runId), 'm')).toMatchObject({ state: 'active', mapTotal: ELEMENTS, mapDone: 0, jobId: null });

    const claimed = await claimAllElements(ctx);
    expect(claimed).toHaveLength(ELEMENTS);
    const byIndex = new Map(claimed.map((j) => [j.workflow!.mapIndex!, j]));
    const order = shuffled(ELEMENTS);
    for (let i = 0; i < order.length; i += FINISH_BATCH) {
      const finishes = order.slice(i, i + FINISH_BATCH).map((index) => stepFinish(byIndex.get(index)!, { result: index * 2 }));
      const { applied } = await ctx.store.jobFinishMany({ finishes });
      expect(applied).toHaveLength(finishes.length);
      if (i + FINISH_BATCH < order.length) expect(await jobsOfStep(ctx.store, 'sink'), `sink released after ${i + FINISH_BATCH} elements`).toEqual([]);
    }

    const run = await mustGetRun(ctx.store, runId);
    const expected = Array.from({ length: ELEMENTS }, (_, i) => i * 2);
    expect(stepOf(run, 'm')).toMatchObject({ state: 'succeeded', mapTotal: ELEMENTS, mapDone: ELEMENTS, result: expected, mapJobs: { succeeded: ELEMENTS } });
    expect(await jobsOfStep(ctx.store, 'sink')).toHaveLength(1);
    expect((await ctx.store.workflowStepInputs({ runId, step: 'sink' }))?.parents.m).toEqual({ state: 'succeeded', result: expected, error: null, reason: null });
    await succeedStep(ctx.store, 'sink', 'merged');
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'succeeded', output: { sink: 'merged' } });
  });

  it('fails the map step, naming the problem, when its source’s result is no array', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: mapOver(), input: null });
    await succeedStep(ctx.store, 'src', { not: 'an array' });
    const run = await mustGetRun(ctx.store, runId);
    expect(stepStates(run)).toEqual({ src: 'succeeded', m: 'failed', sink: 'cancelled' });
    expect(stepOf(run, 'm').error?.message).toMatch(/array/);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toContain('step m');
    expect(await jobsOfStep(ctx.store, 'm')).toEqual([]);
  });

  it('fails the map step when one element fails for good, cancelling the elements still to run', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: mapOver(), input: null });
    await succeedStep(ctx.store, 'src', [10, 20, 30, 40, 50]);
    const [first, second] = await ctx.store.jobClaim({ workerId: 'worker-1', queues: [queueOf('m')], limit: 2, leaseMs: 60_000 });
    await endStep(ctx.store, first!, { result: 'ok' });
    await endStep(ctx.store, await claimStep(ctx.store, 'm'), failed());

    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('failed');
    expect(stepStates(run)).toEqual({ src: 'succeeded', m: 'failed', sink: 'cancelled' });
    expect(stepOf(run, 'm').error?.message).toContain('boom');
    const states = (await jobsOfStep(ctx.store, 'm')).map((j) => [j.workflow!.mapIndex, j.state, j.cancelRequested]);
    expect(states).toEqual([
      [0, 'succeeded', false],
      [1, 'running', true],
      [2, 'failed', false],
      [3, 'cancelled', false],
      [4, 'cancelled', false],
    ]);
    // The element still running ends late: recorded, and the run stays failed.
    await endStep(ctx.store, second!, { result: 'late' });
    expect((await mustGet(ctx.store, second!.id)).state).toBe('succeeded');
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'failed' });
    expect(await jobsOfStep(ctx.store, 'sink')).toEqual([]);

    // A retry runs the elements that did not succeed; the succeeded ones keep their results.
    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: true, state: 'running' });
    expect(stepOf(await mustGetRun(ctx.store, runId), 'm')).toMatchObject({ state: 'active', mapTotal: 5, mapDone: 2, error: null });
    expect((await jobsOfStep(ctx.store, 'm')).map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'pending', 'pending', 'pending']);
    const rest = await ctx.store.jobClaim({ workerId: 'worker-1', queues: [queueOf('m')], limit: 10, leaseMs: 60_000 });
    expect(rest.map((j) => j.workflow!.mapIndex)).toEqual([2, 3, 4]);
    await ctx.store.jobFinishMany({ finishes: rest.map((j) => stepFinish(j, { result: `again ${j.workflow!.mapIndex}` })) });
    const retried = await mustGetRun(ctx.store, runId);
    expect(stepOf(retried, 'm')).toMatchObject({ state: 'succeeded', mapDone: 5, result: ['ok', 'late', 'again 2', 'again 3', 'again 4'] });
    expect(await jobsOfStep(ctx.store, 'sink')).toHaveLength(1);
  });

  it('succeeds a map step over an empty array at once and releases its dependant', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: mapOver(), input: null });
    await succeedStep(ctx.store, 'src', []);
    const run = await mustGetRun(ctx.store, runId);
    expect(stepOf(run, 'm')).toMatchObject({ state: 'succeeded', result: [], mapTotal: 0 });
    expect(await jobsOfStep(ctx.store, 'm')).toEqual([]);
    expect(await jobsOfStep(ctx.store, 'sink')).toHaveLength(1);
  });

  it('ends a map step at once on retry when its last elements succeeded after the run was cancelled', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: mapOver(), input: null });
    await succeedStep(ctx.store, 'src', [1, 2]);
    const elements = await ctx.store.jobClaim({ workerId: 'worker-1', queues: [queueOf('m')], limit: 2, leaseMs: 60_000 });
    expect(await ctx.store.workflowRunCancel({ id: runId })).toBe('cancelled');
    // Both elements finish anyway (the cancellation came too late for them).
    await ctx.store.jobFinishMany({ finishes: elements.map((j) => stepFinish(j, { result: j.workflow!.mapIndex })) });
    expect(stepOf(await mustGetRun(ctx.store, runId), 'm').state).toBe('cancelled');

    // Nothing of the map is left to run: the retry ends it with both results and releases the sink.
    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: true, state: 'running' });
    const run = await mustGetRun(ctx.store, runId);
    expect(stepOf(run, 'm')).toMatchObject({ state: 'succeeded', result: [0, 1] });
    expect(await jobsOfStep(ctx.store, 'sink')).toHaveLength(1);
    await succeedStep(ctx.store, 'sink');
    expect((await mustGetRun(ctx.store, runId)).state).toBe('succeeded');
  });
}
