/**
 * Contract area: a requested cancellation is never lost. Once `jobCancel` flagged a running
 * job, every way its attempt can end that would put it back to `pending` (a retry, a release
 * on shutdown, a lease rescue) ends it `cancelled` instead, so it is never claimed again.
 * Endings that were terminal anyway keep their state. `jobRetry` then clears the flag.
 */
import { expect, it } from 'vitest';
import type { JobRecord } from '../../src/core/types.js';
import { type ContractContext, LONG_LEASE_MS, SHORT_LEASE_MS, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

const boom = { message: 'boom', name: 'Error' };
/** Long enough for a SHORT_LEASE_MS lease to be expired by any clock involved. */
const PAST_LEASE_MS = SHORT_LEASE_MS + 100;

export function cancelRequestedCases(ctx: ContractContext): void {
  /** Inserts a job, claims it and asks for its cancellation while it runs. */
  async function runningWithCancelRequest(overrides: Parameters<typeof job>[0] = {}, leaseMs = LONG_LEASE_MS): Promise<JobRecord> {
    await insert(ctx.store, job(overrides));
    const running = await claimOne(ctx.store, { leaseMs });
    expect(await ctx.store.jobCancel({ id: running.id })).toEqual({ state: 'running', cancelRequested: true });
    return running;
  }

  async function expectNeverClaimedAgain(): Promise<void> {
    expect(await ctx.store.jobClaim({ workerId: 'w-next', queues: ['default'], limit: 10, leaseMs: 60_000 })).toEqual([]);
    expect(await ctx.store.jobNextDueIn({ queues: ['default'] })).toBeNull();
  }

  it('ends a retry as cancelled, still recording the failed attempt', async () => {
    const running = await runningWithCancelRequest();
    const before = ctx.clock.now().getTime();
    const retry = finishOf(running, { state: 'pending', outcome: 'failed', error: boom, retryDelayMs: 0 });
    expect(await ctx.store.jobFinishMany({ finishes: [retry] })).toEqual({ applied: [running.id] });
    const ended = await mustGet(ctx.store, running.id);
    expect(ended).toMatchObject({ state: 'cancelled', attempt: 1, cancelRequested: true, lastError: boom, lockedUntil: null });
    expectNear(ended.finishedAt, before);
    expect(ended.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'failed', error: boom, worker: 'worker-1' })]);
    await expectNeverClaimedAgain();
  });

  it('ends a release as cancelled: the attempt is given back and nothing recorded', async () => {
    const running = await runningWithCancelRequest();
    const before = ctx.clock.now().getTime();
    const release = finishOf(running, { state: 'pending', outcome: 'released' });
    expect(await ctx.store.jobFinishMany({ finishes: [release] })).toEqual({ applied: [running.id] });
    const ended = await mustGet(ctx.store, running.id);
    expect(ended).toMatchObject({ state: 'cancelled', attempt: 0, attempts: [], cancelRequested: true, lockedUntil: null });
    expectNear(ended.finishedAt, before);
    await expectNeverClaimedAgain();
  });

  it('ends a rescued job as cancelled, recording the lost attempt', async () => {
    const running = await runningWithCancelRequest({ maxAttempts: 3 }, SHORT_LEASE_MS);
    ctx.clock.advance(PAST_LEASE_MS);
    const before = ctx.clock.now().getTime();
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [], failed: [], cancelled: [running.id] });
    const ended = await mustGet(ctx.store, running.id);
    expect(ended).toMatchObject({ state: 'cancelled', attempt: 1, cancelRequested: true, lockedUntil: null });
    expectNear(ended.finishedAt, before);
    expect(ended.attempts.map((a) => a.outcome)).toEqual(['worker_lost']);
    await expectNeverClaimedAgain();
  });

  it('keeps endings that were terminal anyway', async () => {
    const succeeded = await runningWithCancelRequest();
    await ctx.store.jobFinishMany({ finishes: [finishOf(succeeded, { result: 'done' })] });
    expect(await mustGet(ctx.store, succeeded.id)).toMatchObject({ state: 'succeeded', result: 'done' });

    const exhausted = await runningWithCancelRequest({ maxAttempts: 1 }, SHORT_LEASE_MS);
    ctx.clock.advance(PAST_LEASE_MS);
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [], failed: [exhausted.id], cancelled: [] });
    expect((await mustGet(ctx.store, exhausted.id)).state).toBe('failed');
  });

  it('leaves jobs without a cancel request to retry, release and rescue as before', async () => {
    await insert(ctx.store, job(), job(), job());
    const retried = await claimOne(ctx.store);
    const released = await claimOne(ctx.store);
    const lost = await claimOne(ctx.store, { leaseMs: SHORT_LEASE_MS });
    await ctx.store.jobFinishMany({
      finishes: [finishOf(retried, { state: 'pending', outcome: 'failed', error: boom }), finishOf(released, { state: 'pending', outcome: 'released' })],
    });
    ctx.clock.advance(PAST_LEASE_MS);
    expect(await ctx.store.jobRescueExpired()).toEqual({ rescued: [lost.id], failed: [], cancelled: [] });
    for (const id of [retried.id, released.id, lost.id]) expect((await mustGet(ctx.store, id)).state).toBe('pending');
  });

  it('clears the request when the cancelled job is retried, so it runs again', async () => {
    const running = await runningWithCancelRequest();
    await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'pending', outcome: 'failed', error: boom })] });
    expect(await ctx.store.jobRetry({ id: running.id })).toEqual({ retried: true, state: 'pending' });
    expect(await mustGet(ctx.store, running.id)).toMatchObject({ state: 'pending', cancelRequested: false });
    const again = await claimOne(ctx.store, { workerId: 'worker-2' });
    expect(again).toMatchObject({ id: running.id, attempt: 2, cancelRequested: false });
    await ctx.store.jobFinishMany({ finishes: [finishOf(again, { state: 'pending', outcome: 'failed', error: boom, retryDelayMs: 0 })] });
    expect((await mustGet(ctx.store, running.id)).state).toBe('pending');
  });
}
