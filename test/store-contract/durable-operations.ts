/**
 * Contract area: what an operator and retention do to durable functions. Retrying a failed
 * function run removes its failed checkpoints (their steps run again on replay) and keeps the
 * succeeded ones; retention removes expired events, and a pruned run's checkpoints with it.
 */
import { expect, it } from 'vitest';
import type { ContractContext } from './support.js';
import { DAY, HOUR, checkpoint, claimMain, eventWait, functionDef, writeAs } from './durable-support.js';
import { endStep, failed, mustGetRun } from './workflows-support.js';

export function durableOperationsCases(ctx: ContractContext): void {
  it('retries a failed function run: failed checkpoints removed, succeeded ones kept, its job due again', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const main = await claimMain(ctx.store);
    expect(await writeAs(ctx.store, main, checkpoint(0, { name: 'reserve', result: 'R-1' }))).toBe(true);
    expect(await writeAs(ctx.store, main, checkpoint(1, { name: 'charge', state: 'failed', attempts: 3, error: { message: 'card declined', name: 'Error' } }))).toBe(true);
    await endStep(ctx.store, main, failed({ message: 'card declined', name: 'Error' }));
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'failed' });

    expect(await ctx.store.workflowRunRetry({ id: runId })).toEqual({ retried: true, state: 'running' });
    const run = await mustGetRun(ctx.store, runId);
    expect(run.state).toBe('running');
    expect(run.checkpoints.map((c) => [c.seq, c.name, c.state, c.result])).toEqual([[0, 'reserve', 'succeeded', 'R-1']]);
    expect(await ctx.store.checkpointList({ runId })).toEqual(run.checkpoints);

    const again = await claimMain(ctx.store);
    expect(again.id).toBe(main.id);
    expect(await writeAs(ctx.store, again, checkpoint(1, { name: 'charge', result: 'paid' }))).toBe(true);
    await endStep(ctx.store, again, { result: 'done' });
    expect(await mustGetRun(ctx.store, runId)).toMatchObject({ state: 'succeeded', output: 'done' });
    expect((await ctx.store.checkpointList({ runId })).map((c) => c.result)).toEqual(['R-1', 'paid']);
  });

  it('prunes expired events (counted) and keeps unexpired ones; a pruned run’s checkpoints go with it', async () => {
    const { runId: endedId } = await ctx.store.workflowStart({ definition: functionDef(), input: 1 });
    const main = await claimMain(ctx.store);
    expect(await writeAs(ctx.store, main, checkpoint(0, { result: 'a' }))).toBe(true);
    expect(await writeAs(ctx.store, main, checkpoint(1, { result: 'b' }))).toBe(true);
    await endStep(ctx.store, main, { result: 'done' });
    const { runId: runningId } = await ctx.store.workflowStart({ definition: functionDef(), input: 2 });
    const waiting = await claimMain(ctx.store);
    expect(await writeAs(ctx.store, waiting, eventWait(0, 'late', ctx.clock.now()))).toBe(true);

    await ctx.store.eventEmit({ key: 'short-1', payload: 1, keepMs: HOUR });
    await ctx.store.eventEmit({ key: 'short-2', payload: 2, keepMs: HOUR });
    await ctx.store.eventEmit({ key: 'long', payload: 3, keepMs: 10 * DAY });
    ctx.clock.advance(2 * DAY);

    expect(await ctx.store.jobPrune({ olderThanMs: DAY })).toEqual({ jobs: 1, fires: 0, audit: 0, runs: 1, events: 2 });
    expect(await ctx.store.workflowRunGet({ id: endedId })).toBeNull();
    expect(await ctx.store.checkpointList({ runId: endedId })).toEqual([]);
    expect((await ctx.store.checkpointList({ runId: runningId })).map((c) => c.eventKey)).toEqual(['late']);
    expect(await ctx.store.eventGet({ key: 'long' })).toMatchObject({ payload: 3 });
    // The key of an expired event is free again once pruned, as before.
    expect(await ctx.store.eventEmit({ key: 'short-1', payload: 'again', keepMs: HOUR })).toMatchObject({ stored: true });
    expect(await ctx.store.jobPrune({ olderThanMs: DAY })).toEqual({ jobs: 0, fires: 0, audit: 0, runs: 0, events: 0 });
  });

  it('prunes expired events at most `limit` per call', async () => {
    for (const key of ['e1', 'e2', 'e3']) await ctx.store.eventEmit({ key, payload: null, keepMs: 1000 });
    ctx.clock.advance(2000);
    expect(await ctx.store.jobPrune({ olderThanMs: DAY, limit: 2 })).toMatchObject({ events: 2 });
    expect(await ctx.store.jobPrune({ olderThanMs: DAY, limit: 2 })).toMatchObject({ events: 1 });
    expect(await ctx.store.jobPrune({ olderThanMs: DAY, limit: 2 })).toMatchObject({ events: 0 });
  });
}
