/**
 * Contract area: queueStats (counts per state, due and delayed jobs, the last hour's
 * finishes, the oldest due job's wait), queueSetPaused and jobNextDueIn.
 */
import { describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../../src/core/flow.js';
import { CLOCK_SLACK_MS, type ContractContext, claimOne, finishOf, insert, job } from './support.js';

export function queuesCases(ctx: ContractContext): void {
  describe('queueStats', () => {
    it('counts jobs per queue and state, due ones apart, with paused flags', async () => {
      const mail = (overrides = {}) => job({ queue: 'mail', ...overrides });
      await insert(ctx.store, mail(), mail(), mail(), mail(), mail(), mail({ delayMs: 60_000 }), job({ queue: 'reports' }));
      const claim = () => claimOne(ctx.store, { queues: ['mail'] });
      await claim();
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claim())] });
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claim(), { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
      const [toCancel] = await insert(ctx.store, mail());
      await ctx.store.jobCancel({ id: toCancel! });
      await ctx.store.queueSetPaused({ queue: 'idle', paused: true });
      await ctx.store.queueSetPaused({ queue: 'reports', paused: true });

      const stats = (await ctx.store.queueStats()).sort((a, b) => a.queue.localeCompare(b.queue));
      const zero = { pending: 0, due: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, delayed: 0, succeededLastHour: 0, failedLastHour: 0 };
      const unlimited = { limits: NO_LIMITS, pausedUntil: null };
      const waited = expect.any(Number);
      expect(stats).toEqual([
        { queue: 'idle', paused: true, ...zero, oldestDueAgeMs: null, ...unlimited },
        {
          queue: 'mail',
          paused: false,
          ...{ pending: 3, due: 2, running: 1, succeeded: 1, failed: 1, cancelled: 1 },
          ...{ delayed: 1, succeededLastHour: 1, failedLastHour: 1, oldestDueAgeMs: waited },
          ...unlimited,
        },
        { queue: 'reports', paused: true, ...zero, pending: 1, due: 1, oldestDueAgeMs: waited, ...unlimited },
      ]);
    });

    it('tells due from delayed jobs, and how long the oldest due job has waited', async () => {
      const stats = async () => (await ctx.store.queueStats()).find((s) => s.queue === 'mail')!;
      await insert(ctx.store, job({ queue: 'mail', delayMs: 60_000 }), job({ queue: 'mail', delayMs: 120_000 }));
      expect(await stats()).toMatchObject({ pending: 2, due: 0, delayed: 2, oldestDueAgeMs: null });
      await insert(ctx.store, job({ queue: 'mail' }));
      ctx.clock.advance(5_000);
      const first = await stats();
      expect(first).toMatchObject({ pending: 3, due: 1, delayed: 2 });
      expect(first.oldestDueAgeMs).toBeGreaterThanOrEqual(5_000);
      expect(first.oldestDueAgeMs).toBeLessThan(5_000 + CLOCK_SLACK_MS);
      ctx.clock.advance(60_000);
      const later = await stats();
      expect(later).toMatchObject({ pending: 3, due: 2, delayed: 1 });
      expect(later.oldestDueAgeMs).toBeGreaterThanOrEqual(65_000);
      expect(later.oldestDueAgeMs).toBeLessThan(65_000 + CLOCK_SLACK_MS);
      await ctx.store.jobDeleteMany({ queue: 'mail' });
      expect(await ctx.store.queueStats()).toEqual([]);
    });

    it('counts the last hour’s successes and failures by finish time; a retry waiting is neither', async () => {
      const stats = async () => (await ctx.store.queueStats()).find((s) => s.queue === 'work')!;
      await insert(ctx.store, ...Array.from({ length: 4 }, () => job({ queue: 'work' })));
      const claim = () => claimOne(ctx.store, { queues: ['work'] });
      const boom = { error: { message: 'boom' } };
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claim())] });
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claim(), { state: 'failed', outcome: 'failed', ...boom })] });
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claim(), { state: 'pending', outcome: 'failed', retryDelayMs: 7_200_000, ...boom })] });
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claim(), { state: 'cancelled', outcome: 'cancelled' })] });
      const totals = { pending: 1, due: 0, delayed: 1, running: 0, succeeded: 1, failed: 1, cancelled: 1 };
      expect(await stats()).toMatchObject({ ...totals, succeededLastHour: 1, failedLastHour: 1 });
      ctx.clock.advance(3_600_000 - 2 * CLOCK_SLACK_MS);
      expect(await stats()).toMatchObject({ ...totals, succeededLastHour: 1, failedLastHour: 1 });
      ctx.clock.advance(3 * CLOCK_SLACK_MS);
      expect(await stats()).toMatchObject({ ...totals, succeededLastHour: 0, failedLastHour: 0 });
    });

    it('shows a resumed queue as not paused', async () => {
      await insert(ctx.store, job({ queue: 'mail' }));
      await ctx.store.queueSetPaused({ queue: 'mail', paused: true });
      await ctx.store.queueSetPaused({ queue: 'mail', paused: false });
      const stats = await ctx.store.queueStats();
      expect(stats.find((s) => s.queue === 'mail')).toMatchObject({ paused: false, pending: 1 });
    });
  });

  describe('jobNextDueIn', () => {
    it('is null without pending jobs on the queues asked about', async () => {
      await insert(ctx.store, job({ queue: 'elsewhere' }));
      expect(await ctx.store.jobNextDueIn({ queues: ['default'] })).toBeNull();
    });

    it('is 0 when a job is due, else the time until the earliest one', async () => {
      await insert(ctx.store, job({ delayMs: 60_000 }), job({ delayMs: 30_000 }), job({ queue: 'now' }));
      const wait = await ctx.store.jobNextDueIn({ queues: ['default'] });
      expect(wait).toBeGreaterThan(30_000 - CLOCK_SLACK_MS);
      expect(wait).toBeLessThanOrEqual(30_000 + CLOCK_SLACK_MS);
      expect(await ctx.store.jobNextDueIn({ queues: ['default', 'now'] })).toBe(0);
    });

    it('takes the earliest over several queues, leaving out paused queues and jobs not pending', async () => {
      await insert(ctx.store, job({ queue: 'a', delayMs: 50_000 }), job({ queue: 'b', delayMs: 20_000 }), job({ queue: 'c', delayMs: 5_000 }));
      await insert(ctx.store, job({ queue: 'a', delayMs: 40_000 }), job({ queue: 'b', priority: -5, delayMs: 30_000 }), job({ queue: 'd' }));
      await ctx.store.queueSetPaused({ queue: 'c', paused: true });
      await claimOne(ctx.store, { queues: ['d'] });
      const wait = await ctx.store.jobNextDueIn({ queues: ['a', 'b', 'c', 'd'] });
      expect(wait).toBeGreaterThan(20_000 - CLOCK_SLACK_MS);
      expect(wait).toBeLessThanOrEqual(20_000 + CLOCK_SLACK_MS);
      expect(await ctx.store.jobNextDueIn({ queues: ['c', 'd'] })).toBeNull();
    });
  });
}
