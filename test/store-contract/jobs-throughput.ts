/**
 * Contract area: jobThroughput, the dashboard's charts. Jobs that ended, counted per bucket
 * of finish time: buckets aligned to multiples of their size since the epoch, from the one
 * holding `from` to the one holding now, every one present (zeros too); a job counts once, in
 * its state, at its latest finish; a job waiting for a retry is not counted.
 */
import { describe, expect, it } from 'vitest';
import type { ThroughputBucket } from '../../src/core/types.js';
import { type ContractContext, claimOne, finishOf, insert, job, mustGet } from './support.js';

const MINUTE = 60_000;

export function jobsThroughputCases(ctx: ContractContext): void {
  /** The bucket holding `at`; fails the test when there is none. */
  const bucketOf = (buckets: ThroughputBucket[], at: Date, bucketMs: number): ThroughputBucket => {
    const found = buckets.find((b) => b.at.getTime() <= at.getTime() && at.getTime() < b.at.getTime() + bucketMs);
    if (!found) throw new Error(`no bucket holds ${at.toISOString()}`);
    return found;
  };
  const total = (buckets: ThroughputBucket[]) =>
    buckets.reduce((sum, b) => ({ succeeded: sum.succeeded + b.succeeded, failed: sum.failed + b.failed, cancelled: sum.cancelled + b.cancelled }), { succeeded: 0, failed: 0, cancelled: 0 });

  /** Runs one job of `queue` to `state` now; returns its id. */
  async function ended(state: 'succeeded' | 'failed' | 'cancelled', queue = 'default'): Promise<string> {
    const [id] = await insert(ctx.store, job({ queue, maxAttempts: 1 }));
    if (state === 'cancelled') await ctx.store.jobCancel({ id: id! });
    else await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store, { queues: [queue] }), state === 'failed' ? { state, outcome: 'failed', error: { message: 'x' } } : {})] });
    return id!;
  }

  it('counts each ended job in the aligned bucket of its finish, every bucket present, zeros too', async () => {
    const from = ctx.clock.now();
    const early = [await ended('succeeded'), await ended('failed'), await ended('cancelled'), await ended('succeeded', 'other')];
    ctx.clock.advance(3 * MINUTE);
    const late = await ended('succeeded');
    const before = ctx.clock.now().getTime();
    const buckets = await ctx.store.jobThroughput({ from, bucketMs: MINUTE });
    const after = ctx.clock.now().getTime();

    expect(buckets[0]!.at.getTime()).toBe(Math.floor(from.getTime() / MINUTE) * MINUTE);
    buckets.forEach((b, i) => expect(b.at.getTime()).toBe(buckets[0]!.at.getTime() + i * MINUTE));
    const last = buckets.at(-1)!.at.getTime();
    expect(last).toBeLessThanOrEqual(after + 1000);
    expect(last + MINUTE).toBeGreaterThan(before - 1000);
    expect(buckets.length).toBeGreaterThanOrEqual(4);
    expect(total(buckets)).toEqual({ succeeded: 3, failed: 1, cancelled: 1 });
    for (const id of [...early, late]) {
      const { finishedAt, state } = await mustGet(ctx.store, id);
      expect(bucketOf(buckets, finishedAt!, MINUTE)[state as 'succeeded']).toBeGreaterThan(0);
    }
    const lateBucket = bucketOf(buckets, (await mustGet(ctx.store, late)).finishedAt!, MINUTE);
    expect(lateBucket).toMatchObject({ succeeded: 1, failed: 0, cancelled: 0 });
    const quiet = buckets.filter((b) => b.succeeded + b.failed + b.cancelled === 0);
    expect(quiet.length).toBeGreaterThanOrEqual(1);
  });

  it('counts only the queue asked for', async () => {
    const from = ctx.clock.now();
    await ended('succeeded', 'mail');
    await ended('failed', 'mail');
    await ended('succeeded', 'other');
    expect(total(await ctx.store.jobThroughput({ from, bucketMs: MINUTE, queue: 'mail' }))).toEqual({ succeeded: 1, failed: 1, cancelled: 0 });
    expect(total(await ctx.store.jobThroughput({ from, bucketMs: MINUTE, queue: 'none' }))).toEqual({ succeeded: 0, failed: 0, cancelled: 0 });
    expect(total(await ctx.store.jobThroughput({ from, bucketMs: MINUTE, queue: `mail' OR '1'='1` }))).toEqual({ succeeded: 0, failed: 0, cancelled: 0 });
  });

  it('leaves out jobs waiting for a retry, running or pending; a retried job counts once, at its last finish', async () => {
    const from = ctx.clock.now();
    const [retried] = await insert(ctx.store, job({ maxAttempts: 3 }));
    await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store), { state: 'pending', outcome: 'failed', error: { message: 'x' }, retryDelayMs: MINUTE })] });
    await insert(ctx.store, job(), job({ delayMs: 10 * MINUTE }));
    await claimOne(ctx.store);
    expect((await mustGet(ctx.store, retried!)).finishedAt).toBeInstanceOf(Date);
    expect(total(await ctx.store.jobThroughput({ from, bucketMs: MINUTE }))).toEqual({ succeeded: 0, failed: 0, cancelled: 0 });
    ctx.clock.advance(2 * MINUTE);
    const again = await claimOne(ctx.store);
    expect(again.id).toBe(retried);
    await ctx.store.jobFinishMany({ finishes: [finishOf(again)] });
    const buckets = await ctx.store.jobThroughput({ from, bucketMs: MINUTE });
    expect(total(buckets)).toEqual({ succeeded: 1, failed: 0, cancelled: 0 });
    expect(bucketOf(buckets, (await mustGet(ctx.store, retried!)).finishedAt!, MINUTE).succeeded).toBe(1);
  });

  it('gives no buckets for a start after now, and up to 2000 buckets', async () => {
    const now = ctx.clock.now().getTime();
    expect(await ctx.store.jobThroughput({ from: new Date(now + 10 * MINUTE), bucketMs: MINUTE })).toEqual([]);
    const many = await ctx.store.jobThroughput({ from: new Date(now - 1990 * 1000), bucketMs: 1000 });
    expect(many.length).toBeGreaterThanOrEqual(1991);
    expect(many.length).toBeLessThanOrEqual(2000);
  });

  describe('refusals', () => {
    it('refuses buckets under a second, a bad start and more than 2000 buckets, naming the field', async () => {
      const now = ctx.clock.now();
      const refused: [Parameters<typeof ctx.store.jobThroughput>[0], string][] = [
        [{ from: now, bucketMs: 999 }, 'bucketMs'],
        [{ from: now, bucketMs: 1500.5 }, 'bucketMs'],
        [{ from: now, bucketMs: '60000' as unknown as number }, 'bucketMs'],
        [{ from: new Date(Number.NaN), bucketMs: MINUTE }, 'from'],
        [{ from: '2030-01-01' as unknown as Date, bucketMs: MINUTE }, 'from'],
        [{ from: new Date(now.getTime() - 2001 * 1000), bucketMs: 1000 }, 'from'],
        [{ from: new Date(0), bucketMs: MINUTE }, 'from'],
        [{ from: now, bucketMs: MINUTE, queue: 5 as unknown as string }, 'queue'],
      ];
      for (const [params, field] of refused) {
        await expect(ctx.store.jobThroughput(params), `${field} ${String(params.bucketMs)}`).rejects.toMatchObject({ code: 'invalid_argument', details: { field } });
      }
    });
  });
}
