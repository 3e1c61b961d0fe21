/**
 * Contract area: jobInsertMany with `debounce` and `concurrencyKey`. A burst of inserts with
 * one debounce key leaves one pending job with the last payload, due `forMs` after the last
 * insert; a job already running is never merged into; it holds within one batch and across
 * connections inserting at once. A key belongs to its task. A claimed job drops its key, so
 * it may go back to pending (a retry, a rescue, jobRetry) beside a newer job of its key. A
 * job's `concurrencyKey` reads back on every read.
 */
import { describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../../src/core/flow.js';
import type { JobInsert, JobRecord } from '../../src/core/types.js';
import { type ContractContext, LONG_LEASE_MS, SHORT_LEASE_MS, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

/** A job debounced by `key` for 5 s, carrying `n`. */
function debounced(n: number, key = 'k', overrides: Partial<JobInsert> = {}): JobInsert {
  return job({ queue: 'q', payload: { n }, debounce: { key, forMs: 5_000 }, ...overrides });
}

export function flowDebounceCases(ctx: ContractContext): void {
  const pending = async () => (await ctx.store.jobList({ filter: { queue: 'q', state: 'pending' } })).jobs;

  describe('debounce', () => {
    it('inserts a job due forMs from now, ignoring runAt and delayMs', async () => {
      const [result] = await ctx.store.jobInsertMany({ jobs: [debounced(1, 'k', { runAt: new Date(0), delayMs: 999_999 })] });
      expect(result?.created).toBe(true);
      expectNear((await mustGet(ctx.store, result!.id)).runAt, ctx.clock.now().getTime() + 5_000);
      expect(await ctx.store.jobClaim({ workerId: 'w', queues: ['q'], limit: 5, leaseMs: LONG_LEASE_MS })).toEqual([]);
    });

    it('keeps one pending job with the last payload, trace id and key, and pushes its runAt', async () => {
      const [first] = await ctx.store.jobInsertMany({ jobs: [debounced(1, 'k', { traceId: 't1', concurrencyKey: 'c1' })] });
      ctx.clock.advance(3_000);
      const [second] = await ctx.store.jobInsertMany({ jobs: [debounced(2, 'k', { traceId: 't2', concurrencyKey: 'c2' })] });
      expect(second).toEqual({ id: first!.id, created: false });
      const [only, ...others] = await pending();
      expect(others).toEqual([]);
      expect(only).toMatchObject({ id: first!.id, payload: { n: 2 }, traceId: 't2', concurrencyKey: 'c2' });
      expectNear(only!.runAt, ctx.clock.now().getTime() + 5_000);
      ctx.clock.advance(3_000);
      expect(await ctx.store.jobClaim({ workerId: 'w', queues: ['q'], limit: 5, leaseMs: LONG_LEASE_MS })).toEqual([]);
      ctx.clock.advance(2_500);
      expect(await claimOne(ctx.store, { queues: ['q'] })).toMatchObject({ id: first!.id, payload: { n: 2 } });
    });

    it('keeps jobs of different debounce keys apart', async () => {
      const results = await ctx.store.jobInsertMany({ jobs: [debounced(1, 'x'), debounced(2, 'y')] });
      expect(results.map((r) => r.created)).toEqual([true, true]);
      expect(new Set(results.map((r) => r.id)).size).toBe(2);
    });

    it('never merges into a running job: the next insert makes a new one', async () => {
      const [first] = await ctx.store.jobInsertMany({ jobs: [debounced(1)] });
      ctx.clock.advance(6_000);
      expect((await claimOne(ctx.store, { queues: ['q'] })).id).toBe(first!.id);
      const [next] = await ctx.store.jobInsertMany({ jobs: [debounced(2)] });
      expect(next?.created).toBe(true);
      expect(next?.id).not.toBe(first!.id);
      expect((await mustGet(ctx.store, first!.id)).payload).toEqual({ n: 1 });
      expect((await pending()).map((j) => j.id)).toEqual([next!.id]);
    });

    it('keeps a key to its task: two tasks with one key make two jobs, each with its own last payload', async () => {
      const [a1] = await ctx.store.jobInsertMany({ jobs: [debounced(1, 'k', { task: 'a' })] });
      const [b1] = await ctx.store.jobInsertMany({ jobs: [debounced(2, 'k', { task: 'b' })] });
      expect(b1?.created).toBe(true);
      expect(b1?.id).not.toBe(a1!.id);
      const again = await ctx.store.jobInsertMany({ jobs: [debounced(3, 'k', { task: 'a' }), debounced(4, 'k', { task: 'b' }), debounced(5, 'k', { task: 'b' })] });
      expect(again).toEqual([{ id: a1!.id, created: false }, { id: b1!.id, created: false }, { id: b1!.id, created: false }]);
      const byTask = Object.fromEntries((await pending()).map((j) => [j.task, j.payload]));
      expect(byTask).toEqual({ a: { n: 3 }, b: { n: 5 } });
    });

    it.each([
      ['the plain claim', null],
      ['the keyed limited claim', 100],
    ])('lets a job taken by %s go back to pending beside a newer job of its key (retry, rescue, jobRetry); the next insert merges into one', async (_, concurrency) => {
      if (concurrency !== null) await ctx.store.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, concurrency, fair: true } });
      const claimDue = async (): Promise<JobRecord> => {
        ctx.clock.advance(6_000);
        return claimOne(ctx.store, { queues: ['q'] });
      };
      const [first] = await ctx.store.jobInsertMany({ jobs: [debounced(1)] });
      const retried = await claimDue();
      expect(retried.id).toBe(first!.id);
      // A new pending job of the key, then the running one fails with a retry: both pending.
      const [second] = await ctx.store.jobInsertMany({ jobs: [debounced(2)] });
      expect(second?.created).toBe(true);
      const boom = { name: 'Error', message: 'boom' };
      const { applied } = await ctx.store.jobFinishMany({ finishes: [finishOf(retried, { state: 'pending', outcome: 'failed', error: boom, retryDelayMs: 60_000 })] });
      expect(applied).toEqual([first!.id]);
      expect((await mustGet(ctx.store, first!.id)).state).toBe('pending');
      // The newer one's lease runs out beside another pending job of the key: rescued.
      const rescuedJob = await claimDue();
      expect(rescuedJob.id).toBe(second!.id);
      await ctx.store.jobInsertMany({ jobs: [debounced(3)] });
      ctx.clock.advance(1_000);
      await ctx.store.jobHeartbeat({ workerId: rescuedJob.lockedBy!, jobs: [{ id: rescuedJob.id, attempt: rescuedJob.attempt }], leaseMs: SHORT_LEASE_MS });
      ctx.clock.advance(SHORT_LEASE_MS + 1_000);
      expect((await ctx.store.jobRescueExpired()).rescued).toEqual([second!.id]);
      // A failed one retried by hand beside a pending one of the key.
      const [third] = await ctx.store.jobInsertMany({ jobs: [debounced(4)] });
      ctx.clock.advance(6_000);
      const failing = (await ctx.store.jobClaim({ workerId: 'w', queues: ['q'], limit: 10, leaseMs: LONG_LEASE_MS })).find((j) => j.id === third!.id);
      expect(failing).toBeDefined();
      await ctx.store.jobFinishMany({ finishes: [finishOf(failing!, { state: 'failed', outcome: 'failed', error: boom })] });
      await ctx.store.jobInsertMany({ jobs: [debounced(5)] });
      expect(await ctx.store.jobRetry({ id: third!.id })).toMatchObject({ retried: true, state: 'pending' });
      // Every job that went back to pending is keyless now: the next insert of the key moves
      // the one pending job of the key, and makes no other.
      const before = (await pending()).map((j) => j.id);
      const [last] = await ctx.store.jobInsertMany({ jobs: [debounced(6)] });
      expect(last?.created).toBe(false);
      const after = await pending();
      expect(after.map((j) => j.id).sort()).toEqual(before.sort());
      expect(after.filter((j) => (j.payload as { n: number }).n === 6).map((j) => j.id)).toEqual([last!.id]);
    });

    it('makes one job of several with one key in a batch: the last one wins', async () => {
      const results = await ctx.store.jobInsertMany({ jobs: [debounced(1), job({ queue: 'q', task: 'plain' }), debounced(2), debounced(3)] });
      expect(results.map((r) => r.created)).toEqual([true, true, false, false]);
      expect(results[2]!.id).toBe(results[0]!.id);
      expect(results[3]!.id).toBe(results[0]!.id);
      expect((await mustGet(ctx.store, results[0]!.id)).payload).toEqual({ n: 3 });
      expect(await pending()).toHaveLength(2);
    });

    it('keeps one pending job when connections insert the same key at once', async () => {
      const stores = await ctx.openShared(3);
      const rounds = await Promise.all(stores.map(async (store, s) => {
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) ids.push(...(await store.jobInsertMany({ jobs: [debounced(s * 100 + i)] })).map((r) => r.id));
        return ids;
      }));
      const ids = new Set(rounds.flat());
      expect(ids.size).toBe(1);
      const { jobs, total } = await stores[0]!.jobList({ filter: { queue: 'q' } });
      expect(total).toBe(1);
      expect([9, 109, 209]).toContain((jobs[0]!.payload as { n: number }).n);
    });
  });

  describe('concurrencyKey', () => {
    it('reads back on insert, get, list and claim; null when absent', async () => {
      const [keyed, plain] = await insert(ctx.store, job({ concurrencyKey: 'customer-7' }), job());
      expect((await mustGet(ctx.store, keyed!)).concurrencyKey).toBe('customer-7');
      expect((await mustGet(ctx.store, plain!)).concurrencyKey).toBeNull();
      const { jobs } = await ctx.store.jobList({});
      expect(jobs.map((j) => [j.id, j.concurrencyKey]).sort()).toEqual([[keyed, 'customer-7'], [plain, null]].sort());
      const claimed = await ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit: 2, leaseMs: LONG_LEASE_MS });
      expect(claimed.map((j) => j.concurrencyKey).sort()).toEqual(['customer-7', null].sort());
    });
  });
}
