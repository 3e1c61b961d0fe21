/**
 * Contract area: workflows, what an operator does to a run: cancel it (pending jobs at once,
 * running ones asked to stop, a late finish recorded but releasing nothing), retry it
 * (failed steps again, succeeded ones keep their results; refused while a job still runs),
 * and what the job-level operations leave alone: a running run's jobs are not deleted,
 * retried on their own, cleaned away or pruned.
 */
import { expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { type ContractContext, mustGet } from './support.js';
import { after, claimStep, definition, diamond, endStep, failed, jobsOfStep, mustGetRun, stepDef, stepOf, stepStates, succeedStep } from './workflows-support.js';

const DAY = 86_400_000;

export function workflowsOperationsCases(ctx: ContractContext): void {
  it('cancels a run: pending jobs at once, running ones asked; a late finish releases nothing', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    await succeedStep(ctx.store, 'a');
    const b = await claimStep(ctx.store, 'b', 'worker-b');
    const [cJob] = await jobsOfStep(ctx.store, 'c');

    expect(await ctx.store.workflowRunCancel({ id: runId })).toBe('cancelled');
    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('cancelled');
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(stepStates(run)).toEqual({ a: 'succeeded', b: 'cancelled', c: 'cancelled', d: 'cancelled' });
    expect(await mustGet(ctx.store, cJob!.id)).toMatchObject({ state: 'cancelled' });
    expect(await mustGet(ctx.store, b.id)).toMatchObject({ state: 'running', cancelRequested: true });
    expect(await ctx.store.jobHeartbeat({ workerId: 'worker-b', jobs: [{ id: b.id, attempt: b.attempt }], leaseMs: 60_000 })).toEqual({ lost: [], cancelRequested: [b.id] });

    await endStep(ctx.store, b, { result: 'finished anyway' });
    expect(await mustGet(ctx.store, b.id)).toMatchObject({ state: 'succeeded', result: 'finished anyway' });
    const late = await mustGetRun(ctx.store, runId);
    expect(late).toMatchObject({ state: 'cancelled', output: null });
    // The job's real outcome is recorded on its step; the run stays cancelled.
    expect(stepOf(late, 'b')).toMatchObject({ state: 'succeeded', result: 'finished anyway' });
    expect(await jobsOfStep(ctx.store, 'd')).toEqual([]);
    expect(await ctx.store.workflowRunCancel({ id: runId })).toBe('cancelled');
  });

  it('cancelling an ended run changes nothing; an unknown run is null', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: definition('one', [stepDef('a')]), input: null });
    await succeedStep(ctx.store, 'a', 'A');
    expect(await ctx.store.workflowRunCancel({ id: runId })).toBe('succeeded');
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'succeeded', output: { a: 'A' } });
    expect(await ctx.store.workflowRunCancel({ id: '987654321' })).toBeNull();
  });

  it('retries a failed run: failed and cancelled steps again, succeeded ones kept; refused while a job still runs', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: { n: 1 } });
    const a = await succeedStep(ctx.store, 'a', 'A');
    const c = await claimStep(ctx.store, 'c', 'worker-c');
    const b = await claimStep(ctx.store, 'b');
    await endStep(ctx.store, b, failed());
    expect((await mustGetRun(ctx.store, runId)).state).toBe('failed');
    expect(await mustGet(ctx.store, c.id)).toMatchObject({ state: 'running', cancelRequested: true });

    await expect(ctx.store.workflowRunRetry({ id: runId })).rejects.toBeInstanceOf(ConflictError);
    await endStep(ctx.store, c, { state: 'cancelled', outcome: 'cancelled' });

    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: true, state: 'running' });
    const run = await mustGetRun(ctx.store, runId);
    expect(run).toMatchObject({ state: 'running', error: null, finishedAt: null });
    expect(stepStates(run)).toEqual({ a: 'succeeded', b: 'active', c: 'active', d: 'waiting' });
    expect(stepOf(run, 'a')).toMatchObject({ result: 'A', jobId: a.id });
    expect(await jobsOfStep(ctx.store, 'a')).toHaveLength(1);
    expect((await jobsOfStep(ctx.store, 'b')).map((j) => [j.id, j.state, j.cancelRequested])).toEqual([[b.id, 'pending', false]]);
    expect((await jobsOfStep(ctx.store, 'c')).map((j) => [j.id, j.state, j.cancelRequested])).toEqual([[c.id, 'pending', false]]);

    await succeedStep(ctx.store, 'b', 'B');
    await succeedStep(ctx.store, 'c', 'C');
    await succeedStep(ctx.store, 'd', 'D');
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'succeeded', output: { d: 'D' } });
    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: false, state: 'succeeded' });
  });

  it('retries the steps skipped because of a parent, not one its own condition skipped', async () => {
    const shape = definition('branches', [
      stepDef('a'),
      stepDef('b', { dependsOn: after('skip', 'a') }),
      stepDef('c'),
      stepDef('e', { condition: 'input.extra' }),
    ]);
    const { runId } = await ctx.store.workflowStart({ definition: shape, input: null });
    await endStep(ctx.store, await claimStep(ctx.store, 'e'), { state: 'cancelled', outcome: 'cancelled', skipped: 'no extra today' });
    const a = await claimStep(ctx.store, 'a');
    await endStep(ctx.store, a, failed());
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'running' });
    await endStep(ctx.store, await claimStep(ctx.store, 'c'), failed());
    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toContain('step c');
    expect(stepStates(run)).toEqual({ a: 'failed', b: 'skipped', c: 'failed', e: 'skipped' });
    expect(stepOf(run, 'b').skip).toBe('parent');

    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: true, state: 'running' });
    const again = await mustGetRun(ctx.store, runId);
    expect(stepStates(again)).toEqual({ a: 'active', b: 'waiting', c: 'active', e: 'skipped' });
    expect(stepOf(again, 'e')).toMatchObject({ skip: 'condition', reason: 'no extra today' });
    expect(stepOf(again, 'b')).toMatchObject({ skip: null, reason: null });
    expect(await mustGet(ctx.store, a.id)).toMatchObject({ state: 'pending' });
    expect(await jobsOfStep(ctx.store, 'e')).toHaveLength(1);
    await succeedStep(ctx.store, 'a', 'A');
    await succeedStep(ctx.store, 'b', 'B');
    await succeedStep(ctx.store, 'c', 'C');
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'succeeded', output: { b: 'B', c: 'C' } });
  });

  it('retries nothing of a running run; an unknown run is null', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: false, state: 'running' });
    expect(await ctx.store.workflowRunRetry({ id: '987654321' })).toBeNull();
  });

  it('refuses to delete or retry a running run’s job, naming the run; clean and bulk actions leave them', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond('continue'), input: null });
    await succeedStep(ctx.store, 'a');
    await endStep(ctx.store, await claimStep(ctx.store, 'b'), failed());
    const [bJob] = await jobsOfStep(ctx.store, 'b');
    const [cJob] = await jobsOfStep(ctx.store, 'c');
    expect((await mustGetRun(ctx.store, runId)).state).toBe('running');

    // One at a time: a second call made before the first is awaited could reject unobserved.
    for (const refused of [() => ctx.store.jobDelete({ id: cJob!.id }), () => ctx.store.jobRetry({ id: bJob!.id })]) {
      const err = await refused().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as Error).message).toContain(`workflow run ${runId}`);
    }
    expect(await ctx.store.jobDeleteMany({ queue: 'wf-c' })).toBe(0);
    expect(await ctx.store.jobBulk({ action: 'delete', filter: { queue: 'wf-c' } })).toEqual({ count: 0 });
    expect(await ctx.store.jobBulk({ action: 'retry', filter: { queue: 'wf-b' } })).toEqual({ count: 0 });
    expect(await mustGet(ctx.store, cJob!.id)).toMatchObject({ state: 'pending' });
    expect(await mustGet(ctx.store, bJob!.id)).toMatchObject({ state: 'failed' });
  });

  it('refuses to retry a job of an ended run alone (the run retries it); bulk retry leaves it, jobs of their own go on', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    await succeedStep(ctx.store, 'a');
    await endStep(ctx.store, await claimStep(ctx.store, 'b'), failed());
    expect((await mustGetRun(ctx.store, runId)).state).toBe('failed');
    const [bJob] = await jobsOfStep(ctx.store, 'b');
    const err = await ctx.store.jobRetry({ id: bJob!.id }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(new RegExp(`workflow run ${runId}.*retry the run`));
    expect(await ctx.store.jobBulk({ action: 'retry', filter: { queue: 'wf-b' } })).toEqual({ count: 0 });
    expect(await mustGet(ctx.store, bJob!.id)).toMatchObject({ state: 'failed' });
    // The run's own retry is the way.
    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: true, state: 'running' });
    expect(await mustGet(ctx.store, bJob!.id)).toMatchObject({ state: 'pending' });
  });

  it('keeps an ended run’s jobs from deletes (they go with the run), so its retry always has them', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    await succeedStep(ctx.store, 'a');
    await endStep(ctx.store, await claimStep(ctx.store, 'b'), failed());
    expect((await mustGetRun(ctx.store, runId)).state).toBe('failed');
    const [bJob] = await jobsOfStep(ctx.store, 'b');
    const err = await ctx.store.jobDelete({ id: bJob!.id }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(new RegExp(`workflow run ${runId}.*removed with the run`));
    expect(await ctx.store.jobBulk({ action: 'delete', filter: { state: ['failed', 'cancelled'] } })).toEqual({ count: 0 });
    expect(await ctx.store.jobDeleteMany({ queue: 'wf-b', states: ['failed'] })).toBe(0);
    ctx.clock.advance(2 * DAY);
    // Retention takes no job of a run on its own: the run ended too recently for its age.
    expect(await ctx.store.jobPrune({ olderThanMs: 3 * DAY })).toMatchObject({ jobs: 0, runs: 0, events: 0 });

    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: true, state: 'running' });
    await succeedStep(ctx.store, 'b');
    await succeedStep(ctx.store, 'c');
    await succeedStep(ctx.store, 'd');
    expect((await mustGetRun(ctx.store, runId)).state).toBe('succeeded');
  });

  it('prunes a run that ended before the age with its jobs, never a running run’s old jobs', async () => {
    const pair = definition('pair', [stepDef('first'), stepDef('second', { dependsOn: after('fail', 'first') })]);
    const ended = await ctx.store.workflowStart({ definition: pair, input: 1 });
    await succeedStep(ctx.store, 'first');
    await succeedStep(ctx.store, 'second');
    const running = await ctx.store.workflowStart({ definition: pair, input: 2 });
    const oldJob = await succeedStep(ctx.store, 'first');
    ctx.clock.advance(2 * DAY);

    expect(await ctx.store.jobPrune({ olderThanMs: DAY })).toEqual({ jobs: 2, fires: 0, audit: 0, runs: 1, events: 0 });
    expect(await ctx.store.workflowRunGet({ id: ended.runId })).toBeNull();
    expect(await mustGet(ctx.store, oldJob.id)).toMatchObject({ state: 'succeeded' });
    expect(stepStates(await mustGetRun(ctx.store, running.runId))).toEqual({ first: 'succeeded', second: 'active' });
    expect(await ctx.store.jobPrune({ olderThanMs: DAY })).toEqual({ jobs: 0, fires: 0, audit: 0, runs: 0, events: 0 });
  });
}
