/**
 * Durable functions on the PostgreSQL engine, beyond the contract: emits of one key from
 * several stores at the same instant store exactly one event (the upsert decides, not a read
 * before it); a child run ended by one process wakes its parent's workers in another (the
 * wake's NOTIFY rides in the statement that ends the child); checkpoint writes racing the
 * cancellation of their run from another store all settle (runs are locked before jobs).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { DAY, checkpoint, claimMain, eventWait, functionDef, release, writeAs } from './store-contract/durable-support.js';
import { stepFinish } from './store-contract/workflows-support.js';
import { freshSchema, heardQueues, usePostgres } from './support/postgres.js';
import { waitUntil } from './support/wait.js';

describe('postgres durable functions', () => {
  const pgs = usePostgres();

  it('stores exactly one of many emits of a key made at the same instant from several stores', async () => {
    const schema = freshSchema('dev');
    const stores = (await Promise.all(Array.from({ length: 4 }, () => pgs.open({ schema, poolSize: 4 })))) as Store[];
    for (let round = 0; round < 5; round++) {
      const key = `order:${round}`;
      const outcomes = await Promise.all(Array.from({ length: 16 }, (_, i) => stores[i % 4]!.eventEmit({ key, payload: { i }, keepMs: DAY })));
      const winners = outcomes.flatMap((outcome, i) => (outcome.stored ? [i] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      expect((await stores[0]!.eventGet({ key }))?.payload).toEqual({ i: winners[0] });
    }
  });

  it('wakes the parent’s workers in another process when a child run ends (NOTIFY in the ending statement)', async () => {
    const schema = freshSchema('dwk');
    const ender = await pgs.open({ schema });
    const listener = await pgs.open({ schema });
    const heard = await heardQueues(listener);

    const parent = await ender.workflowStart({ definition: functionDef('parent', 'parents'), input: null });
    const running = await claimMain(ender, 'parents');
    const child = await ender.workflowStart({ definition: functionDef('child', 'children'), input: null, parentRunId: parent.runId });
    expect(await writeAs(ender, running, checkpoint(0, { name: 'child', kind: 'spawn', state: 'waiting', attempts: 0, childRunId: child.runId }))).toBe(true);
    await release(ender, running, DAY);
    await waitUntil(() => heard.includes('children'), 5_000, 'the child’s queue signalled');
    heard.length = 0;

    const childJob = await claimMain(ender, 'children', 'worker-2');
    await ender.jobFinishMany({ finishes: [stepFinish(childJob, { result: 42 })] });
    await waitUntil(() => heard.includes('parents'), 5_000, 'the parent’s queue signalled in the other process');
    const [woken] = await listener.jobClaim({ workerId: 'worker-3', queues: ['parents'], limit: 10, leaseMs: 60_000 });
    expect(woken?.workflow).toEqual({ runId: parent.runId, step: 'main', mapIndex: null });
  });

  it('releases a function due now when its event came, or its child ended, while it was still running', async () => {
    const store = await pgs.open();
    const [now] = await pgs.admin<{ now: Date }>('SELECT now()');
    await store.workflowStart({ definition: functionDef('waits', 'waits'), input: null });
    const waiting = await claimMain(store, 'waits');
    expect(await writeAs(store, waiting, eventWait(0, 'paid:1', now!.now))).toBe(true);
    // The emit finds the job running: nothing to wake yet.
    expect(await store.eventEmit({ key: 'paid:1', payload: 1, keepMs: DAY })).toEqual({ stored: true, woken: 0 });
    await release(store, waiting, DAY);
    const again = await claimMain(store, 'waits');
    expect(again.id).toBe(waiting.id);

    const parent = await store.workflowStart({ definition: functionDef('parent', 'parents'), input: null });
    const running = await claimMain(store, 'parents');
    const child = await store.workflowStart({ definition: functionDef('child', 'children'), input: null, parentRunId: parent.runId });
    expect(await writeAs(store, running, checkpoint(0, { name: 'child', kind: 'spawn', state: 'waiting', attempts: 0, childRunId: child.runId }))).toBe(true);
    const childJob = await claimMain(store, 'children', 'worker-2');
    await store.jobFinishMany({ finishes: [stepFinish(childJob, { result: 42 })] });
    await release(store, running, DAY);
    expect((await claimMain(store, 'parents')).id).toBe(running.id);

    // A release with nothing over stays delayed.
    await store.workflowStart({ definition: functionDef('sleeps', 'sleeps'), input: null });
    const sleeping = await claimMain(store, 'sleeps');
    expect(await writeAs(store, sleeping, eventWait(0, 'never', now!.now))).toBe(true);
    await release(store, sleeping, DAY);
    expect(await store.jobClaim({ workerId: 'worker-1', queues: ['sleeps'], limit: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('settles checkpoint writes racing the cancellation of their runs from another store', async () => {
    const schema = freshSchema('dcc');
    const [writer, canceller] = (await Promise.all([pgs.open({ schema, poolSize: 8 }), pgs.open({ schema, poolSize: 8 })])) as [Store, Store];
    const runs = await Promise.all(Array.from({ length: 12 }, () => writer.workflowStart({ definition: functionDef('race', 'race'), input: null })));
    const claimed = await writer.jobClaim({ workerId: 'worker-1', queues: ['race'], limit: 100, leaseMs: 60_000 });
    expect(claimed).toHaveLength(12);

    const outcomes = await Promise.allSettled([
      ...claimed.flatMap((job) => [0, 1, 2].map((seq) => writeAs(writer, job, checkpoint(seq)))),
      ...runs.map((run) => canceller.workflowRunCancel({ id: run.runId })),
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    for (const job of claimed) {
      // Cancelled runs' running jobs are asked to stop; their checkpoints are whole rows.
      expect((await writer.jobGet({ id: job.id }))?.cancelRequested).toBe(true);
      const checkpoints = await writer.checkpointList({ runId: job.workflow!.runId });
      expect(checkpoints.map((cp) => cp.seq)).toEqual([0, 1, 2]);
    }
  }, 30_000);
});
