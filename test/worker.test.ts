/**
 * The worker runtime over both engines: outcomes, retries, timeouts, cancellation, queue
 * order, priorities, delays, leases and graceful shutdown.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { PermanentError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord, JobState } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { defineTask, type TaskDefinition } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import type { WorkerOptions } from '../src/worker/options.js';
import { dropCreatedSchemas, engines, freshClockedStore, freshStore } from './support/engines.js';
import { sleep, waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });
const TERMINAL: JobState[] = ['succeeded', 'failed', 'cancelled'];

afterAll(dropCreatedSchemas);

describe.each(engines)('worker on $name', (engine) => {
  let store: Store;
  let ordo: Ordo;
  const workers: Worker[] = [];

  async function setup(tasks: TaskDefinition[], options: Partial<WorkerOptions> = {}): Promise<Worker> {
    store ??= await freshStore(engine);
    ordo ??= await createOrdo({ store, tasks });
    const worker = createWorker({ store, tasks, logger: quiet, pollMs: 50, ...options });
    workers.push(worker);
    await worker.start();
    return worker;
  }

  const settled = (id: string, states = TERMINAL) =>
    waitFor(() => ordo.getJob(id), (job) => job !== null && states.includes(job.state), `job ${id} to reach ${states.join('|')}`) as Promise<JobRecord>;

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop({ graceMs: 0 })));
    await store?.close();
    store = undefined as unknown as Store;
    ordo = undefined as unknown as Ordo;
  });

  it('runs a job and records one attempt with its result and logs', async () => {
    const task = defineTask('greet', async (payload: { name: string }, ctx) => {
      ctx.log(`greeting ${payload.name}`);
      return { hello: payload.name, attempt: ctx.attempt };
    });
    const worker = await setup([task], { name: 'w-1' });
    const { id } = await ordo.enqueue('greet', { name: 'ada' });
    const job = await settled(id);
    expect(job.state).toBe('succeeded');
    expect(job.result).toEqual({ hello: 'ada', attempt: 1 });
    expect(job.attempts).toHaveLength(1);
    const [attempt] = job.attempts;
    expect(attempt).toMatchObject({ attempt: 1, worker: worker.name, outcome: 'succeeded', result: { hello: 'ada', attempt: 1 } });
    expect(attempt!.logs?.map((l) => l.message)).toEqual(['greeting ada']);
    expect(attempt!.finishedAt.getTime()).toBeGreaterThanOrEqual(attempt!.startedAt!.getTime());
  });

  it('retries with backoff, then succeeds, keeping every attempt', async () => {
    const task = defineTask('flaky', { retry: { maxAttempts: 4, baseMs: 20, capMs: 40 } }, async (_p, ctx) => {
      if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
      return 'ok';
    });
    await setup([task]);
    const job = await settled((await ordo.enqueue('flaky', {})).id);
    expect(job.state).toBe('succeeded');
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'succeeded']);
    expect(job.attempts[0]!.error?.message).toBe('boom 1');
    expect(job.attempts[0]!.error?.stack).toContain('boom 1');
  });

  it('fails for good after maxAttempts, and at once on PermanentError', async () => {
    const always = defineTask('always', async () => {
      throw new Error('nope');
    });
    const permanent = defineTask('permanent', async () => {
      throw new PermanentError('bad input');
    });
    await setup([always, permanent]);
    const a = await settled((await ordo.enqueue('always', {}, { maxAttempts: 2, retry: { baseMs: 10, capMs: 10 } })).id);
    expect(a.state).toBe('failed');
    expect(a.attempts.map((x) => x.outcome)).toEqual(['failed', 'failed']);
    const p = await settled((await ordo.enqueue('permanent', {}, { maxAttempts: 5 })).id);
    expect(p.state).toBe('failed');
    expect(p.attempts).toHaveLength(1);
    expect(p.lastError?.message).toBe('bad input');
  });

  it('aborts an attempt on timeout and records timed_out', async () => {
    let aborted = false;
    const slow = defineTask('slow', { timeout: 100 }, async (_p, ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      aborted = ctx.signal.aborted;
    });
    await setup([slow]);
    const job = await settled((await ordo.enqueue('slow', {}, { maxAttempts: 1 })).id);
    expect(job.state).toBe('failed');
    expect(job.attempts[0]).toMatchObject({ outcome: 'timed_out' });
    expect(job.attempts[0]!.error?.message).toMatch(/timed out after 100 ms/);
    expect(aborted).toBe(true);
  });

  it('cancels a pending job, and a running one through its signal', async () => {
    let signalled = false;
    const blocking = defineTask('blocking', async (_p, ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      signalled = true;
    });
    await setup([blocking], { cancelCheckMs: 50 });
    const later = await ordo.enqueue('blocking', {}, { delay: '1h' });
    expect(await ordo.cancel(later.id)).toEqual({ state: 'cancelled', cancelRequested: false });
    const { id } = await ordo.enqueue('blocking', {});
    await settled(id, ['running']);
    expect(await ordo.cancel(id)).toMatchObject({ state: 'running', cancelRequested: true });
    const job = await settled(id);
    expect(job.state).toBe('cancelled');
    expect(job.attempts.map((a) => a.outcome)).toEqual(['cancelled']);
    expect(signalled).toBe(true);
  });

  it('serves queues in order and lower priority numbers first', async () => {
    const order: string[] = [];
    const record = defineTask('record', async (p: { tag: string }) => {
      order.push(p.tag);
    });
    store = await freshStore(engine);
    ordo = await createOrdo({ store, tasks: [record] });
    await ordo.enqueue('record', { tag: 'low-1' }, { queue: 'low' });
    await ordo.enqueue('record', { tag: 'default-p5' }, { priority: 5 });
    await ordo.enqueue('record', { tag: 'high' }, { queue: 'high' });
    await ordo.enqueue('record', { tag: 'default-p1' }, { priority: 1 });
    await setup([record], { queues: ['high', 'default', 'low'], concurrency: 1 });
    await waitFor(() => order.length, (n) => n === 4, 'four jobs');
    expect(order).toEqual(['high', 'default-p1', 'default-p5', 'low-1']);
  });

  it('runs a delayed job when due, not before', async () => {
    const ran: number[] = [];
    const task = defineTask('later', async () => {
      ran.push(Date.now());
    });
    await setup([task]);
    const before = Date.now();
    const job = await settled((await ordo.enqueue('later', {}, { delay: 400 })).id);
    expect(job.state).toBe('succeeded');
    expect(ran[0]! - before).toBeGreaterThanOrEqual(350);
  });

  it('does not start jobs of a paused queue until it is resumed', async () => {
    const task = defineTask('noop', async () => 1);
    await setup([task]);
    await ordo.pause('default');
    const { id } = await ordo.enqueue('noop', {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await ordo.getJob(id))!.state).toBe('pending');
    await ordo.resume('default');
    expect((await settled(id)).state).toBe('succeeded');
  });

  it('fails a payload that breaks the task schema for good, and hands back an unknown task uncharged', async () => {
    const { z } = await import('zod');
    const strict = defineTask('strict', { schema: z.object({ n: z.number() }) }, async () => 1);
    store = await freshStore(engine);
    const bare = await createOrdo({ store });
    ordo = bare;
    const bad = await bare.enqueue('strict', { n: 'x' });
    const unknown = await bare.enqueue('nobody_knows', {}, { maxAttempts: 2, retry: { baseMs: 10, capMs: 10 } });
    await setup([strict]);
    const job = await settled(bad.id);
    expect(job.state).toBe('failed');
    expect(job.attempts).toHaveLength(1);
    expect(job.lastError?.message).toMatch(/payload of task strict/);
    expect(job.lastError?.message).toMatch(/n: .*expected number/i);
    // Another worker of a mixed fleet may know the task: released for later, attempt not charged.
    const released = await waitFor(() => ordo.getJob(unknown.id), (j) => j!.state === 'pending' && j!.runAt.getTime() > Date.now() + 3_000, 'the unknown task to be handed back for later');
    expect(released).toMatchObject({ attempt: 0, attempts: [] });
  });

  it('records progress of a running job', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const task = defineTask('progressive', async (_p, ctx) => {
      ctx.progress(10);
      ctx.progress(42);
      await gate;
    });
    await setup([task]);
    const { id } = await ordo.enqueue('progressive', {});
    await waitFor(() => ordo.getJob(id), (job) => job?.progress === 42, 'progress 42');
    release();
    expect((await settled(id)).state).toBe('succeeded');
  });

  it('recovers a job whose worker stopped heartbeating, recording worker_lost', async () => {
    const task = defineTask('recoverable', async () => 'done');
    store = await freshStore(engine);
    ordo = await createOrdo({ store, tasks: [task] });
    const { id } = await ordo.enqueue('recoverable', {});
    // A worker that claims and then dies: it never heartbeats or finishes.
    const [claimed] = await store.jobClaim({ workerId: 'dead-worker', queues: ['default'], limit: 1, leaseMs: 200 });
    expect(claimed!.id).toBe(id);
    // The rescuer waits one lease of quiet after gaining leadership: keep it short.
    const worker = await setup([task], { rescueMs: 100, leaseMs: 1_000 });
    const rescued: unknown[] = [];
    worker.events.on('jobs:rescued', (counts) => rescued.push(counts));
    const job = await settled(id);
    expect(rescued).toEqual([{ rescued: 1, failed: 0, cancelled: 0 }]);
    expect(job.state).toBe('succeeded');
    expect(job.attempts.map((a) => [a.outcome, a.worker])).toEqual([['worker_lost', 'dead-worker'], ['succeeded', workers[0]!.name]]);
  });

  it('on stop, releases jobs that outlive the grace period without charging the attempt', async () => {
    let started = 0;
    const stubborn = defineTask('stubborn', async (_p, ctx) => {
      started++;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    });
    const worker = await setup([stubborn], { concurrency: 2 });
    const ids = [(await ordo.enqueue('stubborn', {})).id, (await ordo.enqueue('stubborn', {})).id];
    await waitFor(() => started, (n) => n === 2, 'both jobs started');
    await worker.stop({ graceMs: 100 });
    for (const id of ids) {
      const job = (await ordo.getJob(id))!;
      expect(job.state).toBe('pending');
      expect(job.attempt).toBe(0);
      expect(job.attempts).toEqual([]);
    }
  });

  it('lets running jobs finish within the grace period on stop, and claims nothing more', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    // Ignores its signal on purpose: only the gate ends it, so an abort would show as a release.
    const gated = defineTask('gated', async () => {
      runs++;
      await gate;
      return 'finished';
    });
    // One slot: while the job runs the claim loop only waits, so no claim is in flight when
    // stop() comes and the job enqueued after it could only be taken by a new claim.
    const worker = await setup([gated], { concurrency: 1 });
    const { id } = await ordo.enqueue('gated', {});
    await waitFor(() => runs, (n) => n === 1, 'the job to start');
    let released = false;
    let stopResolved: 'before release' | 'after release' | null = null;
    const stopped = worker.stop({ graceMs: 10_000 }).then(() => (stopResolved = released ? 'after release' : 'before release'));
    const late = await ordo.enqueue('gated', {});
    try {
      await sleep(200);
      expect(stopResolved, 'stop() must wait for the running job').toBeNull();
    } finally {
      released = true;
      release(); // also when the check failed, so the stop of afterEach does not wait 10 s
    }
    await stopped;
    expect(stopResolved).toBe('after release');
    const job = (await ordo.getJob(id))!;
    expect(job).toMatchObject({ state: 'succeeded', result: 'finished', attempt: 1 });
    expect(job.attempts.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([[1, 'succeeded', worker.name]]);
    // A stopping worker claims nothing new.
    expect(await ordo.getJob(late.id)).toMatchObject({ state: 'pending', attempt: 0 });
    expect(runs).toBe(1);
  });

  it('hands the handler what the schema makes of the payload, and keeps the stored payload as sent', async () => {
    const { z } = await import('zod');
    const seen: unknown[] = [];
    const task = defineTask('defaults', { schema: z.object({ n: z.number().default(7) }) }, async (payload) => {
      seen.push(payload);
    });
    await setup([task]);
    const job = await settled((await ordo.enqueue('defaults', {})).id);
    expect(seen).toEqual([{ n: 7 }]);
    expect(job.payload).toEqual({});
  });

  it('records a success whose result is not JSON as a success, never a retry', async () => {
    let runs = 0;
    const task = defineTask('bigint', async () => {
      runs++;
      return { big: 10n };
    });
    await setup([task]);
    const job = await settled((await ordo.enqueue('bigint', {})).id);
    expect(job).toMatchObject({ state: 'succeeded', result: null });
    expect(runs).toBe(1);
    expect(job.attempts[0]!.logs?.[0]?.message).toMatch(/could not be stored as JSON/);
  });

  it('publishes job:started, job:finished and job:retried on worker.events', async () => {
    const task = defineTask('twice', { retry: { maxAttempts: 2, baseMs: 10, capMs: 10 } }, async (_p, ctx) => {
      if (ctx.attempt === 1) throw new Error('first try');
      return 'ok';
    });
    const worker = await setup([task]);
    const seen: string[] = [];
    worker.events.on('job:started', (job, workerId) => seen.push(`started ${job.attempt} by ${workerId}`));
    worker.events.on('job:finished', (finish, applied) => seen.push(`finished ${finish.attempt} ${finish.outcome} → ${finish.state} ${applied ? 'applied' : 'discarded'}`));
    worker.events.on('job:retried', (finish) => seen.push(`retried ${finish.attempt}`));
    await ordo.enqueue('twice', {});
    await waitFor(() => seen.length, (n) => n === 5, 'five events');
    expect(seen).toEqual([
      `started 1 by ${worker.name}`,
      'finished 1 failed → pending applied',
      'retried 1',
      `started 2 by ${worker.name}`,
      'finished 2 succeeded → succeeded applied',
    ]);
  });

  it('publishes job:lost when the lease of a running attempt was taken away', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const task = defineTask('held', async (_p, ctx) => {
      if (ctx.attempt === 1) await gate; // ignores its signal: ends when the test says
    });
    const clocked = await freshClockedStore(engine);
    store = clocked.store;
    ordo = await createOrdo({ store, tasks: [task] });
    const worker = await setup([task], { leaseMs: 1_000, maintenance: false });
    const lost: string[] = [];
    worker.events.on('job:lost', (job, workerId) => lost.push(`${job.id} attempt ${job.attempt} by ${workerId}`));
    const { id } = await ordo.enqueue('held', {});
    await settled(id, ['running']);
    clocked.clock.advance(5_000); // the lease lapses in the store's time
    expect((await store.jobRescueExpired()).rescued).toEqual([id]);
    try {
      await waitFor(() => lost.length, (n) => n === 1, 'job:lost');
      expect(lost).toEqual([`${id} attempt 1 by ${worker.name}`]);
    } finally {
      release();
    }
    const job = await settled(id);
    expect(job.attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'worker_lost'], [2, 'succeeded']]);
  });

  it('survives an event listener that throws', async () => {
    const task = defineTask('plain', async () => 'ok');
    const worker = await setup([task]);
    let calls = 0;
    worker.events.on('job:started', () => {
      calls++;
      throw new Error('metrics bug');
    });
    const job = await settled((await ordo.enqueue('plain', {})).id);
    expect(calls).toBe(1);
    expect(job).toMatchObject({ state: 'succeeded', result: 'ok' });
    expect(job.attempts.map((a) => a.outcome)).toEqual(['succeeded']);
    expect(worker.runningCount).toBe(0);
  });

  it('can be stopped while it is still starting, and then claims nothing', async () => {
    let runs = 0;
    const task = defineTask('x', async () => ++runs);
    store = await freshStore(engine);
    ordo = await createOrdo({ store, tasks: [task] });
    const { id } = await ordo.enqueue('x', {});
    const worker = createWorker({ store, tasks: [task], logger: quiet, pollMs: 50 });
    // start() loads the tasks and writes the worker row asynchronously: stop() lands first.
    const started = worker.start();
    await worker.stop();
    await started;
    await sleep(150); // three poll intervals: a claim loop left running would have taken the job
    expect(worker.runningCount).toBe(0);
    expect(runs).toBe(0);
    expect(await ordo.getJob(id)).toMatchObject({ state: 'pending', attempt: 0, attempts: [] });
  });

  it('never lets a worker whose lease was taken over overwrite the new attempt', async () => {
    let runs = 0;
    const task = defineTask('zombie', async () => {
      runs++;
      return `run ${runs}`;
    });
    store = await freshStore(engine);
    ordo = await createOrdo({ store, tasks: [task] });
    const { id } = await ordo.enqueue('zombie', {});
    const [first] = await store.jobClaim({ workerId: 'zombie-worker', queues: ['default'], limit: 1, leaseMs: 100 });
    await setup([task], { rescueMs: 50, leaseMs: 1_000 });
    const job = await settled(id);
    const late = await store.jobFinishMany({
      finishes: [{ id, attempt: first!.attempt, workerId: 'zombie-worker', state: 'succeeded', outcome: 'succeeded', startedAt: new Date(), finishedAt: new Date(), result: 'zombie' }],
    });
    expect(late.applied).toEqual([]);
    expect(job).toMatchObject({ state: 'succeeded', result: 'run 1' });
    expect(job.attempts.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([[1, 'worker_lost', 'zombie-worker'], [2, 'succeeded', workers[0]!.name]]);
    expect(await ordo.getJob(id)).toEqual(job);
  });
});
