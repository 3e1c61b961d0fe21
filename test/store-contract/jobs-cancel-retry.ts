/**
 * Contract area: jobCancel, jobRetry and jobDeleteMany, the operator's actions on jobs.
 */
import { describe, expect, it } from 'vitest';
import { type ContractContext, LONG_LEASE_MS, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

export function jobsCancelRetryCases(ctx: ContractContext): void {
  describe('jobCancel', () => {
    it('cancels a pending job at once, so it is never claimed', async () => {
      const [id] = await insert(ctx.store, job());
      expect(await ctx.store.jobCancel({ id: id! })).toEqual({ state: 'cancelled', cancelRequested: false });
      const cancelled = await mustGet(ctx.store, id!);
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.finishedAt).toBeInstanceOf(Date);
      expect(await ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: LONG_LEASE_MS })).toEqual([]);
    });

    it('asks the worker of a running job to stop, leaving it running', async () => {
      const [id] = await insert(ctx.store, job());
      const running = await claimOne(ctx.store);
      expect(await ctx.store.jobCancel({ id: id! })).toEqual({ state: 'running', cancelRequested: true });
      expect(await mustGet(ctx.store, id!)).toMatchObject({ state: 'running', cancelRequested: true });
      await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'cancelled', outcome: 'cancelled' })] });
      expect((await mustGet(ctx.store, id!)).state).toBe('cancelled');
    });

    it('leaves a finished job as it is', async () => {
      const [id] = await insert(ctx.store, job());
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store))] });
      expect(await ctx.store.jobCancel({ id: id! })).toEqual({ state: 'succeeded', cancelRequested: false });
      expect((await mustGet(ctx.store, id!)).state).toBe('succeeded');
    });

    it('returns null for a job that does not exist', async () => {
      expect(await ctx.store.jobCancel({ id: '987654321' })).toBeNull();
    });
  });

  describe('jobRetry', () => {
    it('puts a failed job back to pending, due now, with one more attempt allowed', async () => {
      const [id] = await insert(ctx.store, job({ maxAttempts: 1 }));
      const running = await claimOne(ctx.store);
      await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'failed', outcome: 'failed', error: { message: 'boom' } })] });
      const { finishedAt } = await mustGet(ctx.store, id!);
      const before = Date.now();
      expect(await ctx.store.jobRetry({ id: id! })).toEqual({ retried: true, state: 'pending' });
      const pending = await mustGet(ctx.store, id!);
      // finishedAt stays when its latest attempt ended: a retry starts none.
      expect(pending).toMatchObject({ state: 'pending', attempt: 1, maxAttempts: 2, finishedAt });
      expect(pending.attempts.map((a) => a.outcome)).toEqual(['failed']);
      expectNear(pending.runAt, before);
      expect(await claimOne(ctx.store)).toMatchObject({ id, attempt: 2 });
    });

    it('keeps a higher maxAttempts and retries a cancelled job', async () => {
      const [id] = await insert(ctx.store, job({ maxAttempts: 5 }));
      await ctx.store.jobCancel({ id: id! });
      expect(await ctx.store.jobRetry({ id: id! })).toEqual({ retried: true, state: 'pending' });
      expect(await mustGet(ctx.store, id!)).toMatchObject({ state: 'pending', maxAttempts: 5, cancelRequested: false });
    });

    it('refuses jobs that are pending, running or succeeded', async () => {
      const [pending, running, succeeded] = await insert(ctx.store, job({ queue: 'a' }), job(), job({ queue: 'b' }));
      await claimOne(ctx.store);
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store, { queues: ['b'] }))] });
      expect(await ctx.store.jobRetry({ id: pending! })).toEqual({ retried: false, state: 'pending' });
      expect(await ctx.store.jobRetry({ id: running! })).toEqual({ retried: false, state: 'running' });
      expect(await ctx.store.jobRetry({ id: succeeded! })).toEqual({ retried: false, state: 'succeeded' });
    });

    it('returns null for a job that does not exist', async () => {
      expect(await ctx.store.jobRetry({ id: '987654321' })).toBeNull();
    });
  });

  describe('jobDeleteMany', () => {
    it("deletes a queue's pending jobs only, unless told which states", async () => {
      const [running] = await insert(ctx.store, job());
      await claimOne(ctx.store);
      const [, , cancelled, kept] = await insert(ctx.store, job(), job(), job(), job({ queue: 'keep' }));
      await ctx.store.jobCancel({ id: cancelled! });
      expect(await ctx.store.jobDeleteMany({ queue: 'default' })).toBe(2);
      const left = await ctx.store.jobList({});
      expect(left.jobs.map((j) => j.id)).toEqual([kept, cancelled, running]);
      expect(await ctx.store.jobDeleteMany({ queue: 'default', states: ['cancelled'] })).toBe(1);
      expect((await ctx.store.jobList({})).jobs.map((j) => j.id)).toEqual([kept, running]);
    });
  });
}
