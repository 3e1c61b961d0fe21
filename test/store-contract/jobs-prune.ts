/**
 * Contract area: jobPrune, retention. Finished jobs (succeeded, failed, cancelled) older
 * than the age go, pending and running jobs never do however old; fire-ledger rows older
 * than the age go except each schedule's latest; each call deletes at most `limit` of each.
 */
import { expect, it } from 'vitest';
import { type ContractContext, claimOne, everyNext, everyPlan, finishOf, insert, job, mustGet, schedule } from './support.js';

const DAY = 86_400_000;

export function jobsPruneCases(ctx: ContractContext): void {
  it('deletes jobs finished before the age, never pending or running ones', async () => {
    const [done, failed, cancelled, running, pending] = await insert(ctx.store, job(), job({ maxAttempts: 1 }), job(), job(), job({ delayMs: 30 * DAY }));
    await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store))] });
    await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store), { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
    await ctx.store.jobCancel({ id: cancelled! });
    await claimOne(ctx.store, { leaseMs: 60 * DAY });
    ctx.clock.advance(DAY);
    const [recent] = await insert(ctx.store, job());
    await ctx.store.jobCancel({ id: recent! });
    ctx.clock.advance(DAY);
    expect(await ctx.store.jobPrune({ olderThanMs: 1.5 * DAY })).toEqual({ jobs: 3, fires: 0, audit: 0, runs: 0, events: 0 });
    for (const gone of [done, failed, cancelled]) expect(await ctx.store.jobGet({ id: gone! })).toBeNull();
    expect((await mustGet(ctx.store, running!)).state).toBe('running');
    expect((await mustGet(ctx.store, pending!)).state).toBe('pending');
    expect((await mustGet(ctx.store, recent!)).state).toBe('cancelled');
  });

  it('deletes at most `limit` jobs per call', async () => {
    const ids = await insert(ctx.store, job(), job(), job(), job(), job());
    for (const id of ids) await ctx.store.jobCancel({ id });
    ctx.clock.advance(DAY);
    expect(await ctx.store.jobPrune({ olderThanMs: 1000, limit: 2 })).toEqual({ jobs: 2, fires: 0, audit: 0, runs: 0, events: 0 });
    expect(await ctx.store.jobPrune({ olderThanMs: 1000, limit: 2 })).toEqual({ jobs: 2, fires: 0, audit: 0, runs: 0, events: 0 });
    expect(await ctx.store.jobPrune({ olderThanMs: 1000, limit: 2 })).toEqual({ jobs: 1, fires: 0, audit: 0, runs: 0, events: 0 });
  });

  it("deletes old ledger rows but keeps each schedule's latest fire", async () => {
    await ctx.store.scheduleUpsert({ schedule: schedule({ misfire: 'all' }), mode: 'create', next: everyNext(60_000) });
    ctx.clock.advance(5 * 60_000);
    const fires = await ctx.store.scheduleFireDue({ limit: 10, plan: everyPlan });
    ctx.clock.advance(DAY);
    const { fires: pruned } = await ctx.store.jobPrune({ olderThanMs: DAY / 2 });
    expect(pruned).toBe(fires.length - 1);
    const history = await ctx.store.scheduleHistory({ name: 'every-minute' });
    expect(history.map((f) => f.fireTime)).toEqual([fires.at(-1)!.fireTime]);
    expect((await ctx.store.scheduleGet({ name: 'every-minute' }))?.lastFireAt).toEqual(fires.at(-1)!.fireTime);
  });

  it('refuses a negative age and a limit below 1, naming the field', async () => {
    await expect(ctx.store.jobPrune({ olderThanMs: -1 })).rejects.toMatchObject({ message: expect.stringContaining('olderThanMs') });
    await expect(ctx.store.jobPrune({ olderThanMs: 0, limit: 0 })).rejects.toMatchObject({ message: expect.stringContaining('limit') });
  });
}
