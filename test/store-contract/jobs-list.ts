/**
 * Contract area: jobList. Newest first, `total` over the whole filter, filters by state (one
 * or many), queue, task and worker, and paging.
 */
import { expect, it } from 'vitest';
import { type ContractContext, claimOne, insert, job } from './support.js';

export function jobsListCases(ctx: ContractContext): void {
  it('lists newest first with the total count', async () => {
    const ids = await insert(ctx.store, job({ task: 'a' }), job({ task: 'b' }), job({ task: 'c' }));
    const { jobs, total } = await ctx.store.jobList({});
    expect(total).toBe(3);
    expect(jobs.map((j) => j.id)).toEqual([...ids].reverse());
  });

  it('pages with limit and offset while total counts every match', async () => {
    const ids = await insert(ctx.store, ...Array.from({ length: 5 }, () => job()));
    const page = await ctx.store.jobList({ page: { limit: 2, offset: 1 } });
    expect(page.total).toBe(5);
    expect(page.jobs.map((j) => j.id)).toEqual([ids[3], ids[2]]);
  });

  it('filters by queue, task, state and worker', async () => {
    const [mailA, , report] = await insert(
      ctx.store,
      job({ queue: 'mail', task: 'send' }),
      job({ queue: 'mail', task: 'bounce' }),
      job({ queue: 'reports', task: 'send' }),
    );
    await claimOne(ctx.store, { queues: ['reports'], workerId: 'w-reports' });

    const byQueue = await ctx.store.jobList({ filter: { queue: 'mail' } });
    expect(byQueue.total).toBe(2);
    const byTask = await ctx.store.jobList({ filter: { task: 'send' } });
    expect(byTask.jobs.map((j) => j.id)).toEqual([report, mailA]);
    const both = await ctx.store.jobList({ filter: { queue: 'mail', task: 'send' } });
    expect(both.jobs.map((j) => j.id)).toEqual([mailA]);
    const running = await ctx.store.jobList({ filter: { state: 'running' } });
    expect(running.jobs.map((j) => j.id)).toEqual([report]);
    const several = await ctx.store.jobList({ filter: { state: ['running', 'pending'] } });
    expect(several.total).toBe(3);
    const byWorker = await ctx.store.jobList({ filter: { workerId: 'w-reports' } });
    expect(byWorker.jobs.map((j) => j.id)).toEqual([report]);
    const none = await ctx.store.jobList({ filter: { state: 'failed' } });
    expect(none).toEqual({ jobs: [], total: 0 });
  });
}
