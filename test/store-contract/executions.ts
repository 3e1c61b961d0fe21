/**
 * Contract area: executionList, the attempt history across jobs. Every finished attempt of
 * every job, newest first by its own finish time (a retried job's first attempt is placed by
 * when it ended, not by when the job did), its job's task and queue, worker, times, error and
 * duration; filters by task, queue, outcome, worker and time; cursor paging that walks every
 * attempt once, including walks longer than one chunk of jobs; and the checks of its input.
 */
import { describe, expect, it } from 'vitest';
import type { AttemptOutcome, ExecutionFilter, ExecutionRecord, JobRecord } from '../../src/core/types.js';
import { type ContractContext, SHORT_LEASE_MS, claimOne, finishOf, insert, job, mustGet } from './support.js';

const SECOND = 1000;

export function executionsCases(ctx: ContractContext): void {
  /** Claims the next due job of `queue` for `workerId` and ends the attempt a second later as `outcome`, retrying when `retry`. */
  async function attempt(queue: string, workerId: string, outcome: AttemptOutcome, retry = false): Promise<JobRecord> {
    const running = await claimOne(ctx.store, { queues: [queue], workerId });
    ctx.clock.advance(SECOND);
    const state = retry ? 'pending' : outcome === 'succeeded' || outcome === 'cancelled' ? outcome : 'failed';
    const ending = outcome === 'succeeded' ? { result: 'ok', logs: [{ at: new Date(), message: 'done' }] } : { error: { message: `${outcome} #${running.attempt}` } };
    await ctx.store.jobFinishMany({ finishes: [finishOf(running, { state, outcome, ...ending })] });
    ctx.clock.advance(SECOND);
    return running;
  }

  const list = (filter: ExecutionFilter = {}, limit = 1000): Promise<ExecutionRecord[]> => ctx.store.executionList({ filter, limit });
  const keys = (records: ExecutionRecord[]): string[] => records.map((r) => `${r.jobId}#${r.attempt}`);

  /** Every page of `limit` from the start, by `before`: the keys in the order met. */
  async function walk(limit: number, filter: ExecutionFilter = {}): Promise<string[]> {
    const seen: string[] = [];
    let before: ExecutionRecord | undefined;
    for (let pages = 0; pages < 200; pages++) {
      const page = await ctx.store.executionList({ filter, limit, ...(before ? { before: { finishedAt: before.finishedAt, jobId: before.jobId, attempt: before.attempt } } : {}) });
      if (page.length === 0) return seen;
      expect(page.length).toBeLessThanOrEqual(limit);
      seen.push(...keys(page));
      before = page.at(-1);
    }
    throw new Error('the walk did not end');
  }

  it('lists every attempt across jobs, newest first, with its job, worker, times, error and duration', async () => {
    const [mail, report] = await insert(ctx.store, job({ task: 'mail.send', queue: 'mail' }), job({ task: 'report.build', queue: 'reports' }));
    const first = await attempt('mail', 'w1', 'failed', true);
    await attempt('reports', 'w2', 'succeeded');
    await attempt('mail', 'w3', 'succeeded');

    const records = await list();
    expect(keys(records)).toEqual([`${mail}#2`, `${report}#1`, `${mail}#1`]);
    const stored = (await mustGet(ctx.store, mail!)).attempts[0]!;
    expect(records[2]).toEqual({
      jobId: mail,
      task: 'mail.send',
      queue: 'mail',
      attempt: 1,
      worker: 'w1',
      startedAt: first.startedAt,
      finishedAt: stored.finishedAt,
      outcome: 'failed',
      error: { message: 'failed #1' },
      durationMs: stored.finishedAt.getTime() - first.startedAt!.getTime(),
    });
    expect(records[2]!.durationMs).toBeGreaterThanOrEqual(SECOND);
    expect(records[0]).toMatchObject({ task: 'mail.send', worker: 'w3', outcome: 'succeeded', error: null });
    expect(records[1]).toMatchObject({ jobId: report, task: 'report.build', queue: 'reports', worker: 'w2' });
  });

  it('is empty without finished attempts: new, running and cancelled-before-running jobs have none', async () => {
    const [, , cancelled] = await insert(ctx.store, job(), job({ queue: 'busy' }), job({ queue: 'never' }));
    await claimOne(ctx.store, { queues: ['busy'] });
    await ctx.store.jobCancel({ id: cancelled! });
    expect(await list()).toEqual([]);
  });

  it('records lost attempts of rescued jobs under the worker that lost them', async () => {
    const [id] = await insert(ctx.store, job());
    await claimOne(ctx.store, { workerId: 'vanished', leaseMs: SHORT_LEASE_MS });
    ctx.clock.advance(SHORT_LEASE_MS + SECOND);
    await ctx.store.jobRescueExpired();
    expect(await list()).toEqual([expect.objectContaining({ jobId: id, attempt: 1, worker: 'vanished', outcome: 'worker_lost', error: { message: expect.stringContaining('vanished') } })]);
  });

  describe('filters', () => {
    it('by task, queue, outcome (one or several) and the worker of the attempt', async () => {
      const [a, b] = await insert(ctx.store, job({ task: 'a', queue: 'q1' }), job({ task: 'b', queue: 'q2' }));
      await attempt('q1', 'w1', 'timed_out', true);
      await attempt('q1', 'w2', 'failed', true);
      await attempt('q2', 'w1', 'succeeded');
      await attempt('q1', 'w1', 'succeeded');

      expect(keys(await list({ task: 'a' }))).toEqual([`${a}#3`, `${a}#2`, `${a}#1`]);
      expect(keys(await list({ queue: 'q2' }))).toEqual([`${b}#1`]);
      expect(keys(await list({ outcome: 'succeeded' }))).toEqual([`${a}#3`, `${b}#1`]);
      expect(keys(await list({ outcome: ['timed_out', 'failed'] }))).toEqual([`${a}#2`, `${a}#1`]);
      expect(keys(await list({ workerId: 'w1' }))).toEqual([`${a}#3`, `${b}#1`, `${a}#1`]);
      expect(keys(await list({ workerId: 'w2', task: 'a', queue: 'q1', outcome: 'failed' }))).toEqual([`${a}#2`]);
      expect(await list({ outcome: [] })).toEqual([]);
      expect(await list({ outcome: 'cancelled' })).toEqual([]);
      expect(await list({ task: `a' OR '1'='1` })).toEqual([]);
      expect(await list({ workerId: 'w1\u0000' })).toEqual([]);
    });

    it('by finish time: `from` inclusive, `to` exclusive, at an attempt’s own time', async () => {
      await insert(ctx.store, job(), job());
      await attempt('default', 'w', 'failed', true);
      await attempt('default', 'w', 'succeeded');
      await attempt('default', 'w', 'succeeded');
      const [newest, middle, oldest] = await list();
      const at = middle!.finishedAt.getTime();
      const ms = (offset: number) => new Date(at + offset);
      expect(keys(await list({ from: ms(0) }))).toEqual(keys([newest!, middle!]));
      expect(keys(await list({ from: ms(1) }))).toEqual(keys([newest!]));
      expect(keys(await list({ to: ms(0) }))).toEqual(keys([oldest!]));
      expect(keys(await list({ to: ms(1) }))).toEqual(keys([middle!, oldest!]));
      expect(keys(await list({ from: ms(0), to: ms(1) }))).toEqual(keys([middle!]));
      expect(await list({ from: ms(1), to: ms(0) })).toEqual([]);
      expect(await list({ from: new Date(8.64e15) })).toEqual([]);
      expect(await list({ to: new Date(-8.64e15) })).toEqual([]);
    });
  });

  describe('paging with `before`', () => {
    it('walks every attempt once, ties on finish time by job id then attempt, descending', async () => {
      await insert(ctx.store, ...Array.from({ length: 4 }, () => job()));
      // Two attempts finished by one call share the store's time.
      const [p, q] = [await claimOne(ctx.store, { workerId: 'w' }), await claimOne(ctx.store, { workerId: 'w' })];
      ctx.clock.advance(SECOND);
      await ctx.store.jobFinishMany({ finishes: [finishOf(p), finishOf(q)] });
      await attempt('default', 'w', 'failed', true);
      await attempt('default', 'w', 'succeeded');
      await attempt('default', 'w', 'succeeded');

      const all = await list();
      expect(all).toHaveLength(5);
      expect(keys(all.slice(-2))).toEqual([`${q.id}#1`, `${p.id}#1`]);
      for (const limit of [1, 2, 3, 5]) expect(await walk(limit)).toEqual(keys(all));
    });

    it('finds old attempts past many newer jobs, across chunks, in the order of their own finish times', async () => {
      const [retried] = await insert(ctx.store, job({ queue: 'slow' }));
      await attempt('slow', 'w', 'failed', true);
      await insert(ctx.store, ...Array.from({ length: 40 }, () => job()));
      for (let i = 0; i < 40; i++) await attempt('default', 'w', 'succeeded');
      await attempt('slow', 'w', 'succeeded');

      const all = await list();
      expect(all).toHaveLength(42);
      expect(keys([all[0]!, all.at(-1)!])).toEqual([`${retried}#2`, `${retried}#1`]);
      expect(keys(await list({ outcome: 'failed' }, 1))).toEqual([`${retried}#1`]);
      expect(await walk(1)).toEqual(keys(all));
      expect(await walk(7)).toEqual(keys(all));
      expect(await walk(3, { task: 'test.task', outcome: ['failed', 'succeeded'] })).toEqual(keys(all));
    });

    it('starts after a cursor that matches no attempt, by its place in the order', async () => {
      await insert(ctx.store, job(), job());
      await attempt('default', 'w', 'succeeded');
      await attempt('default', 'w', 'succeeded');
      const [newer, older] = await list();
      const between = { finishedAt: new Date(newer!.finishedAt.getTime() - 1), jobId: '9223372036854775807', attempt: 99 };
      expect(keys(await ctx.store.executionList({ limit: 10, before: between }))).toEqual(keys([older!]));
      expect(keys(await ctx.store.executionList({ limit: 10, before: { ...newer!, attempt: 0 } }))).toEqual(keys([older!]));
    });
  });

  it('loses the attempts of jobs pruned by retention', async () => {
    await insert(ctx.store, job());
    await attempt('default', 'w', 'succeeded');
    ctx.clock.advance(60 * SECOND);
    await ctx.store.jobPrune({ olderThanMs: 30 * SECOND });
    expect(await list()).toEqual([]);
  });

  it('refuses a malformed limit, outcome, time or cursor, naming the field', async () => {
    const good = { finishedAt: new Date(), jobId: '1', attempt: 1 };
    const cases: [string, Parameters<typeof ctx.store.executionList>[0]][] = [
      ['limit', { limit: 0 }],
      ['limit', { limit: 1001 }],
      ['limit', { limit: 2.5 }],
      ['filter.outcome', { limit: 1, filter: { outcome: ['failed', 'exploded' as AttemptOutcome] } }],
      ['filter.from', { limit: 1, filter: { from: new Date(Number.NaN) } }],
      ['filter.to', { limit: 1, filter: { to: 0 as unknown as Date } }],
      ['filter.workerId', { limit: 1, filter: { workerId: 5 as unknown as string } }],
      ['before.jobId', { limit: 1, before: { ...good, jobId: "1 OR 1=1" } }],
      ['before.attempt', { limit: 1, before: { ...good, attempt: -1 } }],
      ['before.finishedAt', { limit: 1, before: { ...good, finishedAt: 'yesterday' as unknown as Date } }],
    ];
    for (const [field, params] of cases) {
      await expect(ctx.store.executionList(params), field).rejects.toMatchObject({ code: 'invalid_argument', details: { field } });
    }
  });
}
