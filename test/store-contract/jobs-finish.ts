/**
 * Contract area: jobFinishMany. Each way an attempt ends (succeeded, failed, retry later,
 * cancelled, released on shutdown), the attempt history it leaves, and fencing: a finish by
 * a worker that no longer holds the attempt changes nothing and is not reported as applied.
 */
import { describe, expect, it } from 'vitest';
import { type ContractContext, SHORT_LEASE_MS, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

const boom = { message: 'boom', name: 'Error', stack: 'Error: boom\n    at handler' };

export function jobsFinishCases(ctx: ContractContext): void {
  it('records a success: result, finish time, lease cleared, attempt appended', async () => {
    const [id] = await insert(ctx.store, job());
    const running = await claimOne(ctx.store);
    // A worker whose clock is an hour behind: the attempt's times are the store's, one clock.
    const workerClock = new Date(running.startedAt!.getTime() - 3_600_000);
    const logs = [{ at: new Date(running.startedAt!.getTime() + 10), message: 'halfway' }];
    const before = ctx.clock.now().getTime();
    const outcome = await ctx.store.jobFinishMany({ finishes: [finishOf(running, { result: { sent: 3 }, finishedAt: workerClock, logs })] });
    expect(outcome).toEqual({ applied: [id] });
    const done = await mustGet(ctx.store, id!);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 1, result: { sent: 3 }, lastError: null, lockedBy: 'worker-1', lockedUntil: null });
    expectNear(done.finishedAt, before);
    expect(done.attempts).toEqual([
      { attempt: 1, worker: 'worker-1', startedAt: running.startedAt, finishedAt: done.finishedAt, outcome: 'succeeded', result: { sent: 3 }, logs },
    ]);
  });

  it('records a terminal failure with its error', async () => {
    const [id] = await insert(ctx.store, job());
    const running = await claimOne(ctx.store);
    await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'failed', outcome: 'failed', error: boom })] });
    const failed = await mustGet(ctx.store, id!);
    expect(failed).toMatchObject({ state: 'failed', lastError: boom, result: null, lockedUntil: null });
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(failed.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'failed', error: boom, worker: 'worker-1' })]);
  });

  it('puts a retry back to pending at now + retryDelayMs, keeping the history', async () => {
    const [id] = await insert(ctx.store, job());
    const first = await claimOne(ctx.store);
    const before = ctx.clock.now().getTime();
    await ctx.store.jobFinishMany({ finishes: [finishOf(first, { state: 'pending', outcome: 'failed', error: boom, retryDelayMs: 60_000 })] });
    const waiting = await mustGet(ctx.store, id!);
    expect(waiting).toMatchObject({ state: 'pending', attempt: 1, lastError: boom, lockedUntil: null });
    expectNear(waiting.runAt, before + 60_000);
    expect(await ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 1000 })).toEqual([]);
  });

  it('runs a retry again once its delay passed, numbering attempts', async () => {
    const [id] = await insert(ctx.store, job());
    const first = await claimOne(ctx.store);
    await ctx.store.jobFinishMany({ finishes: [finishOf(first, { state: 'pending', outcome: 'timed_out', error: boom, retryDelayMs: SHORT_LEASE_MS })] });
    ctx.clock.advance(SHORT_LEASE_MS + 100);
    const second = await claimOne(ctx.store, { workerId: 'worker-2' });
    expect(second).toMatchObject({ id, attempt: 2, lockedBy: 'worker-2' });
    await ctx.store.jobFinishMany({ finishes: [finishOf(second, { result: 'ok' })] });
    const done = await mustGet(ctx.store, id!);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: 'ok', lastError: null });
    expect(done.attempts.map((a) => [a.attempt, a.worker, a.outcome])).toEqual([
      [1, 'worker-1', 'timed_out'],
      [2, 'worker-2', 'succeeded'],
    ]);
  });

  it('records a cancellation', async () => {
    const [id] = await insert(ctx.store, job());
    const running = await claimOne(ctx.store);
    await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'cancelled', outcome: 'cancelled' })] });
    const cancelled = await mustGet(ctx.store, id!);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    expect(cancelled.attempts.map((a) => a.outcome)).toEqual(['cancelled']);
  });

  it('gives the attempt back on release: pending, due now, nothing recorded', async () => {
    const [id] = await insert(ctx.store, job());
    const running = await claimOne(ctx.store);
    const before = ctx.clock.now().getTime();
    const outcome = await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'pending', outcome: 'released' })] });
    expect(outcome.applied).toEqual([id]);
    const released = await mustGet(ctx.store, id!);
    expect(released).toMatchObject({ state: 'pending', attempt: 0, attempts: [], lockedUntil: null });
    expectNear(released.runAt, before);
    expect(await claimOne(ctx.store)).toMatchObject({ id, attempt: 1 });
  });

  it('makes a release due at now + retryDelayMs when one is given', async () => {
    const [id] = await insert(ctx.store, job());
    const running = await claimOne(ctx.store);
    const before = ctx.clock.now().getTime();
    await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'pending', outcome: 'released', retryDelayMs: 60_000 })] });
    const released = await mustGet(ctx.store, id!);
    expect(released).toMatchObject({ state: 'pending', attempt: 0, attempts: [] });
    expectNear(released.runAt, before + 60_000);
    expect(await ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 1000 })).toEqual([]);
  });

  it('applies many finishes in one call', async () => {
    const ids = await insert(ctx.store, job(), job(), job());
    const claimed = await ctx.store.jobClaim({ workerId: 'worker-1', queues: ['default'], limit: 3, leaseMs: 60_000 });
    const { applied } = await ctx.store.jobFinishMany({ finishes: claimed.map((j) => finishOf(j)) });
    expect(applied.sort()).toEqual([...ids].sort());
    const { total } = await ctx.store.jobList({ filter: { state: 'succeeded' } });
    expect(total).toBe(3);
  });

  describe('fencing', () => {
    it('ignores finishes for another attempt, another worker or a finished job', async () => {
      const [id, otherId] = await insert(ctx.store, job(), job());
      const running = await claimOne(ctx.store);
      const stale = finishOf(running, { attempt: running.attempt - 1, state: 'failed', outcome: 'failed', error: boom });
      const foreign = finishOf(running, { workerId: 'worker-2', state: 'failed', outcome: 'failed', error: boom });
      const notRunning = finishOf(running, { id: otherId! });
      expect(await ctx.store.jobFinishMany({ finishes: [stale, foreign, notRunning] })).toEqual({ applied: [] });
      expect(await mustGet(ctx.store, id!)).toEqual(running);
      expect((await mustGet(ctx.store, otherId!)).state).toBe('pending');

      expect(await ctx.store.jobFinishMany({ finishes: [finishOf(running)] })).toEqual({ applied: [id] });
      const late = finishOf(running, { state: 'failed', outcome: 'failed', error: boom });
      expect(await ctx.store.jobFinishMany({ finishes: [late] })).toEqual({ applied: [] });
      const done = await mustGet(ctx.store, id!);
      expect(done.state).toBe('succeeded');
      expect(done.attempts).toHaveLength(1);
    });

    it('reports only the applied ids of a mixed batch', async () => {
      const [a, b] = await insert(ctx.store, job(), job());
      const first = await claimOne(ctx.store);
      const second = await claimOne(ctx.store);
      const { applied } = await ctx.store.jobFinishMany({
        finishes: [finishOf(first), finishOf(second, { workerId: 'intruder' }), { ...finishOf(second), id: '987654321' }],
      });
      expect(applied).toEqual([first.id]);
      expect([first.id, second.id].sort()).toEqual([a, b].sort());
      expect((await mustGet(ctx.store, second.id)).state).toBe('running');
    });
  });
}
