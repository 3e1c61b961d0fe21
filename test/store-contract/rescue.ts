/**
 * Contract area: jobRescueExpired. Expired leases go back to pending (or fail when attempts
 * are used up) with a `worker_lost` attempt; live leases and jobs finished meanwhile are left
 * alone; the lost worker's late finish is fenced out; concurrent rescuers rescue each job once.
 */
import { expect, it } from 'vitest';
import { type ContractContext, LONG_LEASE_MS, SHORT_LEASE_MS, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

/** Long enough for a SHORT_LEASE_MS lease to be expired by any clock involved. */
const PAST_LEASE_MS = SHORT_LEASE_MS + 100;

export function rescueCases(ctx: ContractContext): void {
  it('puts an expired job back to pending and records the lost attempt', async () => {
    const [id] = await insert(ctx.store, job({ maxAttempts: 2 }));
    const running = await claimOne(ctx.store, { workerId: 'w-dead', leaseMs: SHORT_LEASE_MS });
    ctx.clock.advance(PAST_LEASE_MS);
    const before = ctx.clock.now().getTime();
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [id], failed: [], cancelled: [] });
    const rescued = await mustGet(ctx.store, id!);
    expect(rescued).toMatchObject({ state: 'pending', attempt: 1, lockedUntil: null });
    expectNear(rescued.runAt, before);
    expect(rescued.attempts).toEqual([
      {
        attempt: 1,
        worker: 'w-dead',
        startedAt: running.startedAt,
        finishedAt: expect.any(Date),
        outcome: 'worker_lost',
        error: { message: expect.stringContaining('w-dead') },
      },
    ]);
    expect(await claimOne(ctx.store, { workerId: 'w-alive' })).toMatchObject({ id, attempt: 2 });
  });

  it('leaves the expired jobs of exceptWorkers alone and rescues the others', async () => {
    const [mine, theirs] = await insert(ctx.store, job(), job());
    await claimOne(ctx.store, { workerId: 'w-local', leaseMs: SHORT_LEASE_MS });
    await claimOne(ctx.store, { workerId: 'w-dead', leaseMs: SHORT_LEASE_MS });
    ctx.clock.advance(PAST_LEASE_MS);
    expect(await ctx.store.jobRescueExpired({ exceptWorkers: ['w-local', 'w-other'] })).toEqual({ rescued: [theirs], failed: [], cancelled: [] });
    expect(await mustGet(ctx.store, mine!)).toMatchObject({ state: 'running', lockedBy: 'w-local' });
    // The local worker renews its own lease once its event loop runs again.
    expect(await ctx.store.jobHeartbeat({ workerId: 'w-local', jobs: [{ id: mine!, attempt: 1 }], leaseMs: LONG_LEASE_MS })).toEqual({ lost: [], cancelRequested: [] });
    expect(await ctx.store.jobRescueExpired({ exceptWorkers: [] })).toEqual({ rescued: [], failed: [], cancelled: [] });
  });

  it('fails an expired job whose attempts are used up', async () => {
    const [id] = await insert(ctx.store, job({ maxAttempts: 1 }));
    await claimOne(ctx.store, { leaseMs: SHORT_LEASE_MS });
    ctx.clock.advance(PAST_LEASE_MS);
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [], failed: [id], cancelled: [] });
    const failed = await mustGet(ctx.store, id!);
    expect(failed.state).toBe('failed');
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(failed.attempts.map((a) => a.outcome)).toEqual(['worker_lost']);
  });

  it('leaves live leases, heartbeated leases and jobs finished meanwhile alone', async () => {
    const [live, beating, finished] = await insert(ctx.store, job(), job(), job());
    await claimOne(ctx.store, { leaseMs: LONG_LEASE_MS });
    const beat = await claimOne(ctx.store, { leaseMs: SHORT_LEASE_MS });
    const done = await claimOne(ctx.store, { leaseMs: SHORT_LEASE_MS });
    await ctx.store.jobHeartbeat({ workerId: 'worker-1', jobs: [beat], leaseMs: LONG_LEASE_MS });
    await ctx.store.jobFinishMany({ finishes: [finishOf(done)] });
    ctx.clock.advance(PAST_LEASE_MS);
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [], failed: [], cancelled: [] });
    expect((await mustGet(ctx.store, live!)).state).toBe('running');
    expect((await mustGet(ctx.store, beating!)).state).toBe('running');
    const stillDone = await mustGet(ctx.store, finished!);
    expect(stillDone.state).toBe('succeeded');
    expect(stillDone.attempts.map((a) => a.outcome)).toEqual(['succeeded']);
  });

  it("fences out the lost worker's late finish and heartbeat", async () => {
    const [id] = await insert(ctx.store, job());
    const lost = await claimOne(ctx.store, { workerId: 'w-zombie', leaseMs: SHORT_LEASE_MS });
    ctx.clock.advance(PAST_LEASE_MS);
    await ctx.store.jobRescueExpired();
    const beat = await ctx.store.jobHeartbeat({ workerId: 'w-zombie', jobs: [lost], leaseMs: LONG_LEASE_MS });
    expect(beat.lost).toEqual([id]);
    const current = await claimOne(ctx.store, { workerId: 'w-new' });
    expect(await ctx.store.jobFinishMany({ finishes: [finishOf(lost)] })).toEqual({ applied: [] });
    expect(await mustGet(ctx.store, id!)).toMatchObject({ state: 'running', attempt: 2, lockedBy: 'w-new' });
    expect(await ctx.store.jobFinishMany({ finishes: [finishOf(current)] })).toEqual({ applied: [id] });
  });

  it('rescues each job once when several rescuers run at the same time', async () => {
    const stores = await ctx.openShared(3);
    const ids = await insert(stores[0]!, ...Array.from({ length: 30 }, () => job()));
    await stores[0]!.jobClaim({ workerId: 'w-dead', queues: ['default'], limit: 30, leaseMs: SHORT_LEASE_MS });
    ctx.clock.advance(PAST_LEASE_MS);
    const results = await Promise.all(stores.map((store) => store.jobRescueExpired()));
    const rescued = results.flatMap((r) => r.rescued);
    expect(rescued.sort()).toEqual([...ids].sort());
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    const job0 = await mustGet(stores[1]!, ids[0]!);
    expect(job0.attempts).toHaveLength(1);
  });

  it('respects the limit', async () => {
    await insert(ctx.store, job(), job(), job());
    await ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit: 3, leaseMs: SHORT_LEASE_MS });
    ctx.clock.advance(PAST_LEASE_MS);
    expect((await ctx.store.jobRescueExpired({ limit: 2 })).rescued).toHaveLength(2);
    expect((await ctx.store.jobRescueExpired({ limit: 2 })).rescued).toHaveLength(1);
  });
}
