/**
 * Claiming ahead of free slots (worker/claimed-ahead.ts) over both engines: a busy worker
 * claims in large batches, an idle one or one of slow jobs claims only for its free slots, and
 * what waits ahead is held like a running job: a cancellation ends it without running it, and
 * a stop gives it back uncharged.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { createLogger } from '../src/core/logger.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { AHEAD_WINDOW_MS, ClaimedAhead } from '../src/worker/claimed-ahead.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { sleep, waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

afterAll(dropCreatedSchemas);

describe('ClaimedAhead', () => {
  afterEach(() => vi.useRealTimers());

  it('holds nothing until jobs start at a rate, then about a window of work, at most its max, and none once quiet', () => {
    vi.useFakeTimers();
    const ahead = new ClaimedAhead(300);
    expect(ahead.target).toBe(0);
    const job = (i: number) => ({ id: String(i), attempt: 1 }) as never;
    let started = 0;
    // 2 jobs per ms for a while: the target approaches 2 × the window, capped at 300.
    for (let period = 0; period < 8; period++) {
      ahead.add(Array.from({ length: 200 }, (_, i) => job(period * 200 + i)));
      while (ahead.next()) started++;
      vi.advanceTimersByTime(100);
      void ahead.target; // the producer reads it on every turn of its loop
    }
    // Smoothed: within 1 % of 2 jobs per ms after 8 periods.
    expect(ahead.target).toBeGreaterThanOrEqual(Math.floor(2 * AHEAD_WINDOW_MS * 0.99));
    expect(ahead.target).toBeLessThanOrEqual(2 * AHEAD_WINDOW_MS);
    const capped = new ClaimedAhead(50);
    for (let period = 0; period < 4; period++) {
      capped.add(Array.from({ length: 200 }, (_, i) => job(i)));
      while (capped.next()) started++;
      vi.advanceTimersByTime(100);
      void capped.target;
    }
    expect(capped.target).toBe(50);
    expect(started).toBe(12 * 200);
    // Quiet for a few periods: back to none.
    for (let period = 0; period < 12; period++) {
      vi.advanceTimersByTime(100);
      void ahead.target;
    }
    expect(ahead.target).toBe(0);
  });

  it('gives jobs out in claim order and takes one out by job and attempt', () => {
    const ahead = new ClaimedAhead(10);
    ahead.add([{ id: '1', attempt: 1 }, { id: '2', attempt: 3 }, { id: '3', attempt: 1 }] as never);
    expect(ahead.remove({ id: '2', attempt: 2 })).toBeNull();
    expect(ahead.remove({ id: '2', attempt: 3 })).toMatchObject({ id: '2' });
    expect(ahead.refs()).toEqual([{ id: '1', attempt: 1 }, { id: '3', attempt: 1 }]);
    expect(ahead.next()).toMatchObject({ id: '1' });
    expect(ahead.removeAll().map((job) => job.id)).toEqual(['3']);
    expect(ahead.size).toBe(0);
  });
});

describe.each(engines)('claiming ahead on $name', (engine) => {
  let store: Store;
  let ordo: Ordo;
  let worker: Worker | undefined;
  /** The size of every claim the worker made. */
  let claims: number[];

  async function setup(tasks: Parameters<typeof createWorker>[0]['tasks'], concurrency: number, extra: Partial<Parameters<typeof createWorker>[0]> = {}): Promise<void> {
    store = await freshStore(engine);
    ordo = await createOrdo({ store, tasks });
    claims = [];
    // The real store, its claims counted.
    const claim = store.jobClaim.bind(store);
    store.jobClaim = async (params) => {
      const jobs = await claim(params);
      claims.push(jobs.length);
      return jobs;
    };
    worker = createWorker({ store, tasks, concurrency, logger: quiet, pollMs: 50, ...extra });
  }

  afterEach(async () => {
    await worker?.stop({ graceMs: 0 });
    worker = undefined;
    await store?.close();
  });

  const runningCount = async () => (await store.jobList({ filter: { state: 'running' } })).total;

  it('claims a backlog in batches larger than its slots, and runs each job once', async () => {
    const ran = new Map<number, number>();
    const task = defineTask('noop', async ({ i }: { i: number }) => void ran.set(i, (ran.get(i) ?? 0) + 1));
    await setup([task], 4);
    const n = 3_000;
    await ordo.enqueueMany(Array.from({ length: n }, (_, i) => ({ task: 'noop', payload: { i } })));
    await worker!.start();
    await waitFor(async () => (await store.jobList({ filter: { state: 'succeeded' } })).total, (done) => done === n, `all ${n} jobs to succeed`, 60_000);
    expect(ran.size).toBe(n);
    expect([...ran.values()].every((runs) => runs === 1)).toBe(true);
    // One claim per freed slot would be ~750 claims of 4; ahead, the backlog goes in far fewer.
    expect(Math.max(...claims)).toBeGreaterThan(4);
    expect(claims.filter((size) => size > 0).length).toBeLessThan(n / 4 / 3);
  });

  it('holds nothing ahead for slow jobs: no job is claimed before a slot is free for it', async () => {
    const started = new Set<string>();
    const task = defineTask('slow', async (_payload: object, ctx) => {
      started.add(ctx.jobId);
      await sleep(150);
    });
    await setup([task], 1);
    await ordo.enqueueMany(Array.from({ length: 6 }, () => ({ task: 'slow', payload: {} })));
    await worker!.start();
    // Claimed but not started: what is held ahead (a started job may still show running
    // for a moment while its finish waits to be written).
    const ahead: number[] = [];
    const until = Date.now() + 700;
    while (Date.now() < until) {
      const { jobs } = await store.jobList({ filter: { state: 'running' } });
      ahead.push(jobs.filter((job) => !started.has(job.id)).length);
      await sleep(20);
    }
    expect(started.size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...ahead)).toBe(0);
  });

  it('ends a job cancelled while it waits ahead as cancelled, without running it', async () => {
    const started = new Set<string>();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // Fast jobs first (a start rate worth claiming ahead for), then two that hold both slots
    // until the gate opens: what was claimed ahead of them waits, and one of those is cancelled.
    const task = defineTask('tick', async ({ hold }: { hold: boolean }, ctx) => {
      started.add(ctx.jobId);
      if (hold) await gate;
      else await sleep(1);
    });
    await setup([task], 2, { cancelCheckMs: 10 });
    const n = 600;
    const ids = (await ordo.enqueueMany(Array.from({ length: n }, (_, i) => ({ task: 'tick', payload: { hold: i === 300 || i === 301 } })))).map((r) => r.id);
    await worker!.start();
    const waiting = await waitFor(
      async () => (await store.jobList({ filter: { state: 'running' }, page: { limit: n } })).jobs.map((job) => job.id).filter((id) => !started.has(id)),
      (ahead) => started.has(ids[300]!) && started.has(ids[301]!) && ahead.length > 0,
      'both slots held, and jobs claimed ahead of them',
      30_000,
    );
    const victim = waiting.sort((a, b) => Number(b) - Number(a))[0]!;
    await ordo.cancel(victim);
    const cancelled = await waitFor(() => ordo.getJob(victim), (job) => job?.state === 'cancelled', 'the job held ahead to end cancelled');
    expect(started.has(victim)).toBe(false);
    expect(cancelled!.attempts).toHaveLength(1);
    expect(cancelled!.attempts[0]).toMatchObject({ outcome: 'cancelled', error: { message: 'cancelled before it started' } });
    open();
    await waitFor(async () => (await store.jobList({ filter: { state: ['succeeded', 'cancelled'] } })).total, (done) => done === n, 'every job to end', 60_000);
    expect(started.has(victim)).toBe(false);
  });

  it('gives what it holds ahead back on stop, uncharged, so nothing is left running', async () => {
    const ran = new Map<string, number>();
    const task = defineTask('tock', async (_payload: object, ctx) => {
      ran.set(ctx.jobId, (ran.get(ctx.jobId) ?? 0) + 1);
      await sleep(5);
    });
    await setup([task], 2);
    const n = 600;
    await ordo.enqueueMany(Array.from({ length: n }, () => ({ task: 'tock', payload: {} })));
    await worker!.start();
    await waitFor(runningCount, (running) => running > 2, 'more jobs claimed than slots', 30_000);
    await worker!.stop({ graceMs: 5_000 });
    worker = undefined;
    const { jobs } = await store.jobList({ page: { limit: n } });
    expect(jobs.filter((job) => job.state === 'running')).toEqual([]);
    const pending = jobs.filter((job) => job.state === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    // Given back as never taken: no attempt used, none recorded.
    expect(pending.every((job) => job.attempt === 0 && job.attempts.length === 0 && !ran.has(job.id))).toBe(true);
    expect(jobs.filter((job) => job.state === 'succeeded').length).toBe(ran.size);
    expect([...ran.values()].every((runs) => runs === 1)).toBe(true);
  });
});
