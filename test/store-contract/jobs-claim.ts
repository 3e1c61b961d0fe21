/**
 * Contract area: jobClaim, jobHeartbeat, jobProgress, jobCancelRequested. Claim order (queues
 * as given, then priority, runAt, id), due times, paused queues, limits, concurrent claimers
 * on one database, and lease extension with lost/cancel reporting.
 */
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { type ContractContext, LONG_LEASE_MS, SHORT_LEASE_MS, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

export function jobsClaimCases(ctx: ContractContext): void {
  describe('jobClaim', () => {
    it('leases a due job to the worker: running, attempt + 1', async () => {
      const [id] = await insert(ctx.store, job());
      const before = Date.now();
      const claimed = await claimOne(ctx.store, { workerId: 'w-a', leaseMs: 30_000 });
      expect(claimed).toMatchObject({ id, state: 'running', attempt: 1, lockedBy: 'w-a', progress: null });
      expectNear(claimed.lockedUntil, before + 30_000);
      expectNear(claimed.startedAt, before);
      expect(await mustGet(ctx.store, id!)).toEqual(claimed);
    });

    it('never takes a job of a later queue while one of an earlier queue is due', async () => {
      const lows = await insert(ctx.store, job({ queue: 'low', priority: -10 }), job({ queue: 'low', priority: -10 }));
      const highs = await insert(ctx.store, job({ queue: 'high' }), job({ queue: 'high' }));
      expect(highs).toContain((await claimOne(ctx.store, { queues: ['high', 'low'] })).id);
      const rest = await ctx.store.jobClaim({ workerId: 'worker-1', queues: ['high', 'low'], limit: 2, leaseMs: LONG_LEASE_MS });
      expect(rest.map((j) => j.queue).sort()).toEqual(['high', 'low']);
      expect(lows).toContain(rest.find((j) => j.queue === 'low')?.id);
    });

    it('takes lower priority numbers first, then earlier runAt, then lower id', async () => {
      const now = Date.now();
      const ids = await insert(
        ctx.store,
        job({ task: 'p5', priority: 5 }),
        job({ task: 'p1-late', priority: 1, runAt: new Date(now - 1000) }),
        job({ task: 'p1-early', priority: 1, runAt: new Date(now - 5000) }),
        job({ task: 'p3-a', priority: 3, runAt: new Date(now - 2000) }),
        job({ task: 'p3-b', priority: 3, runAt: new Date(now - 2000) }),
      );
      expect(ids).toHaveLength(5);
      const order: string[] = [];
      for (let i = 0; i < 5; i++) order.push((await claimOne(ctx.store)).task);
      expect(order).toEqual(['p1-early', 'p1-late', 'p3-a', 'p3-b', 'p5']);
    });

    it('keeps the priority order when delayed jobs rank before the due ones', async () => {
      const now = Date.now();
      const delayed = (priority: number) => job({ task: `delayed-${priority}`, priority, delayMs: 60_000 });
      const due = (task: string, priority: number, ago: number) => job({ task, priority, runAt: new Date(now - ago) });
      await insert(ctx.store, delayed(-5), delayed(0), due('p7', 7, 3000), delayed(2), due('p2-late', 2, 1000), due('p2-early', 2, 2000));
      await insert(ctx.store, delayed(9), due('p9', 9, 5000), job({ queue: 'other', task: 'other', priority: -9 }));
      const claimed = await ctx.store.jobClaim({ workerId: 'w', queues: ['default', 'other'], limit: 5, leaseMs: LONG_LEASE_MS });
      expect(claimed.map((j) => j.task)).toEqual(['p2-early', 'p2-late', 'p7', 'p9', 'other']);
      expect(await ctx.store.jobClaim({ workerId: 'w', queues: ['default', 'other'], limit: 5, leaseMs: LONG_LEASE_MS })).toEqual([]);
    });

    it('keeps the order across many priority levels, in one claim and in small ones', async () => {
      const now = Date.now();
      // 24 levels, more than an engine may visit one by one: even ones due, odd ones delayed.
      const levels = Array.from({ length: 24 }, (_, p) =>
        p % 2 === 0 ? job({ task: `p${p}`, priority: p, runAt: new Date(now - 1000) }) : job({ task: `p${p}`, priority: p, delayMs: 60_000 }),
      );
      await insert(ctx.store, ...levels.reverse(), job({ task: 'p20-early', priority: 20, runAt: new Date(now - 5000) }));
      const expected = [...Array.from({ length: 10 }, (_, i) => `p${2 * i}`), 'p20-early', 'p20', 'p22'];
      const claim = (limit: number) => ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit, leaseMs: LONG_LEASE_MS });
      expect((await claim(11)).map((j) => j.task)).toEqual(expected.slice(0, 11));
      const rest: string[] = [];
      for (let batch = await claim(1); batch.length > 0; batch = await claim(1)) rest.push(...batch.map((j) => j.task));
      expect(rest).toEqual(expected.slice(11));
    });

    it('leaves jobs that are not due yet', async () => {
      await insert(ctx.store, job({ runAt: new Date(Date.now() + 60_000) }), job({ delayMs: 60_000 }));
      expect(await ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit: 10, leaseMs: LONG_LEASE_MS })).toEqual([]);
    });

    it('claims a delayed job once its delay has passed', async () => {
      const claim = (queue: string) => ctx.store.jobClaim({ workerId: 'w', queues: [queue], limit: 1, leaseMs: LONG_LEASE_MS });
      // "Not claimable yet" is only a fair check if the claim ended well before the job was
      // due. On a loaded machine the first claim can be slow, so a round whose claim came
      // too late proves nothing and is repeated, on a queue of its own, with twice the delay.
      let delayed: { id: string; queue: string } | null = null;
      for (let delayMs = 300; !delayed; delayMs *= 2) {
        const queue = `delayed-${delayMs}`;
        const started = Date.now();
        const [id] = await insert(ctx.store, job({ queue, delayMs }));
        const early = await claim(queue);
        if (Date.now() - started < delayMs - 50) {
          expect(early, `a claim ${Date.now() - started} ms after inserting a job delayed ${delayMs} ms`).toEqual([]);
          delayed = { id: id!, queue };
        } else if (delayMs >= 2400) {
          throw new Error(`the machine is too slow for this test: a claim took over ${delayMs} ms`);
        }
      }
      // Move the store's own clock (it may not be this process's) until the job is due.
      const dueIn = await ctx.store.jobNextDueIn({ queues: [delayed.queue] });
      expect(dueIn).toBeGreaterThan(0);
      ctx.clock.advance(dueIn! + 50);
      expect((await claim(delayed.queue)).map((j) => j.id)).toEqual([delayed.id]);
    });

    it('claims at most limit jobs, and only from the queues given', async () => {
      await insert(ctx.store, ...Array.from({ length: 5 }, () => job()), job({ queue: 'elsewhere' }));
      const claim = () => ctx.store.jobClaim({ workerId: 'w', queues: ['default'], limit: 3, leaseMs: LONG_LEASE_MS });
      expect(await claim()).toHaveLength(3);
      expect(await claim()).toHaveLength(2);
      expect(await claim()).toHaveLength(0);
    });

    it('skips a paused queue and claims from it again once resumed', async () => {
      const [paused] = await insert(ctx.store, job({ queue: 'mail' }));
      const [other] = await insert(ctx.store, job({ queue: 'default' }));
      await ctx.store.queueSetPaused({ queue: 'mail', paused: true });
      const claimed = await ctx.store.jobClaim({ workerId: 'w', queues: ['mail', 'default'], limit: 10, leaseMs: LONG_LEASE_MS });
      expect(claimed.map((j) => j.id)).toEqual([other]);
      await ctx.store.queueSetPaused({ queue: 'mail', paused: false });
      expect((await claimOne(ctx.store, { queues: ['mail'] })).id).toBe(paused);
    });

    it('hands each job to exactly one of many concurrent claimers', async () => {
      const stores = await ctx.openShared(5);
      const ids = await insert(stores[0]!, ...Array.from({ length: 200 }, (_, i) => job({ payload: { i } })));
      const claimedBy = await Promise.all(stores.map((store, n) => claimAll(store, `worker-${n}`)));
      const all = claimedBy.flat().map((j) => j.id);
      expect(all).toHaveLength(200);
      expect(new Set(all)).toEqual(new Set(ids));
    });
  });

  describe('jobHeartbeat', () => {
    it('extends the lease of held jobs', async () => {
      await insert(ctx.store, job());
      const running = await claimOne(ctx.store, { leaseMs: SHORT_LEASE_MS });
      const before = Date.now();
      const beat = await ctx.store.jobHeartbeat({ workerId: 'worker-1', jobs: [running], leaseMs: LONG_LEASE_MS });
      expect(beat).toEqual({ lost: [], cancelRequested: [] });
      expectNear((await mustGet(ctx.store, running.id)).lockedUntil, before + LONG_LEASE_MS);
    });

    it('reports jobs the worker no longer holds as lost', async () => {
      const [, , unknown] = await insert(ctx.store, job(), job(), job());
      const held = await claimOne(ctx.store);
      const finished = await claimOne(ctx.store);
      await ctx.store.jobFinishMany({ finishes: [finishOf(finished)] });
      const beat = await ctx.store.jobHeartbeat({
        workerId: 'worker-1',
        jobs: [held, finished, { id: held.id, attempt: held.attempt + 1 }, { id: unknown!, attempt: 1 }],
        leaseMs: LONG_LEASE_MS,
      });
      expect(beat.lost.sort()).toEqual([finished.id, held.id, unknown!].sort());
      const other = await ctx.store.jobHeartbeat({ workerId: 'worker-2', jobs: [held], leaseMs: LONG_LEASE_MS });
      expect(other.lost).toEqual([held.id]);
    });

    it('reports held jobs whose cancellation was requested', async () => {
      await insert(ctx.store, job(), job());
      const keep = await claimOne(ctx.store);
      const stop = await claimOne(ctx.store);
      await ctx.store.jobCancel({ id: stop.id });
      const beat = await ctx.store.jobHeartbeat({ workerId: 'worker-1', jobs: [keep, stop], leaseMs: LONG_LEASE_MS });
      expect(beat).toEqual({ lost: [], cancelRequested: [stop.id] });
      expect(await ctx.store.jobCancelRequested({ workerId: 'worker-1' })).toEqual([stop.id]);
      expect(await ctx.store.jobCancelRequested({ workerId: 'worker-2' })).toEqual([]);
    });
  });

  describe('jobProgress', () => {
    it('records progress of a held attempt only', async () => {
      await insert(ctx.store, job());
      const running = await claimOne(ctx.store);
      expect(await ctx.store.jobProgress({ id: running.id, attempt: 1, workerId: 'worker-1', progress: 40 })).toBe(true);
      expect((await mustGet(ctx.store, running.id)).progress).toBe(40);
      expect(await ctx.store.jobProgress({ id: running.id, attempt: 1, workerId: 'worker-2', progress: 90 })).toBe(false);
      expect(await ctx.store.jobProgress({ id: running.id, attempt: 2, workerId: 'worker-1', progress: 90 })).toBe(false);
      expect((await mustGet(ctx.store, running.id)).progress).toBe(40);
    });
  });
}

/** Claims in small batches until the queue is empty, as a worker would. */
async function claimAll(store: Store, workerId: string): Promise<JobRecord[]> {
  const claimed: JobRecord[] = [];
  for (;;) {
    const batch = await store.jobClaim({ workerId, queues: ['default'], limit: 7, leaseMs: LONG_LEASE_MS });
    if (batch.length === 0) return claimed;
    claimed.push(...batch);
  }
}
