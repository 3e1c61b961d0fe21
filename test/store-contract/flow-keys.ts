/**
 * Contract area: jobClaim on a keyed queue (fair, or a per-key limit): keys take turns, one
 * job per key per turn, jobs without a key take one turn together, a key at its limit is
 * passed over without holding up the others, a claim visits at most 1,000 keys and the next
 * one goes on from there, and a job recovered from a dead worker frees its key's slot.
 */
import { describe, expect, it } from 'vitest';
import { NO_LIMITS, type QueueLimits } from '../../src/core/flow.js';
import type { JobInsert, JobRecord } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { type ContractContext, LONG_LEASE_MS, SHORT_LEASE_MS, finishOf, insert, job } from './support.js';

function claim(store: Store, limit: number, workerId = 'w', leaseMs = LONG_LEASE_MS): Promise<JobRecord[]> {
  return store.jobClaim({ workerId, queues: ['q'], limit, leaseMs });
}

/** `count` jobs of key `key` on queue `q`. */
function keyed(key: string | null, count: number): JobInsert[] {
  return Array.from({ length: count }, (_, i) => job({ queue: 'q', concurrencyKey: key, payload: { key, i } }));
}

const keysOf = (claimed: readonly JobRecord[]) => claimed.map((j) => j.concurrencyKey);

export function flowKeysCases(ctx: ContractContext): void {
  const limit = (limits: Partial<QueueLimits>) => ctx.store.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, ...limits } });

  describe('turns', () => {
    it('gives each key one job per turn, in key order, wrapping round', async () => {
      await insert(ctx.store, ...keyed('c', 2), ...keyed('a', 3), ...keyed('b', 1));
      await limit({ fair: true });
      const order: (string | null)[] = [];
      for (let i = 0; i < 6; i++) order.push(...keysOf(await claim(ctx.store, 1)));
      expect(order).toEqual(['a', 'b', 'c', 'a', 'c', 'a']);
    });

    it('makes further passes within one claim while jobs are wanted', async () => {
      await insert(ctx.store, ...keyed('b', 3), ...keyed('a', 3));
      await limit({ fair: true });
      expect(keysOf(await claim(ctx.store, 5))).toEqual(['a', 'b', 'a', 'b', 'a']);
      expect(keysOf(await claim(ctx.store, 5))).toEqual(['b']);
    });

    it('takes each key’s first due job by priority, runAt and id', async () => {
      await insert(ctx.store, job({ queue: 'q', concurrencyKey: 'a', task: 'a-late', priority: 2 }), job({ queue: 'q', concurrencyKey: 'a', task: 'a-first', priority: 1 }));
      await insert(ctx.store, job({ queue: 'q', concurrencyKey: 'a', task: 'a-delayed', priority: -5, delayMs: 60_000 }), job({ queue: 'q', concurrencyKey: 'b', task: 'b' }));
      await limit({ fair: true });
      expect((await claim(ctx.store, 10)).map((j) => j.task)).toEqual(['a-first', 'b', 'a-late']);
    });

    it('gives jobs without a key one turn together per round, not every claim', async () => {
      await insert(ctx.store, ...keyed(null, 6), ...keyed('a', 3), ...keyed('b', 3));
      await limit({ fair: true });
      const order: (string | null)[] = [];
      for (let i = 0; i < 9; i++) order.push(...keysOf(await claim(ctx.store, 1)));
      // Wherever the first claim starts, the turns go round a, b, then the keyless group.
      const cycle = ['a', 'b', null];
      const start = cycle.indexOf(order[0]!);
      expect(order).toEqual(order.map((_, i) => cycle[(start + i) % 3]));
    });

    it('takes one job of the keyless group in a pass, with no per-key limit on it', async () => {
      await insert(ctx.store, ...keyed(null, 4), ...keyed('a', 1));
      await limit({ keyConcurrency: 1 });
      const claimed = await claim(ctx.store, 10);
      expect(keysOf(claimed).sort()).toEqual(['a', null, null, null, null].sort());
    });

    it('serves a key with one job at the next claim, whatever another key has pending', async () => {
      await insert(ctx.store, ...keyed('big', 500));
      await limit({ fair: true });
      expect(keysOf(await claim(ctx.store, 1))).toEqual(['big']);
      await insert(ctx.store, ...keyed('a-small', 1));
      expect(keysOf(await claim(ctx.store, 1))).toEqual(['a-small']);
      await insert(ctx.store, ...keyed('zz-small', 1));
      expect(keysOf(await claim(ctx.store, 2))).toEqual(['big', 'zz-small']);
    });

    it('visits at most 1,000 keys in a claim; the next claim goes on from there', async () => {
      const keys = Array.from({ length: 1_200 }, (_, i) => `k${String(i).padStart(4, '0')}`);
      await insert(ctx.store, ...keys.map((key) => job({ queue: 'q', concurrencyKey: key })));
      await limit({ fair: true });
      const first = await claim(ctx.store, 2_000);
      expect(keysOf(first)).toEqual(keys.slice(0, 1_000));
      expect(keysOf(await claim(ctx.store, 2_000))).toEqual(keys.slice(1_000));
      expect(await claim(ctx.store, 2_000)).toEqual([]);
    });
  });

  describe('per-key limits', () => {
    it('passes over a key at its concurrency without holding up the others', async () => {
      await insert(ctx.store, ...keyed('big', 500), ...keyed('small', 1));
      await limit({ keyConcurrency: 2 });
      expect(keysOf(await claim(ctx.store, 10))).toEqual(['big', 'small', 'big']);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });

    it('frees a key’s slot when its job finishes', async () => {
      await insert(ctx.store, ...keyed('a', 3), ...keyed('b', 2), ...keyed('c', 1));
      await limit({ keyConcurrency: 1 });
      const first = await claim(ctx.store, 10);
      expect(keysOf(first)).toEqual(['a', 'b', 'c']);
      expect(await claim(ctx.store, 10)).toEqual([]);
      await ctx.store.jobFinishMany({ finishes: [finishOf(first[0]!)] });
      expect(keysOf(await claim(ctx.store, 10))).toEqual(['a']);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });

    it('frees a key’s slot when a dead worker’s job is rescued', async () => {
      await insert(ctx.store, ...keyed('a', 2));
      await limit({ keyConcurrency: 1 });
      const [lost] = await claim(ctx.store, 10, 'w-dead', SHORT_LEASE_MS);
      expect(await claim(ctx.store, 10)).toEqual([]);
      ctx.clock.advance(SHORT_LEASE_MS + 100);
      expect((await ctx.store.jobRescueExpired()).rescued).toEqual([lost!.id]);
      expect(keysOf(await claim(ctx.store, 10))).toEqual(['a']);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });

    it('spaces a key’s starts by its rate, each key on its own', async () => {
      await insert(ctx.store, ...keyed('a', 3), ...keyed('b', 3));
      await limit({ keyRate: { limit: 1, periodMs: 60_000, burst: 1 } });
      expect(keysOf(await claim(ctx.store, 10))).toEqual(['a', 'b']);
      expect(await claim(ctx.store, 10)).toEqual([]);
      ctx.clock.advance(30_000);
      expect(await claim(ctx.store, 10)).toEqual([]);
      ctx.clock.advance(31_000);
      expect(keysOf(await claim(ctx.store, 10))).toEqual(['a', 'b']);
    });

    it('shares the queue’s concurrency among the keys in turns', async () => {
      await insert(ctx.store, ...keyed('a', 5), ...keyed('b', 5));
      await limit({ concurrency: 3, keyConcurrency: 2 });
      expect(keysOf(await claim(ctx.store, 10))).toEqual(['a', 'b', 'a']);
      expect(await claim(ctx.store, 10)).toEqual([]);
    });

    it('serves a keyless job this store inserted after a claim found none, at its next claim', async () => {
      const mine = ctx.store;
      await insert(mine, ...keyed('a', 3));
      await mine.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, fair: true } });
      expect(keysOf(await claim(mine, 1))).toEqual(['a']);
      expect(keysOf(await claim(mine, 1))).toEqual(['a']);
      await insert(mine, ...keyed(null, 1));
      expect(keysOf(await claim(mine, 2))).toEqual([null, 'a']);
    });

    it('serves a keyless job another process inserted, or one that fell due, within about a second', async () => {
      const [a, b] = await ctx.openShared(2);
      await insert(a!, ...keyed('a', 10));
      await a!.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, fair: true } });
      expect(keysOf(await claim(a!, 1))).toEqual(['a']);
      // Another process's keyless job, and one of a's own that falls due 500 ms from now.
      await insert(b!, ...keyed(null, 1));
      await insert(a!, job({ queue: 'q', concurrencyKey: null, delayMs: 500, task: 'delayed' }));
      const served: (string | null)[] = [];
      for (let ms = 0; ms <= 1_600; ms += 100) {
        served.push(...(await claim(a!, 1)).map((j) => (j.concurrencyKey === null ? j.task : j.concurrencyKey)));
        if (served.filter((k) => k !== 'a').length === 2) break;
        ctx.clock.advance(100);
      }
      expect(served.filter((k) => k !== 'a')).toHaveLength(2);
      expect(served).toContain('delayed');
    });

    it('holds per key and per queue across connections claiming at the same time', async () => {
      const stores = await ctx.openShared(2);
      const left = new Map(['a', 'b', 'c', 'd', 'e'].map((key, n) => [key, 2 + n]));
      await insert(stores[0]!, ...[...left].flatMap(([key, count]) => keyed(key, count)));
      await stores[0]!.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, concurrency: 3, keyConcurrency: 1 } });
      for (let round = 0; [...left.values()].some((n) => n > 0); round++) {
        const claimed = (await Promise.all(stores.map((s, n) => claim(s, 4, `w${n}`)))).flat();
        const keysWithJobs = [...left.values()].filter((n) => n > 0).length;
        expect(claimed, `round ${round}`).toHaveLength(Math.min(3, keysWithJobs));
        const keys = keysOf(claimed) as string[];
        expect(new Set(keys).size, `round ${round}: ${keys.join(',')}`).toBe(keys.length);
        for (const key of keys) left.set(key, left.get(key)! - 1);
        await stores[1]!.jobFinishMany({ finishes: claimed.map((j) => finishOf(j)) });
      }
    });
  });
}
