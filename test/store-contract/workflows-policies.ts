/**
 * Contract area: workflows, what a step that did not succeed does to its run. Per edge:
 * `fail` fails the run and cancels what is still to run, `skip` skips the dependant, and
 * `continue` releases it with the parent's failure to read. Every way a job ends for good
 * advances its run: a finish, a lease rescue, a cancellation, a bulk cancel.
 */
import { expect, it } from 'vitest';
import { type ContractContext, SHORT_LEASE_MS, mustGet } from './support.js';
import { boom, claimStep, diamond, endStep, failed, jobsOfStep, mustGetRun, stepOf, stepStates, succeedStep } from './workflows-support.js';

export function workflowsPoliciesCases(ctx: ContractContext): void {
  it('fail: a failed b fails the run, cancels c’s pending job and d', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond('fail'), input: null });
    await succeedStep(ctx.store, 'a');
    await endStep(ctx.store, await claimStep(ctx.store, 'b'), failed());

    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toContain('step b');
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(stepStates(run)).toEqual({ a: 'succeeded', b: 'failed', c: 'cancelled', d: 'cancelled' });
    expect(stepOf(run, 'b')).toMatchObject({ error: expect.objectContaining({ message: 'boom' }), jobState: 'failed' });
    expect((await jobsOfStep(ctx.store, 'c')).map((j) => j.state)).toEqual(['cancelled']);
    expect(await jobsOfStep(ctx.store, 'd')).toEqual([]);
  });

  it('a failed attempt that will be retried leaves its step active and the run running', async () => {
    const shape = diamond('fail');
    shape.steps[1]!.maxAttempts = 2;
    const { runId } = await ctx.store.workflowStart({ definition: shape, input: null });
    await succeedStep(ctx.store, 'a');
    await endStep(ctx.store, await claimStep(ctx.store, 'b'), { ...failed(), state: 'pending', retryDelayMs: 0 });
    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('running');
    expect(stepOf(run, 'b')).toMatchObject({ state: 'active', jobState: 'pending', attempt: 1 });
    await succeedStep(ctx.store, 'b', 'second try');
    expect(stepOf(await mustGetRun(ctx.store, runId), 'b')).toMatchObject({ state: 'succeeded', result: 'second try' });
  });

  it('skip: a failed b skips d, and the run succeeds', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond('skip'), input: null });
    await succeedStep(ctx.store, 'a');
    await succeedStep(ctx.store, 'c', 'C');
    await endStep(ctx.store, await claimStep(ctx.store, 'b'), failed());

    const run = await mustGetRun(ctx.store, runId);
    expect(stepStates(run)).toEqual({ a: 'succeeded', b: 'failed', c: 'succeeded', d: 'skipped' });
    expect(stepOf(run, 'd')).toMatchObject({ skip: 'parent', jobId: null });
    expect(stepOf(run, 'd').reason).toContain('b');
    expect(run.state).toBe('succeeded');
    expect(await jobsOfStep(ctx.store, 'd')).toEqual([]);
  });

  it('continue: a failed b releases d, which reads the failure', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond('continue'), input: null });
    await succeedStep(ctx.store, 'a');
    await endStep(ctx.store, await claimStep(ctx.store, 'b'), failed());
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'running' });
    expect(await jobsOfStep(ctx.store, 'd')).toEqual([]);
    await succeedStep(ctx.store, 'c', 'C');

    expect(await jobsOfStep(ctx.store, 'd')).toHaveLength(1);
    const inputs = await ctx.store.workflowStepInputs({ runId, step: 'd' });
    expect(inputs?.parents).toEqual({
      b: { state: 'failed', result: null, error: expect.objectContaining({ message: boom.message }), reason: null },
      c: { state: 'succeeded', result: 'C', error: null, reason: null },
    });
    await succeedStep(ctx.store, 'd', 'handled');
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'succeeded', output: { d: 'handled' } });
  });

  it('a lease rescue that fails a step’s job for good fails the run', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    const lost = await claimStep(ctx.store, 'a', 'w-dead', SHORT_LEASE_MS);
    ctx.clock.advance(SHORT_LEASE_MS + 100);
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [], failed: [lost.id], cancelled: [] });
    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toContain('step a');
    expect(stepStates(run)).toEqual({ a: 'failed', b: 'cancelled', c: 'cancelled', d: 'cancelled' });
    expect(await jobsOfStep(ctx.store, 'b')).toEqual([]);
  });

  it('a lease rescue with attempts left keeps the run running', async () => {
    const shape = diamond();
    shape.steps[0]!.maxAttempts = 2;
    const { runId } = await ctx.store.workflowStart({ definition: shape, input: null });
    const lost = await claimStep(ctx.store, 'a', 'w-dead', SHORT_LEASE_MS);
    ctx.clock.advance(SHORT_LEASE_MS + 100);
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [lost.id], failed: [], cancelled: [] });
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'running' });
    await succeedStep(ctx.store, 'a');
    expect(stepStates(await mustGetRun(ctx.store, runId))).toMatchObject({ a: 'succeeded', b: 'active', c: 'active' });
  });

  it('cancelling a pending step job fails the run, naming the step', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    await succeedStep(ctx.store, 'a');
    const [cJob] = await jobsOfStep(ctx.store, 'c');
    expect(await ctx.store.jobCancel({ id: cJob!.id })).toEqual({ state: 'cancelled', cancelRequested: false });
    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toContain('step c was cancelled');
    expect(stepStates(run)).toEqual({ a: 'succeeded', b: 'cancelled', c: 'cancelled', d: 'cancelled' });
    expect((await jobsOfStep(ctx.store, 'b')).map((j) => j.state)).toEqual(['cancelled']);
  });

  it('cancelling a running step job only asks; its cancelled finish fails the run', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    const running = await claimStep(ctx.store, 'a');
    expect(await ctx.store.jobCancel({ id: running.id })).toEqual({ state: 'running', cancelRequested: true });
    expect((await mustGetRun(ctx.store, runId)).state).toBe('running');
    await endStep(ctx.store, running, { state: 'cancelled', outcome: 'cancelled' });
    const run = await mustGetRun(ctx.store, runId);
    expect(run).toMatchObject({ state: 'failed' });
    expect(stepOf(run, 'a').state).toBe('cancelled');
  });

  it('a bulk cancel of step jobs advances their runs', async () => {
    const first = await ctx.store.workflowStart({ definition: diamond(), input: 1 });
    const second = await ctx.store.workflowStart({ definition: diamond(), input: 2 });
    expect(await ctx.store.jobBulk({ action: 'cancel', filter: { queue: 'wf-a' } })).toEqual({ count: 2 });
    for (const { runId } of [first, second]) {
      const run = await mustGetRun(ctx.store, runId);
      expect(run.state).toBe('failed');
      expect(stepStates(run)).toEqual({ a: 'cancelled', b: 'cancelled', c: 'cancelled', d: 'cancelled' });
      expect((await mustGet(ctx.store, stepOf(run, 'a').jobId!)).state).toBe('cancelled');
    }
  });
}
