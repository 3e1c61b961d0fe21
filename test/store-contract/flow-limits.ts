/**
 * Contract area: the flow limits as stored data. queueLimitsSet, queueStats, queueFlow and
 * queuePauseFor round trips: what is set reads back exactly (the store keeps what the caller
 * checked, it does not judge it), a pause only ever grows and ends by the store's clock, and
 * the flow of a queue counts what its limits hold back.
 */
import { describe, expect, it } from 'vitest';
import { NO_LIMITS, type QueueLimits } from '../../src/core/flow.js';
import { type ContractContext, claimOne, expectNear, insert, job } from './support.js';

const EVERY_LIMIT: QueueLimits = {
  concurrency: 3,
  rate: { limit: 100, periodMs: 60_000, burst: 5 },
  keyConcurrency: 2,
  keyRate: { limit: 7, periodMs: 1_000, burst: 1 },
  fair: true,
};

const ZERO_COUNTS = { paused: false, pending: 0, due: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, delayed: 0, succeededLastHour: 0, failedLastHour: 0, oldestDueAgeMs: null };

export function flowLimitsCases(ctx: ContractContext): void {
  describe('queueLimitsSet and queueStats', () => {
    it('keeps every limit as given, for a queue without jobs too, and clears them with NO_LIMITS', async () => {
      await ctx.store.queueLimitsSet({ queue: 'mail', limits: EVERY_LIMIT });
      expect(await ctx.store.queueStats()).toEqual([{ queue: 'mail', ...ZERO_COUNTS, limits: EVERY_LIMIT, pausedUntil: null }]);
      const fairOnly = { ...NO_LIMITS, fair: true };
      await ctx.store.queueLimitsSet({ queue: 'mail', limits: fairOnly });
      expect((await ctx.store.queueStats()).find((s) => s.queue === 'mail')?.limits).toEqual(fairOnly);
      await ctx.store.queueLimitsSet({ queue: 'mail', limits: NO_LIMITS });
      expect((await ctx.store.queueStats()).find((s) => s.queue === 'mail')?.limits ?? NO_LIMITS).toEqual(NO_LIMITS);
    });

    it('shows NO_LIMITS and no pause for a queue that only has jobs', async () => {
      await insert(ctx.store, job({ queue: 'plain' }));
      const [stats] = await ctx.store.queueStats();
      expect(stats).toMatchObject({ queue: 'plain', pending: 1, limits: NO_LIMITS, pausedUntil: null });
    });

    it('keeps the limits of one queue apart from another’s, and the paused flag apart from limits', async () => {
      await ctx.store.queueLimitsSet({ queue: 'a', limits: { ...NO_LIMITS, concurrency: 1 } });
      await ctx.store.queueLimitsSet({ queue: 'b', limits: { ...NO_LIMITS, rate: { limit: 5, periodMs: 10_000, burst: 2 } } });
      await ctx.store.queueSetPaused({ queue: 'a', paused: true });
      await ctx.store.queueSetPaused({ queue: 'a', paused: false });
      const stats = (await ctx.store.queueStats()).sort((x, y) => x.queue.localeCompare(y.queue));
      expect(stats.map((s) => [s.queue, s.paused, s.limits])).toEqual([
        ['a', false, { ...NO_LIMITS, concurrency: 1 }],
        ['b', false, { ...NO_LIMITS, rate: { limit: 5, periodMs: 10_000, burst: 2 } }],
      ]);
    });
  });

  describe('queuePauseFor', () => {
    it('pauses until ms from now; a shorter pause never shortens it, a longer one extends it', async () => {
      const pausedUntil = async () => (await ctx.store.queueStats()).find((s) => s.queue === 'mail')?.pausedUntil;
      await ctx.store.queuePauseFor({ queue: 'mail', ms: 30_000 });
      const first = ctx.clock.now().getTime() + 30_000;
      expectNear(await pausedUntil(), first);
      await ctx.store.queuePauseFor({ queue: 'mail', ms: 10_000 });
      expectNear(await pausedUntil(), first);
      await ctx.store.queuePauseFor({ queue: 'mail', ms: 60_000 });
      expectNear(await pausedUntil(), ctx.clock.now().getTime() + 60_000);
      expectNear((await ctx.store.queueFlow({ queue: 'mail' }))?.pausedUntil, ctx.clock.now().getTime() + 60_000);
    });

    it('shows no pause once it is over, by the store’s clock', async () => {
      await insert(ctx.store, job({ queue: 'mail' }));
      await ctx.store.queuePauseFor({ queue: 'mail', ms: 5_000 });
      ctx.clock.advance(6_000);
      expect((await ctx.store.queueStats()).find((s) => s.queue === 'mail')?.pausedUntil).toBeNull();
      expect((await ctx.store.queueFlow({ queue: 'mail' }))?.pausedUntil).toBeNull();
    });
  });

  describe('queueFlow', () => {
    it('is null for a queue with neither jobs nor a row', async () => {
      await insert(ctx.store, job({ queue: 'other' }));
      expect(await ctx.store.queueFlow({ queue: 'nowhere' })).toBeNull();
    });

    it('reports an unlimited queue’s running and due jobs, nothing held back', async () => {
      await insert(ctx.store, job({ queue: 'q' }), job({ queue: 'q' }), job({ queue: 'q' }), job({ queue: 'q', delayMs: 60_000 }));
      await claimOne(ctx.store, { queues: ['q'] });
      expect(await ctx.store.queueFlow({ queue: 'q' })).toEqual({
        queue: 'q',
        limits: NO_LIMITS,
        pausedUntil: null,
        running: 1,
        due: 2,
        nextStartAt: null,
        busiestKeys: [],
        key: null,
        keyNextStartAt: null,
      });
    });

    it('lists the busiest keys, most pending first, ties by key, with their running jobs', async () => {
      await ctx.store.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, fair: true } });
      const keyed = (key: string | null, count: number) => Array.from({ length: count }, () => job({ queue: 'q', concurrencyKey: key }));
      await insert(ctx.store, ...keyed('b', 3), ...keyed('a', 3), ...keyed('c', 4), ...keyed('d', 1), ...keyed(null, 9));
      // One pass of turns takes one job of each key and one without a key.
      const claimed = await ctx.store.jobClaim({ workerId: 'w', queues: ['q'], limit: 5, leaseMs: 60_000 });
      expect(claimed.map((j) => j.concurrencyKey).sort()).toEqual(['a', 'b', 'c', 'd', null].sort());
      const flow = await ctx.store.queueFlow({ queue: 'q', busiestKeys: 3, key: 'b' });
      expect(flow).toMatchObject({ running: 5, due: 15, busiestKeys: [
        { key: 'c', running: 1, pending: 3 },
        { key: 'a', running: 1, pending: 2 },
        { key: 'b', running: 1, pending: 2 },
      ], key: { key: 'b', running: 1, pending: 2 }, keyNextStartAt: null });
      expect((await ctx.store.queueFlow({ queue: 'q', key: 'nobody' }))?.key).toEqual({ key: 'nobody', running: 0, pending: 0 });
    });

    it('tells when the queue’s rate and a key’s rate allow the next start', async () => {
      const limits = { ...NO_LIMITS, rate: { limit: 10, periodMs: 60_000, burst: 3 }, keyRate: { limit: 1, periodMs: 30_000, burst: 1 } };
      await ctx.store.queueLimitsSet({ queue: 'q', limits });
      await insert(ctx.store, ...['a', 'b', 'c', 'a'].map((key) => job({ queue: 'q', concurrencyKey: key })));
      expect(await ctx.store.queueFlow({ queue: 'q', key: 'a' })).toMatchObject({ nextStartAt: null, keyNextStartAt: null });
      const claimed = await ctx.store.jobClaim({ workerId: 'w', queues: ['q'], limit: 10, leaseMs: 60_000 });
      const now = ctx.clock.now().getTime();
      expect(claimed.map((j) => j.concurrencyKey).sort()).toEqual(['a', 'b', 'c']);
      const flow = await ctx.store.queueFlow({ queue: 'q', key: 'a' });
      // 3 starts, each 6 s of the rate's schedule, of which a burst of 3 may run at once: 6 s.
      expectNear(flow?.nextStartAt, now + 6_000);
      expectNear(flow?.keyNextStartAt, now + 30_000);
      ctx.clock.advance(31_000);
      expect(await ctx.store.queueFlow({ queue: 'q', key: 'a' })).toMatchObject({ nextStartAt: null, keyNextStartAt: null });
    });
  });
}
