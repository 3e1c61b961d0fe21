/**
 * Contract area: workerHeartbeat, workerStopped and workerList (alive, stale, stopped).
 */
import { expect, it } from 'vitest';
import type { WorkerInfo } from '../../src/core/types.js';
import { type ContractContext, expectNear, sleep } from './support.js';

function worker(overrides: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    id: 'host-a:123:w1',
    host: 'host-a',
    pid: 123,
    queues: ['high', 'default'],
    concurrency: 8,
    running: 2,
    startedAt: new Date(Date.now() - 60_000),
    ...overrides,
  };
}

export function workersCases(ctx: ContractContext): void {
  it('lists a worker that heartbeated as alive, with everything it reported', async () => {
    const info = worker();
    const before = Date.now();
    await ctx.store.workerHeartbeat({ worker: info });
    const [listed, ...rest] = await ctx.store.workerList({ staleAfterMs: 30_000 });
    expect(rest).toEqual([]);
    expect(listed).toEqual({ ...info, lastSeenAt: expect.any(Date), status: 'alive' });
    expectNear(listed!.lastSeenAt, before);
  });

  it('updates the row on each heartbeat', async () => {
    await ctx.store.workerHeartbeat({ worker: worker() });
    await ctx.store.workerHeartbeat({ worker: worker({ running: 7, queues: ['low'] }) });
    const listed = await ctx.store.workerList({ staleAfterMs: 30_000 });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ running: 7, queues: ['low'], status: 'alive' });
  });

  it('shows a worker not seen within staleAfterMs as stale', async () => {
    await ctx.store.workerHeartbeat({ worker: worker() });
    await sleep(150);
    const [listed] = await ctx.store.workerList({ staleAfterMs: 50 });
    expect(listed?.status).toBe('stale');
  });

  it('shows a worker that stopped cleanly as stopped, until it heartbeats again', async () => {
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'a' }) });
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'b' }) });
    await ctx.store.workerStopped({ id: 'a' });
    const listed = await ctx.store.workerList({ staleAfterMs: 30_000 });
    expect(listed.map((w) => [w.id, w.status]).sort()).toEqual([
      ['a', 'stopped'],
      ['b', 'alive'],
    ]);
    await ctx.store.workerHeartbeat({ worker: worker({ id: 'a' }) });
    const again = await ctx.store.workerList({ staleAfterMs: 30_000 });
    expect(again.find((w) => w.id === 'a')?.status).toBe('alive');
  });
}
