/**
 * Contract area: workerHeartbeat, workerStopped and workerList (alive, stale, stopped). A
 * worker is alive while `lastSeenAt + livenessMs` (its own window) is ahead of the store's
 * clock; `running` is counted from the jobs it holds, not taken from its last heartbeat.
 */
import { expect, it } from 'vitest';
import type { WorkerInfo } from '../../src/core/types.js';
import { type ContractContext, claimOne, expectNear, finishOf, insert, job } from './support.js';

function worker(overrides: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    id: 'host-a:123:w1',
    host: 'host-a',
    pid: 123,
    queues: ['high', 'default'],
    concurrency: 8,
    running: 0,
    startedAt: new Date(Date.now() - 60_000),
    livenessMs: 30_000,
    ...overrides,
  };
}

export function workersCases(ctx: ContractContext): void {
  it('lists a worker that heartbeated as alive, with everything it reported', async () => {
    const info = worker();
    const before = Date.now();
    await ctx.store.workerHeartbeat({ worker: info });
    const [listed, ...rest] = await ctx.store.workerList();
    expect(rest).toEqual([]);
    expect(listed).toEqual({ ...info, lastSeenAt: expect.any(Date), status: 'alive' });
    expectNear(listed!.lastSeenAt, before);
  });

  it('updates the row on each heartbeat', async () => {
    await ctx.store.workerHeartbeat({ worker: worker() });
    await ctx.store.workerHeartbeat({ worker: worker({ queues: ['low'], livenessMs: 45_000 }) });
    const listed = await ctx.store.workerList();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ queues: ['low'], livenessMs: 45_000, status: 'alive' });
  });

  it('shows a worker not seen within its own liveness window as stale', async () => {
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'short', livenessMs: 50 }) });
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'long', livenessMs: 60_000 }) });
    ctx.clock.advance(150);
    const listed = await ctx.store.workerList();
    expect(listed.map((w) => [w.id, w.status])).toEqual([
      ['long', 'alive'],
      ['short', 'stale'],
    ]);
  });

  it('counts running jobs from the jobs the worker holds now, not from its last heartbeat', async () => {
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'w1', running: 5 }) });
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'w2', running: 0 }) });
    await insert(ctx.store, job(), job(), job());
    const a = await claimOne(ctx.store, { workerId: 'w2' });
    await claimOne(ctx.store, { workerId: 'w2' });
    await claimOne(ctx.store, { workerId: 'w1' });
    await ctx.store.jobFinishMany({ finishes: [finishOf(a)] });
    const listed = await ctx.store.workerList();
    expect(listed.map((w) => [w.id, w.running])).toEqual([
      ['w1', 1],
      ['w2', 1],
    ]);
  });

  it('shows a worker that stopped cleanly as stopped, until it heartbeats again', async () => {
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'a' }) });
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'b' }) });
    await ctx.store.workerStopped({ id: 'a' });
    const listed = await ctx.store.workerList();
    expect(listed.map((w) => [w.id, w.status]).sort()).toEqual([
      ['a', 'stopped'],
      ['b', 'alive'],
    ]);
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'a' }) });
    const again = await ctx.store.workerList();
    expect(again.find((w) => w.id === 'a')?.status).toBe('alive');
  });
}
