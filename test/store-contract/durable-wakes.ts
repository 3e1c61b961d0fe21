/**
 * Contract area: what wakes a suspended durable function. Emitted events (the first emit of a
 * key wins until it expires) make the released `main` job of every run waiting on that key
 * due now, and only those; a child run started with `parentRunId` makes its parent's job due
 * now when it ends, in the transaction that ends it. Both signal the queue as an insert does.
 * A wake that crosses the function's release (two connections, the same instant) is not lost.
 */
import { expect, it } from 'vitest';
import { type ContractContext, expectNear, mustGet, waitUntil } from './support.js';
import { DAY, HOUR, checkpoint, claimAll, claimMain, eventWait, functionDef, listenReady, release, writeAs } from './durable-support.js';
import { boom, endStep, failed, mustGetRun } from './workflows-support.js';

export function durableWakesCases(ctx: ContractContext): void {
  it('keeps the first emit of a key until it expires; then a new emit is stored', async () => {
    const emitted = ctx.clock.now().getTime();
    expect(await ctx.store.eventEmit({ key: 'order-1.paid', payload: { amount: 10 }, keepMs: HOUR })).toEqual({ stored: true, woken: 0 });
    expect(await ctx.store.eventEmit({ key: 'order-1.paid', payload: { amount: 99 }, keepMs: DAY })).toEqual({ stored: false, woken: 0 });
    const event = await ctx.store.eventGet({ key: 'order-1.paid' });
    expect(event).toMatchObject({ key: 'order-1.paid', payload: { amount: 10 } });
    expectNear(event!.emittedAt, emitted);
    expectNear(event!.expiresAt, emitted + HOUR);
    expect(await ctx.store.eventGet({ key: 'order-2.paid' })).toBeNull();

    ctx.clock.advance(HOUR + 1000);
    expect(await ctx.store.eventGet({ key: 'order-1.paid' })).toBeNull();
    expect(await ctx.store.eventEmit({ key: 'order-1.paid', payload: { amount: 99 }, keepMs: HOUR })).toEqual({ stored: true, woken: 0 });
    expect(await ctx.store.eventGet({ key: 'order-1.paid' })).toMatchObject({ payload: { amount: 99 } });
  });

  it('wakes the runs waiting on the emitted key (their jobs due now, the queue signalled), not those waiting on another', async () => {
    const waiting = await ctx.store.workflowStart({ definition: functionDef(), input: 'a' });
    const twin = await ctx.store.workflowStart({ definition: functionDef(), input: 'b' });
    const elsewhere = await ctx.store.workflowStart({ definition: functionDef(), input: 'c' });
    const jobs = await claimAll(ctx.store, 'q');
    expect(jobs.map((j) => j.workflow?.runId).sort()).toEqual([waiting.runId, twin.runId, elsewhere.runId].sort());
    const byRun = (runId: string) => jobs.find((j) => j.workflow?.runId === runId)!;
    for (const [runId, key] of [
      [waiting.runId, 'approved'],
      [twin.runId, 'approved'],
      [elsewhere.runId, 'rejected'],
    ] as const) {
      expect(await writeAs(ctx.store, byRun(runId), checkpoint(0))).toBe(true);
      expect(await writeAs(ctx.store, byRun(runId), eventWait(1, key, ctx.clock.now()))).toBe(true);
      await release(ctx.store, byRun(runId), DAY);
    }
    expect(await claimAll(ctx.store, 'q')).toEqual([]);

    const { heard, unsubscribe } = await listenReady(ctx.store);
    expect(await ctx.store.eventEmit({ key: 'approved', payload: { by: 'ann' }, keepMs: HOUR })).toEqual({ stored: true, woken: 2 });
    await waitUntil(() => heard.includes('q'), 3000, 'a signal for queue q');
    unsubscribe();
    const woken = await claimAll(ctx.store, 'q');
    expect(woken.map((j) => j.workflow?.runId).sort()).toEqual([waiting.runId, twin.runId].sort());
    // A release gives the attempt back; the wake uses none either.
    expect(woken.map((j) => j.attempt)).toEqual([1, 1]);
    expect(await mustGet(ctx.store, byRun(elsewhere.runId).id)).toMatchObject({ state: 'pending' });
    expect(await claimAll(ctx.store, 'q')).toEqual([]);

    // An emit of a key nobody waits on, or a second emit, wakes nobody.
    expect(await ctx.store.eventEmit({ key: 'nobody', payload: null, keepMs: HOUR })).toEqual({ stored: true, woken: 0 });
    expect(await ctx.store.eventEmit({ key: 'approved', payload: null, keepMs: HOUR })).toMatchObject({ stored: false });
    expect(await claimAll(ctx.store, 'q')).toEqual([]);
  });

  it('does not wake a run whose event checkpoint is no longer waiting', async () => {
    const { runId } = await ctx.store.workflowStart({ definition: functionDef(), input: null });
    const main = await claimMain(ctx.store);
    expect(await writeAs(ctx.store, main, eventWait(0, 'shipped', ctx.clock.now()))).toBe(true);
    expect(await writeAs(ctx.store, main, checkpoint(0, { name: 'shipped', kind: 'event', state: 'succeeded', attempts: 0, eventKey: 'shipped' }))).toBe(true);
    const wakeAt = new Date(ctx.clock.now().getTime() + DAY);
    expect(await writeAs(ctx.store, main, checkpoint(1, { name: 'sleep', kind: 'sleep', state: 'waiting', attempts: 0, waitUntil: wakeAt }))).toBe(true);
    await release(ctx.store, main, DAY);
    expect(await ctx.store.eventEmit({ key: 'shipped', payload: 1, keepMs: HOUR })).toEqual({ stored: true, woken: 0 });
    expect(await claimAll(ctx.store, 'q')).toEqual([]);
    expect((await mustGetRun(ctx.store, runId)).checkpoints.map((c) => c.state)).toEqual(['succeeded', 'waiting']);
  });

  it('wakes the parent when its child run ends: the child knows its parent, the parent its checkpoints in order', async () => {
    const parent = await ctx.store.workflowStart({ definition: functionDef('parent', 'q-parent'), input: null });
    const parentMain = await claimMain(ctx.store, 'q-parent');
    const child = await ctx.store.workflowStart({ definition: functionDef('child', 'q-child'), input: { n: 2 }, parentRunId: parent.runId });
    // Written out of order, as steps run together (`ctx.all`) may end.
    expect(await writeAs(ctx.store, parentMain, checkpoint(1, { name: 'child', kind: 'spawn', state: 'waiting', attempts: 0, childRunId: child.runId }))).toBe(true);
    expect(await writeAs(ctx.store, parentMain, checkpoint(0, { name: 'prepare', result: 'ready' }))).toBe(true);
    await release(ctx.store, parentMain, DAY);
    expect(await claimAll(ctx.store, 'q-parent')).toEqual([]);

    const childRun = await mustGetRun(ctx.store, child.runId);
    expect(childRun).toMatchObject({ parentRunId: parent.runId, checkpoints: [] });
    const parentRun = await mustGetRun(ctx.store, parent.runId);
    expect(parentRun.parentRunId).toBeNull();
    expect(parentRun.checkpoints.map((c) => [c.seq, c.name, c.kind, c.state, c.childRunId])).toEqual([
      [0, 'prepare', 'step', 'succeeded', null],
      [1, 'child', 'spawn', 'waiting', child.runId],
    ]);

    const childMain = await claimMain(ctx.store, 'q-child');
    const { heard, unsubscribe } = await listenReady(ctx.store);
    await endStep(ctx.store, childMain, { result: { doubled: 4 } });
    expect(await mustGetRun(ctx.store, child.runId)).toMatchObject({ state: 'succeeded', output: { doubled: 4 } });
    await waitUntil(() => heard.includes('q-parent'), 3000, 'a signal for queue q-parent');
    unsubscribe();
    expect(await claimMain(ctx.store, 'q-parent')).toMatchObject({ id: parentMain.id, attempt: parentMain.attempt });
  });

  it('wakes the parent when its child run fails too', async () => {
    const parent = await ctx.store.workflowStart({ definition: functionDef('parent', 'q-parent'), input: null });
    const parentMain = await claimMain(ctx.store, 'q-parent');
    const child = await ctx.store.workflowStart({ definition: functionDef('child', 'q-child'), input: null, parentRunId: parent.runId });
    expect(await writeAs(ctx.store, parentMain, checkpoint(0, { name: 'child', kind: 'spawn', state: 'waiting', attempts: 0, childRunId: child.runId }))).toBe(true);
    await release(ctx.store, parentMain, DAY);

    await endStep(ctx.store, await claimMain(ctx.store, 'q-child'), failed(boom));
    expect(await mustGetRun(ctx.store, child.runId)).toMatchObject({ state: 'failed' });
    expect(await claimMain(ctx.store, 'q-parent')).toMatchObject({ id: parentMain.id });
  });

  it('a run without a parent wakes nobody when it ends', async () => {
    const sleeper = await ctx.store.workflowStart({ definition: functionDef('sleeper', 'q-sleeper'), input: null });
    const sleeperMain = await claimMain(ctx.store, 'q-sleeper');
    await release(ctx.store, sleeperMain, DAY);
    await ctx.store.workflowStart({ definition: functionDef('alone', 'q-alone'), input: null });
    await endStep(ctx.store, await claimMain(ctx.store, 'q-alone'), { result: 1 });
    expect(await claimAll(ctx.store, 'q-sleeper')).toEqual([]);
    expect((await mustGetRun(ctx.store, sleeper.runId)).state).toBe('running');
  });

  it(`wakes a function whose release crosses the emit, or its child's end, on another connection (${CROSSING_ROUNDS} rounds each)`, async () => {
    const [one, two] = await ctx.openShared(2);
    for (let round = 0; round < CROSSING_ROUNDS; round++) {
      await one!.workflowStart({ definition: functionDef('crossing', 'q-cross'), input: round });
      const main = await claimMain(one!, 'q-cross');
      const key = `crossing-${round}`;
      expect(await writeAs(one!, main, eventWait(0, key, ctx.clock.now()))).toBe(true);
      await Promise.all([release(one!, main, DAY), two!.eventEmit({ key, payload: round, keepMs: HOUR })]);
      const woken = await claimAll(one!, 'q-cross');
      expect(woken.map((j) => j.id), `event, round ${round}`).toEqual([main.id]);
      await endStep(one!, woken[0]!, { result: round });

      const parent = await one!.workflowStart({ definition: functionDef('parent', 'q-parent'), input: round });
      const parentMain = await claimMain(one!, 'q-parent');
      const child = await one!.workflowStart({ definition: functionDef('child', 'q-child'), input: null, parentRunId: parent.runId });
      const childMain = await claimMain(two!, 'q-child', 'worker-two');
      expect(await writeAs(one!, parentMain, checkpoint(0, { name: 'child', kind: 'spawn', state: 'waiting', attempts: 0, childRunId: child.runId }))).toBe(true);
      await Promise.all([release(one!, parentMain, DAY), endStep(two!, childMain, { result: round })]);
      const parentWoken = await claimAll(one!, 'q-parent');
      expect(parentWoken.map((j) => j.id), `child, round ${round}`).toEqual([parentMain.id]);
      await endStep(one!, parentWoken[0]!, { result: round });
    }
  });
}

const CROSSING_ROUNDS = 30;
