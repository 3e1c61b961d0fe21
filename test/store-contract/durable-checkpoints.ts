/**
 * Contract area: a durable function's checkpoints. A function run is a run of one step,
 * `main`; its progress is written by the worker holding that job, fenced like a finish (a
 * wrong attempt or worker, a job that is not the run's, a zombie whose job was rescued and
 * claimed again: nothing written), kept in `seq` order, and bounded by the function's limits.
 */
import { expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { type ContractContext, SHORT_LEASE_MS, expectNear, mustGet } from './support.js';
import { HOUR, LIMITS, checkpoint, claimMain, functionDef, writeAs } from './durable-support.js';
import { endStep, mustGetRun } from './workflows-support.js';

export function durableCheckpointsCases(ctx: ContractContext): void {
  it('starts a function run as one main job; the run keeps its kind and has no checkpoints yet', async () => {
    const { runId, created } = await ctx.store.workflowStart({ definition: functionDef(), input: { order: 7 } });
    expect(created).toBe(true);
    const run = await mustGetRun(ctx.store, runId);
    expect(run).toMatchObject({ state: 'running', parentRunId: null, checkpoints: [] });
    expect(run.definition.kind).toBe('function');
    expect(run.steps.map((s) => [s.step, s.state])).toEqual([['main', 'active']]);
    const main = await claimMain(ctx.store);
    expect(main).toMatchObject({ task: 'fn', queue: 'q', payload: { order: 7 }, workflow: { runId, step: 'main', mapIndex: null } });
    expect(await ctx.store.checkpointList({ runId })).toEqual([]);
  });

  it('writes a checkpoint while its job is claimed: startedAt kept on rewrite, finishedAt set when it ends', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const main = await claimMain(ctx.store);
    const first = ctx.clock.now().getTime();
    expect(await writeAs(ctx.store, main, checkpoint(0, { name: 'charge', state: 'retrying', attempts: 1, error: { message: 'card declined', name: 'Error' } }))).toBe(true);
    const [retrying] = await ctx.store.checkpointList({ runId });
    expect(retrying).toMatchObject({ seq: 0, name: 'charge', kind: 'step', state: 'retrying', attempts: 1, result: null, error: { message: 'card declined' }, finishedAt: null });
    expectNear(retrying!.startedAt, first);

    ctx.clock.advance(HOUR);
    expect(await writeAs(ctx.store, main, checkpoint(0, { name: 'charge', attempts: 2, result: { charged: 42 } }))).toBe(true);
    const [done] = await ctx.store.checkpointList({ runId });
    expect(done).toMatchObject({ seq: 0, name: 'charge', state: 'succeeded', attempts: 2, result: { charged: 42 }, error: null });
    expect(done!.startedAt).toEqual(retrying!.startedAt);
    expectNear(done!.finishedAt, first + HOUR);
  });

  it('keeps every field of a checkpoint, and lists them by seq whatever order they were written in', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const main = await claimMain(ctx.store);
    const wakeAt = new Date(Math.floor(ctx.clock.now().getTime() / 1000) * 1000 + HOUR);
    expect(await writeAs(ctx.store, main, checkpoint(2, { name: 'sleep', kind: 'sleep', state: 'waiting', attempts: 0, waitUntil: wakeAt }))).toBe(true);
    expect(await writeAs(ctx.store, main, checkpoint(0, { result: [1, 'two', { three: 3 }] }))).toBe(true);
    expect(await writeAs(ctx.store, main, checkpoint(1, { name: 'broken', state: 'failed', attempts: 3, error: { message: 'boom', name: 'TypeError' } }))).toBe(true);

    const list = await ctx.store.checkpointList({ runId });
    expect(list.map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(list[0]).toMatchObject({ kind: 'step', state: 'succeeded', result: [1, 'two', { three: 3 }], waitUntil: null, eventKey: null, childRunId: null });
    expect(list[1]).toMatchObject({ name: 'broken', state: 'failed', attempts: 3, error: { message: 'boom', name: 'TypeError' } });
    expect(list[1]!.finishedAt).toBeInstanceOf(Date);
    expect(list[2]).toMatchObject({ name: 'sleep', kind: 'sleep', state: 'waiting', waitUntil: wakeAt, finishedAt: null });
    expect((await mustGetRun(ctx.store, runId)).checkpoints).toEqual(list);
  });

  it('refuses a write by a wrong attempt or worker, or with a job that is not the run’s main job: nothing changes', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const other = await ctx.store.workflowStart({ definition: functionDef('other', 'q-other'), input: null });
    const main = await claimMain(ctx.store);
    const otherMain = await claimMain(ctx.store, 'q-other');
    expect(await writeAs(ctx.store, main, checkpoint(0, { result: 'kept' }))).toBe(true);

    const base = { runId, jobId: main.id, attempt: main.attempt, workerId: 'worker-1', ...LIMITS };
    expect(await ctx.store.checkpointWrite({ ...base, attempt: main.attempt + 1, checkpoint: checkpoint(0, { result: 'wrong attempt' }) })).toBe(false);
    expect(await ctx.store.checkpointWrite({ ...base, workerId: 'worker-2', checkpoint: checkpoint(1, { result: 'wrong worker' }) })).toBe(false);
    // The other run's job, rightly held, writes nothing into this run.
    expect(await ctx.store.checkpointWrite({ ...base, jobId: otherMain.id, attempt: otherMain.attempt, checkpoint: checkpoint(1, { result: 'wrong job' }) })).toBe(false);
    expect(await ctx.store.checkpointWrite({ ...base, runId: '987654321', checkpoint: checkpoint(1) })).toBe(false);

    expect((await ctx.store.checkpointList({ runId })).map((c) => [c.seq, c.result])).toEqual([[0, 'kept']]);
    expect(await ctx.store.checkpointList({ runId: other.runId })).toEqual([]);
  });

  it('fences out a zombie: once its job was rescued and claimed again, its late writes change nothing', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const zombie = await claimMain(ctx.store, 'q', 'worker-dead', SHORT_LEASE_MS);
    expect(await writeAs(ctx.store, zombie, checkpoint(0, { result: 'first life' }))).toBe(true);
    ctx.clock.advance(SHORT_LEASE_MS + 100);
    expect((await ctx.store.jobRescueExpired()).rescued).toEqual([zombie.id]);
    // Rescued, not yet claimed again: still no write.
    expect(await writeAs(ctx.store, zombie, checkpoint(1, { result: 'zombie' }))).toBe(false);

    const alive = await claimMain(ctx.store, 'q', 'worker-alive');
    expect(alive).toMatchObject({ id: zombie.id, attempt: zombie.attempt + 1 });
    expect(await writeAs(ctx.store, zombie, checkpoint(0, { result: 'zombie' }))).toBe(false);
    expect(await writeAs(ctx.store, zombie, checkpoint(1, { result: 'zombie' }))).toBe(false);
    expect(await writeAs(ctx.store, alive, checkpoint(1, { result: 'second life' }))).toBe(true);
    expect((await ctx.store.checkpointList({ runId })).map((c) => [c.seq, c.result])).toEqual([
      [0, 'first life'],
      [1, 'second life'],
    ]);
  });

  it('refuses writes once the job has finished', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const main = await claimMain(ctx.store);
    await endStep(ctx.store, main, { result: 'out' });
    expect(await mustGet(ctx.store, main.id)).toMatchObject({ state: 'succeeded' });
    expect(await writeAs(ctx.store, main, checkpoint(0))).toBe(false);
    expect(await ctx.store.checkpointList({ runId })).toEqual([]);
  });

  it('refuses a seq at or over maxSteps and a result over maxResultBytes, naming the field and the limit', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const main = await claimMain(ctx.store);
    const limits = { maxSteps: 5, maxResultBytes: 1000 };
    expect(await writeAs(ctx.store, main, checkpoint(4, { result: 'x'.repeat(900) }), limits)).toBe(true);

    const tooFar = await writeAs(ctx.store, main, checkpoint(5), limits).then(() => null, (e: unknown) => e);
    expect(tooFar).toBeInstanceOf(ValidationError);
    expect((tooFar as ValidationError).details).toMatchObject({ field: 'checkpoint.seq' });
    expect((tooFar as Error).message).toContain('5');

    const tooBig = await writeAs(ctx.store, main, checkpoint(1, { result: 'x'.repeat(2000) }), limits).then(() => null, (e: unknown) => e);
    expect(tooBig).toBeInstanceOf(ValidationError);
    expect((tooBig as ValidationError).details).toMatchObject({ field: 'checkpoint.result' });
    expect((tooBig as Error).message).toContain('1000');

    expect((await ctx.store.checkpointList({ runId })).map((c) => c.seq)).toEqual([4]);
  });
}
