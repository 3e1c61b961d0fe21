/**
 * Contract area: workflows, definitions and the life of a run driven through the store alone
 * (claims and finishes as workers send them). Starting writes the run, every step and only
 * the roots' jobs; a dependant's job appears in the transaction that ends its last parent,
 * once; a finish of a run's job counts only with its run id; a false condition skips.
 */
import { expect, it } from 'vitest';
import type { ContractContext } from './support.js';
import { mustGet } from './support.js';
import {
  after,
  claimStep,
  definition,
  diamond,
  endStep,
  jobsOfStep,
  mustGetRun,
  stepDef,
  stepFinish,
  stepOf,
  stepStates,
  succeedStep,
} from './workflows-support.js';

export function workflowsCases(ctx: ContractContext): void {
  it('registers, lists and gets definitions; registering a name again replaces it', async () => {
    expect(await ctx.store.workflowList()).toEqual([]);
    await ctx.store.workflowRegister({ definitions: [diamond('fail', 'zeta'), diamond('skip', 'alpha')] });
    expect((await ctx.store.workflowList()).map((w) => w.name)).toEqual(['alpha', 'zeta']);
    const alpha = await ctx.store.workflowGet({ name: 'alpha' });
    expect(alpha).toEqual({ name: 'alpha', definition: diamond('skip', 'alpha'), updatedAt: expect.any(Date) });

    const changed = { ...diamond('continue', 'alpha'), description: 'second version' };
    await ctx.store.workflowRegister({ definitions: [changed] });
    expect((await ctx.store.workflowGet({ name: 'alpha' }))?.definition).toEqual(changed);
    expect(await ctx.store.workflowList()).toHaveLength(2);
    expect(await ctx.store.workflowGet({ name: 'missing' })).toBeNull();
  });

  it('starts a run: the run, every step, and only the roots’ jobs, claimable, carrying their step', async () => {
    const shape = definition('two-roots', [stepDef('a'), stepDef('e'), stepDef('b', { dependsOn: after('fail', 'a', 'e') })], 'b');
    const input = { day: '2030-01-01', files: [1, 2] };
    const { runId, created } = await ctx.store.workflowStart({ definition: shape, input, traceId: 'trace-1' });
    expect(created).toBe(true);
    // Not registered unless asked: a run keeps its own snapshot.
    expect(await ctx.store.workflowGet({ name: 'two-roots' })).toBeNull();

    const run = await mustGetRun(ctx.store, runId);
    expect(run).toMatchObject({ id: runId, workflow: 'two-roots', state: 'running', input, output: null, error: null, definition: shape, traceId: 'trace-1', finishedAt: null });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(run.steps.map((s) => [s.step, s.state])).toEqual([['a', 'active'], ['e', 'active'], ['b', 'waiting']]);
    expect(stepOf(run, 'b')).toMatchObject({ jobId: null, jobState: null, result: null, dependsOn: after('fail', 'a', 'e'), task: 'wf.b' });

    const [rootJob] = await jobsOfStep(ctx.store, 'a');
    expect(rootJob).toMatchObject({ task: 'wf.a', state: 'pending', payload: input, traceId: 'trace-1', maxAttempts: 1, workflow: { runId, step: 'a', mapIndex: null } });
    expect(stepOf(run, 'a')).toMatchObject({ jobId: rootJob!.id, jobState: 'pending', attempt: 0 });
    expect(await jobsOfStep(ctx.store, 'b')).toEqual([]);
    expect(await claimStep(ctx.store, 'e')).toMatchObject({ state: 'running', workflow: { runId, step: 'e', mapIndex: null } });
  });

  it('stores the definition with the run when asked to register it', async () => {
    await ctx.store.workflowStart({ definition: diamond(), input: null, register: true });
    expect((await ctx.store.workflowGet({ name: 'diamond' }))?.definition).toEqual(diamond());
  });

  it('returns the existing run for a unique key, whatever its state, and inserts nothing', async () => {
    const first = await ctx.store.workflowStart({ definition: diamond(), input: 1, uniqueKey: 'nightly-2030-01-01' });
    const again = await ctx.store.workflowStart({ definition: diamond(), input: 2, uniqueKey: 'nightly-2030-01-01' });
    expect(again).toEqual({ runId: first.runId, created: false });
    expect(await jobsOfStep(ctx.store, 'a')).toHaveLength(1);
    await ctx.store.workflowRunCancel({ id: first.runId });
    expect(await ctx.store.workflowStart({ definition: diamond(), input: 3, uniqueKey: 'nightly-2030-01-01' })).toEqual({ runId: first.runId, created: false });
    const other = await ctx.store.workflowStart({ definition: diamond(), input: 4, uniqueKey: 'nightly-2030-01-02' });
    expect(other.created).toBe(true);
    expect(other.runId).not.toBe(first.runId);
  });

  it('runs a diamond: d is released once, after both b and c, and reads both results', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: { n: 1 }, traceId: 'trace-d' });
    await succeedStep(ctx.store, 'a', { rows: 3 });
    expect(stepStates(await mustGetRun(ctx.store, runId))).toEqual({ a: 'succeeded', b: 'active', c: 'active', d: 'waiting' });
    expect((await jobsOfStep(ctx.store, 'b'))[0]).toMatchObject({ state: 'pending', traceId: 'trace-d', workflow: { runId, step: 'b', mapIndex: null } });

    await succeedStep(ctx.store, 'b', 'B');
    expect(await jobsOfStep(ctx.store, 'd')).toEqual([]);
    expect(stepOf(await mustGetRun(ctx.store, runId), 'd').state).toBe('waiting');
    await succeedStep(ctx.store, 'c', 'C');

    const dJobs = await jobsOfStep(ctx.store, 'd');
    expect(dJobs).toHaveLength(1);
    expect(dJobs[0]).toMatchObject({ state: 'pending', task: 'wf.d', traceId: 'trace-d', workflow: { runId, step: 'd', mapIndex: null } });
    expect(await ctx.store.workflowStepInputs({ runId, step: 'd' })).toEqual({
      workflow: 'diamond',
      runId,
      input: { n: 1 },
      parents: {
        b: { state: 'succeeded', result: 'B', error: null, reason: null },
        c: { state: 'succeeded', result: 'C', error: null, reason: null },
      },
      condition: null,
    });
    expect((await ctx.store.workflowStepInputs({ runId, step: 'a' }))?.parents).toEqual({});

    await succeedStep(ctx.store, 'd', { report: 'ok' });
    const done = await mustGetRun(ctx.store, runId);
    expect(done).toMatchObject({ state: 'succeeded', output: { d: { report: 'ok' } }, error: null });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(stepOf(done, 'a')).toMatchObject({ state: 'succeeded', result: { rows: 3 }, jobState: 'succeeded', attempt: 1 });
    expect(stepOf(done, 'a').finishedAt).toBeInstanceOf(Date);
    expect(await jobsOfStep(ctx.store, 'd')).toHaveLength(1);
  });

  it('gives the output step’s result as the run’s output when the definition names one', async () => {
    const shape = definition('chain', [stepDef('a'), stepDef('b', { dependsOn: after('fail', 'a') }), stepDef('c', { dependsOn: after('fail', 'a') })], 'b');
    const { runId } = await ctx.store.workflowStart({ definition: shape, input: null });
    await succeedStep(ctx.store, 'a', 1);
    await succeedStep(ctx.store, 'b', 'the output');
    expect((await mustGetRun(ctx.store, runId)).state).toBe('running');
    await succeedStep(ctx.store, 'c', 'a leaf, not the output');
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'succeeded', output: 'the output' });
  });

  it('applies no finish of a run’s job that lacks the run id', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    const running = await claimStep(ctx.store, 'a');
    const withoutRun = stepFinish(running, { runId: null, result: 'x' });
    expect(await ctx.store.jobFinishMany({ finishes: [withoutRun] })).toEqual({ applied: [] });
    expect(await mustGet(ctx.store, running.id)).toMatchObject({ state: 'running', attempts: [] });
    expect(stepStates(await mustGetRun(ctx.store, runId))).toMatchObject({ a: 'active', b: 'waiting' });

    await endStep(ctx.store, running, { result: 'x' });
    expect(stepStates(await mustGetRun(ctx.store, runId))).toMatchObject({ a: 'succeeded', b: 'active', c: 'active' });
  });

  it('ends a step skipped when its condition was false, with the reason, and skips its fail-policy dependant', async () => {
    const shape = diamond();
    shape.steps[1]!.condition = 'input.send === true';
    const { runId } = await ctx.store.workflowStart({ definition: shape, input: { send: false } });
    await succeedStep(ctx.store, 'a', 1);
    // The worker learns of the condition from the step's inputs (it reads no whole run).
    expect(await ctx.store.workflowStepInputs({ runId, step: 'b' })).toMatchObject({ condition: 'input.send === true', parents: { a: { state: 'succeeded', result: 1 } } });
    expect((await ctx.store.workflowStepInputs({ runId, step: 'c' }))?.condition).toBeNull();
    const b = await claimStep(ctx.store, 'b');
    await endStep(ctx.store, b, { state: 'cancelled', outcome: 'cancelled', skipped: 'condition false: input.send === true' });
    await succeedStep(ctx.store, 'c', 'C');

    const run = await mustGetRun(ctx.store, runId);
    expect(stepOf(run, 'b')).toMatchObject({ state: 'skipped', skip: 'condition', reason: 'condition false: input.send === true', condition: 'input.send === true' });
    expect(stepOf(run, 'd')).toMatchObject({ state: 'skipped', skip: 'parent' });
    expect(run.state).toBe('succeeded');
    expect(await jobsOfStep(ctx.store, 'd')).toEqual([]);
  });

  it('reads no inputs for an unknown run or step', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: diamond(), input: null });
    expect(await ctx.store.workflowStepInputs({ runId, step: 'nope' })).toBeNull();
    expect(await ctx.store.workflowStepInputs({ runId: '987654321', step: 'a' })).toBeNull();
    expect(await ctx.store.workflowRunGet({ id: '987654321' })).toBeNull();
  });
}
