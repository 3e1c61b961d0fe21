/**
 * Contract area: the dashboard's job operations. jobBulk applies cancel, retry or delete to
 * every job a filter matches, as jobCancel, jobRetry and a queue clean would one by one, and
 * its dry run counts exactly what the action then changes; jobDelete removes one job that is
 * not running.
 */
import { describe, expect, it } from 'vitest';
import type { BulkAction, JobFilter, JobRecord, JobState } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { type ContractContext, claimOne, expectNear, finishOf, insert, job, mustGet, waitUntil } from './support.js';

/** One job in each state (two pending, two running: one already asked to cancel), by name. */
interface Zoo {
  pending: string;
  pending2: string;
  running: string;
  asked: string;
  succeeded: string;
  failed: string;
  cancelled: string;
}

async function zoo(store: Store, queue = 'default'): Promise<Zoo> {
  const q = { queues: [queue] };
  const [succeeded, failed, running, asked] = await insert(store, ...Array.from({ length: 4 }, (_, i) => job({ queue, maxAttempts: 1, payload: { n: i } })));
  await store.jobFinishMany({ finishes: [finishOf(await claimOne(store, q))] });
  await store.jobFinishMany({ finishes: [finishOf(await claimOne(store, q), { state: 'failed', outcome: 'failed', error: { message: 'boom' } })] });
  await claimOne(store, q);
  await claimOne(store, q);
  await store.jobCancel({ id: asked! });
  const [pending, pending2, cancelled] = await insert(store, job({ queue }), job({ queue }), job({ queue }));
  await store.jobCancel({ id: cancelled! });
  return { pending: pending!, pending2: pending2!, running: running!, asked: asked!, succeeded: succeeded!, failed: failed!, cancelled: cancelled! };
}

/** Every job, by id, as it is now. */
async function snapshot(store: Store): Promise<Map<string, JobRecord>> {
  return new Map((await store.jobList({ page: { limit: 1000 } })).jobs.map((j) => [j.id, j]));
}

export function jobsBulkCases(ctx: ContractContext): void {
  const bulk = (action: BulkAction, filter: JobFilter = {}, dryRun = false) => ctx.store.jobBulk({ action, filter, dryRun });
  const states = async (): Promise<Record<string, JobState>> => Object.fromEntries([...(await snapshot(ctx.store))].map(([id, j]) => [id, j.state]));

  describe('cancel', () => {
    it('cancels pending jobs and asks running ones to stop, as jobCancel; counts each once', async () => {
      const z = await zoo(ctx.store);
      const before = await snapshot(ctx.store);
      expect(await bulk('cancel', {}, true)).toEqual({ count: 3 });
      expect(await snapshot(ctx.store)).toEqual(before);
      const at = Date.now();
      expect(await bulk('cancel')).toEqual({ count: 3 });
      for (const id of [z.pending, z.pending2]) {
        const cancelled = await mustGet(ctx.store, id);
        expect(cancelled).toMatchObject({ state: 'cancelled', cancelRequested: false });
        expectNear(cancelled.finishedAt, at);
      }
      expect(await mustGet(ctx.store, z.running)).toMatchObject({ state: 'running', cancelRequested: true });
      const after = await snapshot(ctx.store);
      for (const id of [z.asked, z.succeeded, z.failed, z.cancelled]) expect(after.get(id), id).toEqual(before.get(id));
      expect(await bulk('cancel', {}, true)).toEqual({ count: 0 });
      expect(await bulk('cancel')).toEqual({ count: 0 });
    });

    it('lets the filter narrow the states: cancel of failed jobs changes nothing', async () => {
      const z = await zoo(ctx.store);
      const before = await snapshot(ctx.store);
      expect(await bulk('cancel', { state: ['failed', 'succeeded'] }, true)).toEqual({ count: 0 });
      expect(await bulk('cancel', { state: ['failed', 'succeeded'] })).toEqual({ count: 0 });
      expect(await bulk('cancel', { state: [] })).toEqual({ count: 0 });
      expect(await snapshot(ctx.store)).toEqual(before);
      expect(await bulk('cancel', { state: 'running' })).toEqual({ count: 1 });
      expect(await states()).toMatchObject({ [z.pending]: 'pending', [z.running]: 'running' });
      expect((await mustGet(ctx.store, z.running)).cancelRequested).toBe(true);
    });

    it('loses no job to workers claiming at the same time: each ends cancelled, or running and asked', async () => {
      const [claimer, operator] = await ctx.openShared(2);
      const ids = await insert(claimer!, ...Array.from({ length: 400 }, () => job()));
      let claiming = true;
      const claims = (async () => {
        while (claiming) {
          const claimed = await claimer!.jobClaim({ workerId: 'racer', queues: ['default'], limit: 10, leaseMs: 60_000 });
          if (claimed.length === 0) break;
        }
      })();
      const { count } = await operator!.jobBulk({ action: 'cancel', filter: {} });
      claiming = false;
      await claims;
      const jobs = (await operator!.jobList({ page: { limit: 1000 } })).jobs;
      expect(jobs).toHaveLength(ids.length);
      const stray = jobs.filter((j) => !(j.state === 'cancelled' || (j.state === 'running' && j.cancelRequested)));
      expect(stray).toEqual([]);
      expect(count).toBe(ids.length);
    });

    it('a running job it asked ends cancelled when its worker gives it back', async () => {
      const [id] = await insert(ctx.store, job());
      const running = await claimOne(ctx.store);
      expect(await bulk('cancel', { id: id! })).toEqual({ count: 1 });
      await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state: 'pending', outcome: 'released' })] });
      expect((await mustGet(ctx.store, id!)).state).toBe('cancelled');
    });
  });

  describe('retry', () => {
    it('puts failed and cancelled jobs back to pending as jobRetry, and wakes their workers', async () => {
      const z = await zoo(ctx.store, 'mail');
      const heard: string[] = [];
      const unsubscribe = ctx.store.onJobsAvailable((queue) => heard.push(queue));
      const before = await snapshot(ctx.store);
      expect(await bulk('retry', {}, true)).toEqual({ count: 2 });
      const at = Date.now();
      expect(await bulk('retry')).toEqual({ count: 2 });
      await waitUntil(() => heard.includes('mail'), 3000, 'a signal for queue mail');
      unsubscribe();
      const failed = await mustGet(ctx.store, z.failed);
      expect(failed).toMatchObject({ state: 'pending', maxAttempts: 2, attempt: 1, finishedAt: before.get(z.failed)!.finishedAt, attempts: before.get(z.failed)!.attempts });
      expectNear(failed.runAt, at);
      expect(await mustGet(ctx.store, z.cancelled)).toMatchObject({ state: 'pending', cancelRequested: false });
      expect(await states()).toMatchObject({ [z.succeeded]: 'succeeded', [z.running]: 'running', [z.pending]: 'pending' });
      expect(await bulk('retry')).toEqual({ count: 0 });
    });

    it('never makes two active jobs share a unique key: the newest of a key runs again, a held key none', async () => {
      const keyed = (uniqueKey: string) => job({ uniqueKey, maxAttempts: 1 });
      const [old, newer, held] = await insert(ctx.store, keyed('k'), keyed('k2'), keyed('h'));
      // The three fail; then a newer job with key k is cancelled, and key h is taken by a pending job.
      for (let i = 0; i < 3; i++) await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store), { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
      const [sameKeyNewest] = await insert(ctx.store, keyed('k'));
      await ctx.store.jobCancel({ id: sameKeyNewest! });
      const [holder] = await insert(ctx.store, keyed('h'));
      expect(await bulk('retry', {}, true)).toEqual({ count: 2 });
      expect(await bulk('retry')).toEqual({ count: 2 });
      expect(await states()).toEqual({ [old!]: 'failed', [newer!]: 'pending', [held!]: 'failed', [sameKeyNewest!]: 'pending', [holder!]: 'pending' });
    });
  });

  describe('delete', () => {
    it('deletes every matched job but running ones', async () => {
      const z = await zoo(ctx.store);
      expect(await bulk('delete', {}, true)).toEqual({ count: 5 });
      expect(await bulk('delete')).toEqual({ count: 5 });
      expect(Object.keys(await states()).sort()).toEqual([z.running, z.asked].sort());
      expect(await bulk('delete', { state: ['running'] })).toEqual({ count: 0 });
    });
  });

  it('changes exactly what its dry run counted, for every action and filter', async () => {
    const filters: JobFilter[] = [
      {},
      { queue: 'b' },
      { task: 'other.task', state: ['pending', 'failed'] },
      { payloadContains: { user: { id: 1 } } },
      { payloadText: 'vip', queue: 'a' },
      { resultContains: { ok: true } },
    ];
    for (const action of ['cancel', 'retry', 'delete'] as const) {
      for (const filter of filters) {
        const store = (await ctx.openShared(1))[0]!;
        for (const queue of ['a', 'b']) await zoo(store, queue);
        await insert(store, job({ queue: 'a', task: 'other.task', payload: { user: { id: 1 }, vip: true } }), job({ queue: 'b', payload: { user: { id: 2 } } }));
        const [done] = await insert(store, job({ queue: 'c', payload: { user: { id: 1 } } }));
        await store.jobFinishMany({ finishes: [finishOf(await claimOne(store, { queues: ['c'] }), { result: { ok: true } })] });
        const counted = await store.jobBulk({ action, filter, dryRun: true });
        if (Object.keys(filter).length === 0) expect(counted.count).toBeGreaterThan(0);
        const changed = await store.jobBulk({ action, filter });
        expect(changed, `${action} ${JSON.stringify(filter)}`).toEqual(counted);
        expect(await store.jobBulk({ action, filter, dryRun: true }), `${action} ${JSON.stringify(filter)} again`).toEqual({ count: 0 });
        if (action === 'delete' && filter.resultContains) expect(await store.jobGet({ id: done! })).toBeNull();
        await store.close();
      }
    }
  }, 60_000);

  it('refuses an unknown action, a missing filter and a malformed one, naming the field, changing nothing', async () => {
    await zoo(ctx.store);
    const before = await snapshot(ctx.store);
    const refused: [unknown, string][] = [
      [{ action: 'nuke', filter: {} }, 'action'],
      [{ action: 'cancel' }, 'filter'],
      [{ action: 'cancel', filter: null }, 'filter'],
      [{ action: 'cancel', filter: {}, dryRun: 'yes' }, 'dryRun'],
      [{ action: 'delete', filter: { state: ['gone'] } }, 'filter.state'],
      [{ action: 'delete', filter: { payloadContains: ['a'] } }, 'filter.payloadContains'],
      [{ action: 'retry', filter: { createdFrom: 'yesterday' } }, 'filter.createdFrom'],
      [{ action: 'retry', filter: { id: 'x' } }, 'filter.id'],
    ];
    for (const [params, field] of refused) {
      await expect(ctx.store.jobBulk(params as Parameters<Store['jobBulk']>[0]), field).rejects.toMatchObject({ code: 'invalid_argument', details: { field } });
    }
    expect(await snapshot(ctx.store)).toEqual(before);
  });

  it('takes SQL in the filter as data', async () => {
    const [plain] = await insert(ctx.store, job({ payload: { a: 1 } }), job({ payload: { "'; DELETE FROM jobs; --": `") OR 1=1 --` } }));
    expect(await bulk('delete', { payloadText: `' OR '1'='1` })).toEqual({ count: 0 });
    expect(await bulk('delete', { queue: `default' OR '1'='1` })).toEqual({ count: 0 });
    expect(await bulk('delete', { payloadContains: { "'; DELETE FROM jobs; --": `") OR 1=1 --` } })).toEqual({ count: 1 });
    expect(Object.keys(await states())).toEqual([plain]);
  });

  describe('jobDelete', () => {
    it('deletes a job that is not running, refuses a running one, and knows no unknown one', async () => {
      const z = await zoo(ctx.store);
      for (const id of [z.pending, z.succeeded, z.failed, z.cancelled]) {
        expect(await ctx.store.jobDelete({ id }), id).toBe('deleted');
        expect(await ctx.store.jobGet({ id })).toBeNull();
      }
      const running = await mustGet(ctx.store, z.running);
      expect(await ctx.store.jobDelete({ id: z.running })).toBe('running');
      expect(await mustGet(ctx.store, z.running)).toEqual(running);
      expect(await ctx.store.jobDelete({ id: z.pending })).toBeNull();
      for (const id of ['987654321', '0', 'abc', '9223372036854775808']) expect(await ctx.store.jobDelete({ id }), id).toBeNull();
    });
  });
}
