/**
 * Contract area: jobInsertMany and jobGet. Round trip of every field, delays, batches, and
 * `uniqueKey` deduplication while a job with the key is active (pending or running).
 */
import { describe, expect, it } from 'vitest';
import { type ContractContext, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

export function jobsInsertCases(ctx: ContractContext): void {
  it('round-trips every field of an inserted job', async () => {
    const runAt = new Date(Date.now() - 5000);
    const input = job({
      task: 'email.send',
      queue: 'mail',
      payload: { to: 'a@example.com', list: [1, 'two', { deep: true }], none: null },
      priority: 3,
      runAt,
      maxAttempts: 7,
      timeoutMs: 1500,
      backoffBaseMs: 100,
      backoffCapMs: 9000,
      uniqueKey: 'welcome:42',
      traceId: 'req-7f3a',
    });
    const before = Date.now();
    const [result] = await ctx.store.jobInsertMany({ jobs: [input] });
    expect(result).toEqual({ id: expect.stringMatching(/^[0-9]+$/), created: true });
    const stored = await mustGet(ctx.store, result!.id);
    expect(stored).toEqual({
      id: result!.id,
      task: 'email.send',
      queue: 'mail',
      payload: { to: 'a@example.com', list: [1, 'two', { deep: true }], none: null },
      state: 'pending',
      priority: 3,
      runAt,
      createdAt: expect.any(Date),
      attempt: 0,
      maxAttempts: 7,
      timeoutMs: 1500,
      backoffBaseMs: 100,
      backoffCapMs: 9000,
      uniqueKey: 'welcome:42',
      lockedBy: null,
      lockedUntil: null,
      startedAt: null,
      finishedAt: null,
      cancelRequested: false,
      progress: null,
      result: null,
      lastError: null,
      attempts: [],
      traceId: 'req-7f3a',
      workflow: null,
      concurrencyKey: null,
    });
    expectNear(stored.createdAt, before);
  });

  it('stores no trace id when none is given, and refuses one that is not text without NUL', async () => {
    const [absent, nulled] = await insert(ctx.store, job(), job({ traceId: null }));
    expect((await mustGet(ctx.store, absent!)).traceId).toBeNull();
    expect((await mustGet(ctx.store, nulled!)).traceId).toBeNull();
    for (const traceId of ['a\0b', 42 as unknown as string]) {
      await expect(ctx.store.jobInsertMany({ jobs: [job({ traceId })] })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'traceId' } });
    }
    expect((await ctx.store.jobList({})).total).toBe(2);
  });

  it('keeps scalar and null payloads', async () => {
    const ids = await insert(ctx.store, job({ payload: null }), job({ payload: 'text' }), job({ payload: [1, 2] }));
    const payloads = await Promise.all(ids.map(async (id) => (await mustGet(ctx.store, id)).payload));
    expect(payloads).toEqual([null, 'text', [1, 2]]);
  });

  it('makes a job with a null runAt due delayMs after now', async () => {
    const before = Date.now();
    const [id] = await insert(ctx.store, job({ delayMs: 60_000 }));
    expectNear((await mustGet(ctx.store, id!)).runAt, before + 60_000);
  });

  it('inserts a batch in order, each job with its own id', async () => {
    const results = await ctx.store.jobInsertMany({ jobs: [job({ task: 'a' }), job({ task: 'b' }), job({ task: 'c' })] });
    expect(results.every((r) => r.created)).toBe(true);
    expect(new Set(results.map((r) => r.id)).size).toBe(3);
    const tasks = await Promise.all(results.map(async (r) => (await mustGet(ctx.store, r.id)).task));
    expect(tasks).toEqual(['a', 'b', 'c']);
  });

  it('returns null for a job that does not exist', async () => {
    expect(await ctx.store.jobGet({ id: '987654321' })).toBeNull();
  });

  describe('uniqueKey', () => {
    it('returns the pending job instead of inserting a duplicate', async () => {
      const [first] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k' })] });
      const [second] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k', task: 'other' })] });
      expect(second).toEqual({ id: first!.id, created: false });
      expect((await ctx.store.jobList({})).total).toBe(1);
    });

    it('deduplicates within one batch', async () => {
      const results = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k' }), job(), job({ uniqueKey: 'k' })] });
      expect(results.map((r) => r.created)).toEqual([true, true, false]);
      expect(results[2]!.id).toBe(results[0]!.id);
    });

    it('deduplicates while the job is running', async () => {
      const [id] = await insert(ctx.store, job({ uniqueKey: 'k' }));
      await claimOne(ctx.store);
      const [again] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k' })] });
      expect(again).toEqual({ id, created: false });
    });

    it('allows the key again once the job finished or was cancelled', async () => {
      const [id] = await insert(ctx.store, job({ uniqueKey: 'k' }));
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store))] });
      const [second] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k' })] });
      expect(second!.created).toBe(true);
      expect(second!.id).not.toBe(id);
      await ctx.store.jobCancel({ id: second!.id });
      const [third] = await ctx.store.jobInsertMany({ jobs: [job({ uniqueKey: 'k' })] });
      expect(third!.created).toBe(true);
    });

    it('does not tie jobs without a key together', async () => {
      const results = await ctx.store.jobInsertMany({ jobs: [job(), job()] });
      expect(results.map((r) => r.created)).toEqual([true, true]);
    });
  });
}
