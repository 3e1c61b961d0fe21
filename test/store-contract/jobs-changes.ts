/**
 * Contract area: jobChanges, what live views and metrics poll. `created` after an id;
 * `started`, running jobs by start time; `finished`, jobs by their latest attempt's end
 * whatever their state now: a retry waiting or running again, a rescue, a cancellation all
 * count. Windows are `[from, to)`, each part oldest first and at most `limit`; `now` is the
 * store's clock. And the checks of its input.
 */
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/core/types.js';
import { type ContractContext, SHORT_LEASE_MS, claimOne, expectNear, finishOf, insert, job, mustGet } from './support.js';

const SECOND = 1000;
const EPOCH = new Date(0);
const FAR = new Date(8.64e15);
/** How far the store's clock may be from this process's idea of it (PostgreSQL's server clock). */
const CLOCK_SLACK = 500;

export function jobsChangesCases(ctx: ContractContext): void {
  const changes = (from: Date, to: Date, afterId = '0', limit = 100) => ctx.store.jobChanges({ afterId, from, to, limit });
  const ids = (jobs: JobRecord[]): string[] => jobs.map((j) => j.id);
  /** The window [at, at + 1 ms), [at + 1, …) and […, at): where a time falls exactly. */
  const around = (at: Date) => ({
    on: [at, new Date(at.getTime() + 1)] as const,
    after: [new Date(at.getTime() + 1), FAR] as const,
    before: [EPOCH, at] as const,
  });

  describe('created', () => {
    it('lists jobs with an id above afterId, ascending, at most limit', async () => {
      const inserted = await insert(ctx.store, job(), job(), job(), job());
      expect(ids((await changes(EPOCH, FAR)).created)).toEqual(inserted);
      expect(ids((await changes(EPOCH, FAR, inserted[1]!)).created)).toEqual(inserted.slice(2));
      expect(ids((await changes(EPOCH, FAR, '0', 3)).created)).toEqual(inserted.slice(0, 3));
      expect((await changes(EPOCH, FAR, inserted[3]!)).created).toEqual([]);
      expect((await changes(EPOCH, FAR, '9223372036854775807')).created).toEqual([]);
    });

    it('is empty, like the others, on an empty store, and gives the store’s clock', async () => {
      ctx.clock.advance(3_600_000);
      const result = await changes(EPOCH, FAR);
      expect(result).toMatchObject({ created: [], started: [], finished: [] });
      expectNear(result.now, ctx.clock.now().getTime());
    });
  });

  describe('started', () => {
    it('lists running jobs by start time in [from, to), oldest first', async () => {
      await insert(ctx.store, job(), job(), job());
      const first = await claimOne(ctx.store);
      ctx.clock.advance(SECOND);
      const second = await claimOne(ctx.store);
      const { on, after, before } = around(first.startedAt!);
      expect(ids((await changes(...on)).started)).toEqual([first.id]);
      expect(ids((await changes(...after)).started)).toEqual([second.id]);
      expect((await changes(...before)).started).toEqual([]);
      expect(ids((await changes(EPOCH, FAR)).started)).toEqual([first.id, second.id]);
      expect(ids((await changes(EPOCH, FAR, '0', 1)).started)).toEqual([first.id]);
      expect((await changes(EPOCH, FAR)).started[0]).toMatchObject({ state: 'running', lockedBy: 'worker-1' });
    });

    it('leaves out a job that started in the window and has finished since: it is in `finished`', async () => {
      const [id] = await insert(ctx.store, job());
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store))] });
      const result = await changes(EPOCH, FAR);
      expect(result.started).toEqual([]);
      expect(ids(result.finished)).toEqual([id]);
    });
  });

  describe('finished', () => {
    it('lists a job that started and finished, with its attempt, by finish time in [from, to)', async () => {
      const [id] = await insert(ctx.store, job());
      const running = await claimOne(ctx.store);
      ctx.clock.advance(SECOND);
      await ctx.store.jobFinishMany({ finishes: [finishOf(running, { result: 42 })] });
      const done = await mustGet(ctx.store, id!);
      const { on, after, before } = around(done.finishedAt!);
      const [listed] = (await changes(...on)).finished;
      expect(listed).toEqual(done);
      expect(listed!.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded', result: 42, startedAt: running.startedAt })]);
      expect((await changes(...after)).finished).toEqual([]);
      expect((await changes(...before)).finished).toEqual([]);
    });

    it('lists a retried job while its retry waits and after it runs again, by the end of its latest attempt', async () => {
      const [id] = await insert(ctx.store, job());
      const first = await claimOne(ctx.store);
      await ctx.store.jobFinishMany({ finishes: [finishOf(first, { state: 'pending', outcome: 'failed', error: { message: 'boom' } })] });
      const waiting = await mustGet(ctx.store, id!);
      expect(waiting.state).toBe('pending');
      const window = around(waiting.finishedAt!).on;
      expect((await changes(...window)).finished).toEqual([waiting]);

      ctx.clock.advance(SECOND);
      const second = await claimOne(ctx.store);
      // Running its next attempt: still finished in that window, and now started too.
      expect((await changes(...window)).finished).toEqual([expect.objectContaining({ id, state: 'running', attempt: 2 })]);
      expect(ids((await changes(second.startedAt!, FAR)).started)).toEqual([id]);

      ctx.clock.advance(SECOND);
      await ctx.store.jobFinishMany({ finishes: [finishOf(second)] });
      const done = await mustGet(ctx.store, id!);
      expect((await changes(...window)).finished).toEqual([]);
      expect((await changes(...around(done.finishedAt!).on)).finished).toEqual([done]);
      expect(done.attempts.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    });

    it('lists rescued, cancelled and failed jobs, and keeps a manual retry’s finish time', async () => {
      const [lost, cancelled, failed] = await insert(ctx.store, job({ queue: 'lost' }), job({ queue: 'cancelled' }), job({ queue: 'failed', maxAttempts: 1 }));
      await claimOne(ctx.store, { queues: ['lost'], leaseMs: SHORT_LEASE_MS });
      await ctx.store.jobCancel({ id: cancelled! });
      await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store, { queues: ['failed'] }), { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
      ctx.clock.advance(SHORT_LEASE_MS + SECOND);
      const from = ctx.clock.now();
      ctx.clock.advance(SECOND);
      expect((await ctx.store.jobRescueExpired()).rescued).toEqual([lost]);

      const all = await changes(EPOCH, FAR);
      expect(ids(all.finished)).toEqual([cancelled, failed, lost]);
      expect(all.finished.map((j) => j.state)).toEqual(['cancelled', 'failed', 'pending']);
      expect(ids((await changes(new Date(from.getTime() - CLOCK_SLACK), FAR)).finished)).toEqual([lost]);

      await ctx.store.jobRetry({ id: failed! });
      expect(ids((await changes(EPOCH, FAR)).finished)).toEqual([cancelled, failed, lost]);
    });

    it('gives at most `limit`, oldest finish first, ties by id', async () => {
      await insert(ctx.store, job(), job(), job());
      const [a, b, c] = [await claimOne(ctx.store), await claimOne(ctx.store), await claimOne(ctx.store)];
      await ctx.store.jobFinishMany({ finishes: [finishOf(c)] });
      ctx.clock.advance(SECOND);
      // One call: both share the store's time.
      await ctx.store.jobFinishMany({ finishes: [finishOf(b), finishOf(a)] });
      expect(ids((await changes(EPOCH, FAR)).finished)).toEqual([c.id, a.id, b.id]);
      expect(ids((await changes(EPOCH, FAR, '0', 2)).finished)).toEqual([c.id, a.id]);
    });
  });

  it('refuses a malformed afterId, window or limit, naming the field', async () => {
    const good = { afterId: '0', from: EPOCH, to: FAR, limit: 10 };
    const cases: [string, Record<string, unknown>][] = [
      ['afterId', { afterId: '-1' }],
      ['afterId', { afterId: '00' }],
      ['afterId', { afterId: '1; DROP TABLE jobs' }],
      ['afterId', { afterId: 3 }],
      ['from', { from: new Date(Number.NaN) }],
      ['to', { to: '2030-01-01' }],
      ['limit', { limit: 0 }],
      ['limit', { limit: 1001 }],
    ];
    for (const [field, bad] of cases) {
      await expect(ctx.store.jobChanges({ ...good, ...bad } as typeof good), field).rejects.toMatchObject({ code: 'invalid_argument', details: { field } });
    }
  });
}
