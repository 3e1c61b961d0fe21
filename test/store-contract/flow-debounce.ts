/**
 * Contract area: jobInsertMany with `debounce` and `concurrencyKey`. A burst of inserts with
 * one debounce key leaves one pending job with the last payload, due `forMs` after the last
 * insert; a job already running is never merged into; it holds within one batch and across
 * connections inserting at once. A job's `concurrencyKey` reads back on every read.
 */
import { describe, expect, it } from 'vitest';
import type { JobInsert } from '../../src/core/types.js';
import { type ContractContext, LONG_LEASE_MS, claimOne, expectNear, insert, job, mustGet } from './support.js';

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
