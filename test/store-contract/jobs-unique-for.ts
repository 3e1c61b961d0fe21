/**
 * Contract area: `uniqueForMs`. With a unique key, an enqueue returns the job with the key
 * that is pending or running (as without a window), or one created within the last
 * `uniqueForMs` whatever its state; after the window a new job is made. Time moves with the
 * test clock.
 */
import { expect, it } from 'vitest';
import { type ContractContext, claimOne, finishOf, insert, job } from './support.js';

const WINDOW_MS = 60_000;

export function jobsUniqueForCases(ctx: ContractContext): void {
  it('returns a finished job with the key while it is within the window', async () => {
    const [first] = await insert(ctx.store, job({ uniqueKey: 'report:1', uniqueForMs: WINDOW_MS }));
    await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store))] });
    ctx.clock.advance(WINDOW_MS - 5_000);
    const [again] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'report:1', uniqueForMs: WINDOW_MS })] });
    expect(again).toEqual({ id: first, created: false });
  });

  it('makes a new job once the window has passed', async () => {
    const [first] = await insert(ctx.store, job({ uniqueKey: 'report:1', uniqueForMs: WINDOW_MS }));
    await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store))] });
    ctx.clock.advance(WINDOW_MS + 5_000);
    const [again] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'report:1', uniqueForMs: WINDOW_MS })] });
    expect(again).toMatchObject({ created: true });
    expect(again!.id).not.toBe(first);
  });

  it('still returns the active job with the key after the window', async () => {
    const [first] = await insert(ctx.store, job({ uniqueKey: 'report:1', uniqueForMs: WINDOW_MS }));
    ctx.clock.advance(2 * WINDOW_MS);
    expect(await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'report:1', uniqueForMs: WINDOW_MS })] })).toEqual([{ id: first, created: false }]);
  });

  it('prefers the active job to a recent finished one', async () => {
    await insert(ctx.store, job({ uniqueKey: 'k', uniqueForMs: WINDOW_MS }));
    await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store), { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
    const [active] = await insert(ctx.store, job({ uniqueKey: 'k' })); // no window: the failed job does not count
    expect(await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k', uniqueForMs: WINDOW_MS })] })).toEqual([{ id: active, created: false }]);
  });

  it('without a window, a finished job with the key does not count', async () => {
    const [first] = await insert(ctx.store, job({ uniqueKey: 'k' }));
    await ctx.store.jobCancel({ id: first! });
    const [again] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k', uniqueForMs: null })] });
    expect(again).toMatchObject({ created: true });
  });

  it('one job per key when many stores enqueue it at once', async () => {
    const stores = await ctx.openShared(4);
    const [first] = await insert(stores[0]!, job({ uniqueKey: 'once', uniqueForMs: WINDOW_MS }));
    await stores[0]!.jobCancel({ id: first! });
    const results = (await Promise.all(stores.map((s) => s.jobInsertMany({ jobs: [job({ uniqueKey: 'once', uniqueForMs: WINDOW_MS })] })))).flat();
    expect(results).toEqual(stores.map(() => ({ id: first, created: false })));
  });
}
