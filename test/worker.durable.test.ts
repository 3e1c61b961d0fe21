/**
 * Durable functions run by a real in-process worker on both engines: a step retried alone,
 * a sleep that frees the worker's slot and resumes on time, event waits (woken by an emit,
 * timed out, an event emitted before the wait), child runs on the function's own queue (no
 * self-deadlock) and `ctx.all`, a function changed under a running run, a result over the
 * limit, and a zombie whose checkpoint write is refused.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { createLogger } from '../src/core/logger.js';
import type { RunRecord } from '../src/core/workflow-types.js';
import type { Store } from '../src/store/contract.js';
import { defineTask, type TaskDefinition } from '../src/tasks/define.js';
import { TaskRegistry } from '../src/tasks/registry.js';
import { Attempt } from '../src/worker/attempt.js';
import { StepPreparer } from '../src/worker/workflow-step.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import type { Workflow } from '../src/workflows/define.js';
import { defineWorkflow } from '../src/workflows/durable.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });
const fastSteps = { stepRetry: { baseMs: 20, capMs: 40 } };

afterAll(dropCreatedSchemas);

describe.each(engines)('durable functions on $name', (engine) => {
  let store: Store | null = null;
  let ordo: Ordo;
  const workers: Worker[] = [];

  async function open(flows: Workflow[]): Promise<void> {
    store = await freshStore(engine);
    ordo = await createOrdo({ store, workflows: flows });
  }

  async function startWorker(flows: Workflow[], tasks: TaskDefinition[] = [], concurrency = 5): Promise<Worker> {
    const worker = createWorker({ store: store!, tasks, workflows: flows, logger: quiet, pollMs: 50, cancelCheckMs: 50, concurrency });
    workers.push(worker);
    await worker.start();
    return worker;
  }

  const ended = (id: string, timeoutMs = 30_000) =>
    waitFor(() => ordo.workflows.getRun(id), (run) => run.state !== 'running', `run ${id} to end`, timeoutMs);
  const mainJob = (run: RunRecord) => run.steps.find((step) => step.step === 'main')!.jobId!;
  /** The run once its function is suspended: a `waiting` checkpoint, and its job released. */
  const suspended = (id: string) =>
    waitFor(
      async () => {
        const run = await ordo.workflows.getRun(id);
        const job = run.steps[0]?.jobId ? await ordo.job(run.steps[0].jobId) : null;
        return { run, jobState: job?.state };
      },
      ({ run, jobState }) => run.checkpoints.some((checkpoint) => checkpoint.state === 'waiting') && jobState === 'pending',
      `run ${id} to wait`,
    ).then(({ run }) => run);

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop({ graceMs: 0 });
    await store?.close();
    store = null;
  });

  it('retries a failing step alone: the steps before it ran once, the function used one attempt', async () => {
    const ran: string[] = [];
    let replays = 0;
    const threeSteps = defineWorkflow('three-steps', async (input: { n: number }, ctx) => {
      replays++;
      const a = await ctx.step('a', () => (ran.push('a'), input.n + 1));
      const b = await ctx.step('b', () => {
        ran.push('b');
        if (ran.filter((name) => name === 'b').length === 1) throw new Error('b broke once');
        return a * 2;
      });
      const c = await ctx.step('c', () => (ran.push('c'), b + 1));
      return { a, b, c };
    }, fastSteps);
    await open([threeSteps]);
    await startWorker([threeSteps]);
    const { runId } = await ordo.workflows.start(threeSteps, { n: 1 });
    const run = await ended(runId);
    expect(run.state).toBe('succeeded');
    expect(run.output).toEqual({ a: 2, b: 4, c: 5 });
    expect(ran).toEqual(['a', 'b', 'b', 'c']);
    expect(replays).toBe(2);
    expect(run.checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint.name, checkpoint.state, checkpoint.attempts])).toEqual([
      [0, 'a', 'succeeded', 1],
      [1, 'b', 'succeeded', 2],
      [2, 'c', 'succeeded', 1],
    ]);
    // The backoff was a release: no attempt of the function's job was used.
    const job = await ordo.job(mainJob(run));
    expect(job).toMatchObject({ task: 'three-steps', state: 'succeeded', attempt: 1 });
    expect(job.attempts.map((attempt) => attempt.outcome)).toEqual(['succeeded']);
  });

  it('fails a step for good once its attempts are used up, and the error reaches the function', async () => {
    let tries = 0;
    const giveUp = defineWorkflow('give-up', async (_input, ctx) => {
      try {
        await ctx.step('flaky', () => {
          tries++;
          throw new Error(`flaky broke (${tries})`);
        }, { retry: { maxAttempts: 2, baseMs: 10, capMs: 10 } });
      } catch (err) {
        return { caught: (err as Error).message };
      }
      return { caught: null };
    });
    await open([giveUp]);
    await startWorker([giveUp]);
    const run = await ended((await ordo.workflows.start(giveUp)).runId);
    expect(run.state).toBe('succeeded');
    expect(run.output).toEqual({ caught: 'flaky broke (2)' });
    expect(tries).toBe(2);
    expect(run.checkpoints[0]).toMatchObject({ name: 'flaky', state: 'failed', attempts: 2, error: { message: 'flaky broke (2)' } });
  });

  it('frees the slot while sleeping (another job runs meanwhile) and resumes within 100 ms of its time', async () => {
    const replayedAt: number[] = [];
    const sleeper = defineWorkflow('sleeper', async (_input, ctx) => {
      replayedAt.push(Date.now());
      await ctx.step('before', () => 'ok');
      await ctx.sleep('2s');
      return 'woke';
    });
    let otherRanAt = 0;
    const other = defineTask('durable.other', async () => {
      otherRanAt = Date.now();
    });
    await open([sleeper]);
    await startWorker([sleeper], [other], 1);
    const { runId } = await ordo.workflows.start(sleeper);
    const waiting = await suspended(runId);
    const sleep = waiting.checkpoints.find((checkpoint) => checkpoint.kind === 'sleep')!;
    expect(sleep).toMatchObject({ seq: 1, name: 'sleep', state: 'waiting' });
    const { id } = await ordo.enqueue('durable.other');
    await waitFor(() => ordo.job(id), (job) => job.state === 'succeeded', 'the other job to run on the only slot');
    const run = await ended(runId);
    expect(run).toMatchObject({ state: 'succeeded', output: 'woke' });
    expect(otherRanAt).toBeLessThan(sleep.waitUntil!.getTime());
    expect(replayedAt).toHaveLength(2);
    const late = replayedAt[1]! - sleep.waitUntil!.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(100);
    expect(run.checkpoints[1]).toMatchObject({ kind: 'sleep', state: 'succeeded' });
  });

  it('resumes a wait for an event on ordo.emit, with its payload', async () => {
    const waiter = defineWorkflow('waiter', async (input: { key: string }, ctx) => ctx.waitForEvent(input.key, { timeout: '1m' }));
    await open([waiter]);
    await startWorker([waiter]);
    const { runId } = await ordo.workflows.start(waiter, { key: 'approved:1' });
    const waiting = await suspended(runId);
    expect(waiting.checkpoints[0]).toMatchObject({ kind: 'event', name: 'approved:1', eventKey: 'approved:1', state: 'waiting' });
    const emittedAt = Date.now();
    expect(await ordo.emit('approved:1', { by: 'ann' })).toEqual({ stored: true, woken: 1 });
    const run = await ended(runId);
    // Woken by the emit, not by the re-check a second later.
    expect(Date.now() - emittedAt).toBeLessThan(900);
    expect(run).toMatchObject({ state: 'succeeded', output: { status: 'received', payload: { by: 'ann' } } });
    expect(await ordo.emit('approved:1', { by: 'bob' })).toEqual({ stored: false, woken: 0 });
  });

  it('holds no worker slot for a thousand functions waiting on an event; one emit wakes them all', async () => {
    const waiter = defineWorkflow('many-waiters', async (_input, ctx) => ctx.waitForEvent('go', { timeout: '10m' }));
    const plain = defineTask('durable.plain', async () => 'ran');
    await open([waiter]);
    const worker = await startWorker([waiter], [plain], 4);
    const runs = await Promise.all(Array.from({ length: 1000 }, () => ordo.workflows.start(waiter)));
    // Claims go in id order: once the last run waits, every one has reached its wait.
    await waitFor(() => ordo.workflows.getRun(runs[999]!.runId), (run) => run.checkpoints[0]?.state === 'waiting', 'the last function to wait', 90_000);
    await waitFor(
      () => ordo.listJobs({ task: 'many-waiters', state: 'pending' }, { limit: 1 }),
      (page) => page.total === 1000 && worker.runningCount === 0,
      'every function to be waiting, none holding a slot',
      30_000,
    );
    // A job of its own still runs at once: the waits took no slot.
    const { id } = await ordo.enqueue('durable.plain');
    await waitFor(() => ordo.job(id), (job) => job.state === 'succeeded', 'the plain job to run', 5_000);
    await ordo.emit('go', { ok: true });
    await waitFor(() => ordo.workflows.listRuns({ workflow: 'many-waiters', state: 'succeeded' }, { limit: 1 }), (page) => page.total === 1000, 'all 1000 runs to succeed', 60_000);
    expect(runs).toHaveLength(1000);
  }, 150_000);

  it('times out a wait for an event with { status: "timed_out" }, recorded', async () => {
    const waiter = defineWorkflow('impatient', async (_input, ctx) => ctx.waitForEvent('never', { timeout: 300 }));
    await open([waiter]);
    await startWorker([waiter]);
    const run = await ended((await ordo.workflows.start(waiter)).runId);
    expect(run).toMatchObject({ state: 'succeeded', output: { status: 'timed_out' } });
    expect(run.checkpoints[0]).toMatchObject({ kind: 'event', state: 'succeeded', result: { status: 'timed_out' } });
  });

  it('sees an event emitted before the wait, without suspending', async () => {
    let replays = 0;
    const waiter = defineWorkflow('late-waiter', async (_input, ctx) => {
      replays++;
      return ctx.waitForEvent('early', { timeout: '1h' });
    });
    await open([waiter]);
    expect(await ordo.emit('early', 42, { keep: '1h' })).toEqual({ stored: true, woken: 0 });
    await startWorker([waiter]);
    const run = await ended((await ordo.workflows.start(waiter)).runId);
    expect(run).toMatchObject({ state: 'succeeded', output: { status: 'received', payload: 42 } });
    expect(replays).toBe(1);
  });

  it('spawns children on its own queue with one slot (no self-deadlock) and awaits two with ctx.all', async () => {
    const double = defineTask('durable.double', async ({ n }: { n: number }) => n * 2);
    const parent = defineWorkflow('parent', async (_input, ctx) => {
      const first = await ctx.spawn<number>(double, { n: 1 });
      const one = await first.result();
      const [two, three] = await ctx.all([ctx.spawn<number>(double, { n: 2 }), ctx.spawn<number>('durable.double', { n: 3 })]);
      return { one, two, three, firstRunId: first.runId };
    });
    await open([parent]);
    await startWorker([parent], [double], 1);
    const { runId } = await ordo.workflows.start(parent);
    const run = await ended(runId);
    expect(run.state).toBe('succeeded');
    expect(run.output).toMatchObject({ one: 2, two: 4, three: 6 });
    expect(run.checkpoints.map((checkpoint) => [checkpoint.kind, checkpoint.name, checkpoint.state, checkpoint.result])).toEqual([
      ['spawn', 'durable.double', 'succeeded', 2],
      ['spawn', 'durable.double', 'succeeded', 4],
      ['spawn', 'durable.double', 'succeeded', 6],
    ]);
    const child = await ordo.workflows.getRun((run.output as { firstRunId: string }).firstRunId);
    expect(child).toMatchObject({ workflow: 'durable.double', parentRunId: runId, state: 'succeeded', output: 2 });
  });

  it('replays a few times, not in a loop, while a child it does not await yet has ended', async () => {
    const quick = defineTask('durable.quick', async () => 'done');
    let replays = 0;
    const forgetful = defineWorkflow('forgetful', async (_input, ctx) => {
      replays++;
      const child = await ctx.spawn<string>(quick, {});
      await ctx.sleep(1500);
      return { child: await child.result() };
    });
    await open([forgetful]);
    await startWorker([forgetful], [quick], 2);
    const run = await ended((await ordo.workflows.start(forgetful)).runId);
    expect(run).toMatchObject({ state: 'succeeded', output: { child: 'done' } });
    // The start, the child's end, the sleep's end (and perhaps one re-check): never hundreds.
    expect(replays).toBeLessThanOrEqual(5);
  });

  it('retries a run whose child failed with a new child; a step after a caught failure is not held against the retry', async () => {
    let childRuns = 0;
    let charges = 0;
    const flaky = defineTask('durable.flaky', { retry: { maxAttempts: 1 } }, async () => {
      childRuns++;
      if (childRuns === 1) throw new Error('first child fails');
      return 'ok';
    });
    const saga = defineWorkflow('saga', async (_input, ctx) => {
      try {
        await ctx.step('charge', () => {
          charges++;
          if (charges === 1) throw new Error('card declined');
          return 'charged';
        }, { retry: { maxAttempts: 1 } });
      } catch (err) {
        await ctx.step('refund-hold', () => 'released');
        throw err;
      }
      const child = await ctx.spawn<string>(flaky, {});
      return { child: await child.result() };
    }, { retry: { maxAttempts: 1 } });
    await open([saga]);
    await startWorker([saga], [flaky], 2);
    const { runId } = await ordo.workflows.start(saga);
    expect(await ended(runId)).toMatchObject({ state: 'failed' });
    await ordo.workflows.retryRun(runId);
    const second = await ended(runId);
    expect(second.state).toBe('failed');
    expect(second.error?.message).toContain('first child fails');
    await ordo.workflows.retryRun(runId);
    const third = await ended(runId);
    expect(third).toMatchObject({ state: 'succeeded', output: { child: 'ok' } });
    expect(third.checkpoints.map((c) => [c.kind, c.name, c.state])).toEqual([['step', 'charge', 'succeeded'], ['spawn', 'durable.flaky', 'succeeded']]);
    expect([charges, childRuns]).toEqual([2, 2]);
  });

  it('fails a run that calls ctx from inside a step’s work, naming both', async () => {
    const nested = defineWorkflow('nested', async (_input, ctx) => {
      await ctx.step('outer', async () => (await ctx.step('inner', () => 1)) + 1);
      return 'unreachable';
    }, { retry: { maxAttempts: 1 } });
    await open([nested]);
    await startWorker([nested]);
    const run = await ended((await ordo.workflows.start(nested)).runId);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toMatch(/step "inner" was called inside the work of step "outer"/);
  });

  it('fails a run whose function changed under it, naming both steps', async () => {
    const before = defineWorkflow('onboard', async (_input, ctx) => {
      await ctx.step('a', () => 1);
      await ctx.step('c', () => 3);
      await ctx.waitForEvent('go', { timeout: '1h' });
      return 'done';
    });
    const after = defineWorkflow('onboard', async (_input, ctx) => {
      await ctx.step('a', () => 1);
      await ctx.step('b', () => 2);
      await ctx.step('c', () => 3);
      return 'done';
    });
    await open([before]);
    const first = await startWorker([before]);
    const { runId } = await ordo.workflows.start(before);
    await suspended(runId);
    await first.stop({ graceMs: 0 });
    await startWorker([after]);
    await ordo.emit('go');
    const run = await ended(runId);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toContain('replay of onboard reached step "b" at position 1 where the run recorded step "c"; the function changed under a running run');
    const job = await ordo.job(mainJob(run));
    expect(job).toMatchObject({ state: 'failed', attempt: 1 });
  });

  it('fails a run whose step result is over maxResultBytes, naming the limit', async () => {
    const big = defineWorkflow('big', async (_input, ctx) => ctx.step('huge', () => 'x'.repeat(500)), { maxResultBytes: 100 });
    await open([big]);
    await startWorker([big]);
    const run = await ended((await ordo.workflows.start(big)).runId);
    expect(run.state).toBe('failed');
    expect(run.error?.message).toMatch(/step "huge".*502 bytes.*maxResultBytes \(100\)/);
    expect(run.checkpoints).toEqual([]);
  });

  it("refuses a zombie's checkpoint write: its attempt ends as lost, the holder's result stands", async () => {
    let open_: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open_ = resolve));
    const ranBy: number[] = [];
    const gated = defineWorkflow('gated', async (_input, ctx) => {
      const value = await ctx.step('slow', async () => {
        ranBy.push(ranBy.length);
        await gate;
        return `run ${ranBy.length}`;
      });
      return value;
    });
    await open([gated]);
    await startWorker([gated]);
    const { runId } = await ordo.workflows.start(gated);
    await waitFor(async () => ranBy.length, (n) => n === 1, 'the holder to run the step');
    const job = await ordo.job(mainJob(await ordo.workflows.getRun(runId)));
    expect(job.state).toBe('running');
    // The same attempt replayed by a worker that does not hold it: a zombie's view.
    const tasks = new TaskRegistry();
    tasks.addWorkflow(gated);
    const zombie = new Attempt(job).run(tasks.get('gated'), {
      workerId: 'zombie',
      log: () => {},
      progress: () => {},
      prepareStep: (step) => new StepPreparer(store!, tasks).prepare(step),
      durable: { store: store!, tasks },
    });
    await waitFor(async () => ranBy.length, (n) => n === 2, 'the zombie to run the step');
    open_();
    expect(await zombie).toBeNull();
    const run = await ended(runId);
    expect(run).toMatchObject({ state: 'succeeded' });
    expect(run.checkpoints).toHaveLength(1);
    expect(run.checkpoints[0]).toMatchObject({ name: 'slow', state: 'succeeded', attempts: 1, result: run.output });
  });
});
