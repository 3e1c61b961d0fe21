/**
 * Contract area: jobClaim on a queue with limits, without keys: concurrency (one count for
 * every connection), the smooth rate with its burst (by the store's clock), a pause for a
 * rate limit, limited queues first in a claim of several, and a queue going back to the
 * plain claim once its limits are cleared.
 */
import { describe, expect, it } from 'vitest';
import { NO_LIMITS, type QueueLimits } from '../../src/core/flow.js';
import type { JobRecord } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { type ContractContext, LONG_LEASE_MS, finishOf, insert, job } from './support.js';

/** Claims up to `limit` jobs of `queues` for `workerId`. */
function claim(store: Store, limit: number, queues = ['q'], workerId = 'w'): Promise<JobRecord[]> {
  return store.jobClaim({ workerId, queues, limit, leaseMs: LONG_LEASE_MS });
}

function jobs(count: number, queue = 'q'): ReturnType<typeof job>[] {
  return Array.from({ length: count }, (_, i) => job({ queue, payload: { i } }));
}

async function finishAll(store: Store, running: readonly JobRecord[]): Promise<void> {
  if (running.length > 0) await store.jobFinishMany({ finishes: running.map((j) => finishOf(j)) });
}

export function flowClaimCases(ctx: ContractContext): void {
  const limit = (limits: Partial<QueueLimits>, queue = 'q') => ctx.store.queueLimitsSet({ queue, limits: { ...NO_LIMITS, ...limits } });

  describe('concurrency', () => {
    it('never runs more than the limit; a finish frees a slot', async () => {
      await insert(ctx.store, ...jobs(5));
      await limit({ concurrency: 2 });
      const first = await claim(ctx.store, 10);
      expect(first).toHaveLength(2);
      expect(await claim(ctx.store, 10)).toEqual([]);
      await finishAll(ctx.store, first.slice(0, 1));
      expect(await claim(ctx.store, 10)).toHaveLength(1);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });

    it('claims in the usual order and leaves jobs that are not due', async () => {
      const now = Date.now();
      await insert(ctx.store, job({ queue: 'q', task: 'late', priority: 1 }), job({ queue: 'q', task: 'delayed', priority: -9, delayMs: 60_000 }));
      await insert(ctx.store, job({ queue: 'q', task: 'first', priority: -1 }), job({ queue: 'q', task: 'early', priority: 1, runAt: new Date(now - 5_000) }));
      await limit({ concurrency: 3 });
      expect((await claim(ctx.store, 10)).map((j) => j.task)).toEqual(['first', 'early', 'late']);
    });

    it('counts a retry waiting as not running, and a failed job as gone', async () => {
      await insert(ctx.store, ...jobs(4));
      await limit({ concurrency: 2 });
      const [a, b] = await claim(ctx.store, 10);
      await ctx.store.jobFinishMany({ finishes: [finishOf(a!, { state: 'pending', outcome: 'failed', retryDelayMs: 60_000, error: { message: 'x' } })] });
      await ctx.store.jobFinishMany({ finishes: [finishOf(b!, { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
      expect(await claim(ctx.store, 10)).toHaveLength(2);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });

    it('holds across connections claiming at the same time, round after round', async () => {
      const stores = await ctx.openShared(2);
      await insert(stores[0]!, ...jobs(60));
      await stores[0]!.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, concurrency: 3 } });
      let left = 60;
      for (let round = 0; left > 0; round++) {
        const claimed = (await Promise.all(stores.map((s, n) => claim(s, 5, ['q'], `w${n}`)))).flat();
        expect(claimed, `round ${round}`).toHaveLength(Math.min(3, left));
        expect(new Set(claimed.map((j) => j.id)).size).toBe(claimed.length);
        expect((await stores[1]!.queueFlow({ queue: 'q' }))?.running).toBe(claimed.length);
        left -= claimed.length;
        await finishAll(stores[0]!, claimed);
      }
    });

    it('frees the slot of a job whose worker died once its lease is rescued', async () => {
      await insert(ctx.store, ...jobs(2));
      await limit({ concurrency: 1 });
      const [lost] = await ctx.store.jobClaim({ workerId: 'w-dead', queues: ['q'], limit: 5, leaseMs: 150 });
      expect(await claim(ctx.store, 5)).toEqual([]);
      ctx.clock.advance(250);
      expect((await ctx.store.jobRescueExpired()).rescued).toEqual([lost!.id]);
      expect(await claim(ctx.store, 5)).toHaveLength(1);
      expect(await claim(ctx.store, 5)).toEqual([]);
    });
  });

  describe('rate', () => {
    it('starts a burst at once, then one per interval by the store’s clock', async () => {
      await insert(ctx.store, ...jobs(10));
      await limit({ rate: { limit: 10, periodMs: 60_000, burst: 3 } });
      expect(await claim(ctx.store, 10)).toHaveLength(3);
      expect(await claim(ctx.store, 10)).toEqual([]);
      ctx.clock.advance(6_000);
      expect(await claim(ctx.store, 10)).toHaveLength(1);
      expect(await claim(ctx.store, 10)).toEqual([]);
      // A quiet spell allows no more than the burst.
      ctx.clock.advance(600_000);
      expect(await claim(ctx.store, 10)).toHaveLength(3);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });

    it('holds across connections claiming at the same time', async () => {
      const stores = await ctx.openShared(2);
      await insert(stores[0]!, ...jobs(40));
      await stores[0]!.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, rate: { limit: 5, periodMs: 60_000, burst: 4 } } });
      for (let round = 0; round < 5; round++) {
        const claimed = (await Promise.all(stores.map((s, n) => claim(s, 3, ['q'], `w${n}`)))).flat();
        expect(claimed, `round ${round}`).toHaveLength(round === 0 ? 4 : 0);
      }
      ctx.clock.advance(12_000);
      const [a, b] = await Promise.all(stores.map((s, n) => claim(s, 3, ['q'], `w${n}`)));
      expect(a!.length + b!.length).toBe(1);
    });

    it('keeps the rate’s state when the limits are set again', async () => {
      await insert(ctx.store, ...jobs(5));
      const rate = { limit: 1, periodMs: 60_000, burst: 1 };
      await limit({ rate });
      expect(await claim(ctx.store, 5)).toHaveLength(1);
      await limit({ rate, concurrency: 10 });
      expect(await claim(ctx.store, 5)).toEqual([]);
    });

    it('combines with concurrency: the tighter one holds', async () => {
      await insert(ctx.store, ...jobs(10));
      await limit({ concurrency: 2, rate: { limit: 100, periodMs: 1_000, burst: 50 } });
      expect(await claim(ctx.store, 10)).toHaveLength(2);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });
  });

  describe('a pause for a rate limit', () => {
    it('starts none of the queue’s jobs until it ends, while other queues go on', async () => {
      await insert(ctx.store, ...jobs(3), ...jobs(2, 'other'));
      await ctx.store.queuePauseFor({ queue: 'q', ms: 10_000 });
      expect((await claim(ctx.store, 10, ['q', 'other'])).map((j) => j.queue)).toEqual(['other', 'other']);
      ctx.clock.advance(9_000);
      expect(await claim(ctx.store, 10)).toEqual([]);
      ctx.clock.advance(2_000);
      // Over, with no limit set: the queue is claimed freely again.
      expect(await claim(ctx.store, 10)).toHaveLength(3);
      expect((await ctx.store.queueStats()).find((s) => s.queue === 'q')).toMatchObject({ pausedUntil: null, limits: NO_LIMITS });
    });

    it('keeps the queue’s limits through the pause', async () => {
      await insert(ctx.store, ...jobs(5));
      await limit({ concurrency: 2 });
      await ctx.store.queuePauseFor({ queue: 'q', ms: 1_000 });
      expect(await claim(ctx.store, 10)).toEqual([]);
      ctx.clock.advance(1_500);
      expect(await claim(ctx.store, 10)).toHaveLength(2);
    });
  });

  describe('limited and unlimited queues in one claim', () => {
    it('claims the limited queues first, then the unlimited ones with what is left', async () => {
      await insert(ctx.store, ...jobs(5, 'plain'), ...jobs(5, 'limited'));
      await limit({ concurrency: 2 }, 'limited');
      const claimed = await claim(ctx.store, 5, ['plain', 'limited']);
      expect(claimed.map((j) => j.queue).sort()).toEqual(['limited', 'limited', 'plain', 'plain', 'plain']);
    });

    it('claims a queue freely again once its limits are cleared', async () => {
      await insert(ctx.store, ...jobs(6));
      await limit({ concurrency: 1 });
      expect(await claim(ctx.store, 10)).toHaveLength(1);
      await ctx.store.queueLimitsSet({ queue: 'q', limits: NO_LIMITS });
      expect(await claim(ctx.store, 10)).toHaveLength(5);
    });

    it('never over-claims a queue that got a limit while it had running jobs', async () => {
      await insert(ctx.store, ...jobs(6));
      expect(await claim(ctx.store, 3)).toHaveLength(3);
      await limit({ concurrency: 2 });
      expect(await claim(ctx.store, 10)).toEqual([]);
    });
  });
}
