/**
 * Workflows run by a real worker on both engines: a diamond, each edge policy, a false
 * condition, a 1,000-element map and its fan-in, cancelling and retrying a run, and a
 * schedule whose target is a workflow.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { PermanentError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { RunRecord, RunStep } from '../src/core/workflow-types.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { workflow, type Workflow } from '../src/workflows/define.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

afterAll(dropCreatedSchemas);

describe.each(engines)('workflows on $name', (engine) => {
  let store: Store;
  let ordo: Ordo;
  let worker: Worker | null = null;

  async function start(flows: Workflow[]): Promise<void> {
    store = await freshStore(engine);
    ordo = await createOrdo({ store, workflows: flows });
    worker = createWorker({ store, tasks: [], workflows: flows, logger: quiet, pollMs: 50, cancelCheckMs: 50, concurrency: 20 });
    await worker.start();
  }

  const ended = (id: string, timeoutMs = 30_000) =>
    waitFor(() => ordo.workflows.getRun(id), (run) => run.state !== 'running', `run ${id} to end`, timeoutMs);
  const stepOf = (run: RunRecord, name: string): RunStep => run.steps.find((step) => step.step === name)!;

  afterEach(async () => {
    await worker?.stop({ graceMs: 0 });
    worker = null;
    await store?.close();
  });

  it('runs a diamond: d once, with the results of b and c', async () => {
    const seen: Array<{ parents: unknown; input: unknown; outcomes: unknown }> = [];
    const diamond = workflow('diamond')
      .step('a', async (input: { n: number }) => ({ n: input.n + 1 }))
      .step('b', async (_input, ctx) => ctx.parents.a.n * 2, { dependsOn: ['a'] })
      .step('c', async (_input, ctx) => ctx.parents.a.n * 3, { dependsOn: ['a'] })
      .step('d', async (input, ctx) => {
        seen.push({ parents: ctx.parents, input, outcomes: ctx.workflow?.parents.b?.state });
        return ctx.parents.b + ctx.parents.c;
      }, { dependsOn: ['b', 'c'] });
    await start([diamond]);
    const { runId, created } = await ordo.workflows.start(diamond, { n: 1 });
    expect(created).toBe(true);
    const run = await ended(runId);
    expect(run.state).toBe('succeeded');
    expect(seen).toEqual([{ parents: { b: 4, c: 6 }, input: { n: 1 }, outcomes: 'succeeded' }]);
    expect(run.output).toEqual({ d: 10 });
    expect(run.steps.map((step) => [step.step, step.state, step.result])).toEqual([
      ['a', 'succeeded', { n: 2 }],
      ['b', 'succeeded', 4],
      ['c', 'succeeded', 6],
      ['d', 'succeeded', 10],
    ]);
    const job = await ordo.job(stepOf(run, 'd').jobId!);
    expect(job).toMatchObject({ task: 'diamond.d', state: 'succeeded', workflow: { runId, step: 'd', mapIndex: null } });
    expect(job.attempts).toHaveLength(1);
  });

  it('applies each edge policy to a failed parent: fail cancels, skip skips, continue runs and sees it', async () => {
    const failing = defineTask('policy.fail', { retry: { maxAttempts: 1 } }, async () => {
      throw new PermanentError('b broke');
    });
    const seenByD: unknown[] = [];
    const flows = (['fail', 'skip', 'continue'] as const).map((policy) =>
      workflow(`policy-${policy}`)
        .step('a', async () => 1)
        .step('b', failing, { dependsOn: ['a'] })
        .step('d', async (_input, ctx) => {
          seenByD.push({ parents: ctx.parents, b: ctx.workflow?.parents.b });
          return 'ran';
        }, { dependsOn: ['a', { step: 'b', onFailure: policy }] }),
    );
    await start(flows);
    const [fail, skip, cont] = await Promise.all(flows.map(async (flow) => ended((await ordo.workflows.start(flow)).runId)));

    expect(fail!.state).toBe('failed');
    expect(fail!.error?.message).toContain('step b failed: b broke');
    expect(stepOf(fail!, 'd')).toMatchObject({ state: 'cancelled', jobId: null });

    expect(stepOf(skip!, 'd')).toMatchObject({ state: 'skipped', skip: 'parent', jobId: null });
    expect(stepOf(skip!, 'd').reason).toContain('b');
    expect(skip!.state).toBe('succeeded');

    expect(cont!.state).toBe('succeeded');
    expect(stepOf(cont!, 'd')).toMatchObject({ state: 'succeeded', result: 'ran' });
    expect(seenByD).toEqual([{ parents: { a: 1 }, b: expect.objectContaining({ state: 'failed', result: null, error: expect.objectContaining({ message: 'b broke' }) }) }]);
  });

  it('skips a step whose condition is false, with the reason in getRun, without running it', async () => {
    const ran: string[] = [];
    const flow = workflow('conditional')
      .step('a', async () => ({ count: 0 }))
      .step('email', async () => void ran.push('email'), { dependsOn: ['a'], when: ({ a }) => a.count > 0, whenText: 'the report found rows' })
      .step('archive', async () => void ran.push('archive'), { dependsOn: ['a'], when: ({ a }) => a.count === 0 });
    await start([flow]);
    const run = await ended((await ordo.workflows.start(flow)).runId);
    expect(run.state).toBe('succeeded');
    expect(stepOf(run, 'email')).toMatchObject({ state: 'skipped', skip: 'condition', reason: 'condition false: the report found rows' });
    expect(stepOf(run, 'archive').state).toBe('succeeded');
    expect(ran).toEqual(['archive']);
  });

  it('gives a condition the input as the schema makes it, and a map element its map step’s other parents', async () => {
    const seen: unknown[] = [];
    const flow = workflow('parsed', { input: z.object({ limit: z.number().default(10) }) })
      .step('config', async () => ({ prefix: 'item-' }))
      .step('rows', async () => ['a', 'b'])
      .step('big', async () => 'ran', { dependsOn: ['rows'], when: (_parents, input) => input.limit > 5 })
      .map('label', async (element: string, ctx) => {
        const { prefix } = ctx.workflow!.parents.config!.result as { prefix: string };
        seen.push(ctx.workflow!.parents.rows!.result);
        return `${prefix}${element}`;
      }, { over: 'rows', dependsOn: ['config'] });
    await start([flow]);
    const run = await ended((await ordo.workflows.start(flow, {})).runId);
    expect(run.state).toBe('succeeded');
    expect(stepOf(run, 'big')).toMatchObject({ state: 'succeeded', result: 'ran' });
    expect(stepOf(run, 'label').result).toEqual(['item-a', 'item-b']);
    expect(seen).toEqual([['a', 'b'], ['a', 'b']]);
  });

  it('maps over 1,000 elements and fans in their 1,000 results in order', async () => {
    let fanIn: unknown = null;
    const flow = workflow('fan')
      .step('source', async () => Array.from({ length: 1_000 }, (_, i) => i))
      .map('square', async (element, ctx) => {
        expect(ctx.workflow).toMatchObject({ name: 'fan', step: 'square', mapIndex: element });
        return element * element;
      }, { over: 'source' })
      .step('sum', async (_input, ctx) => {
        fanIn = ctx.parents.square;
        return ctx.parents.square.length;
      }, { dependsOn: ['square'] })
      .output('sum');
    await start([flow]);
    const run = await ended((await ordo.workflows.start(flow)).runId, 60_000);
    expect(run.state).toBe('succeeded');
    expect(run.output).toBe(1_000);
    expect(fanIn).toEqual(Array.from({ length: 1_000 }, (_, i) => i * i));
    expect(stepOf(run, 'square')).toMatchObject({ state: 'succeeded', mapTotal: 1_000, mapDone: 1_000 });
  }, 90_000);

  it('cancelRun aborts a running step: its signal fires and the run ends cancelled', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let abortedWith: unknown = null;
    const flow = workflow('cancellable')
      .step('slow', (_input, ctx) => {
        started();
        return new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            abortedWith = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        });
      })
      .step('after', async () => 'never', { dependsOn: ['slow'] });
    await start([flow]);
    const { runId } = await ordo.workflows.start(flow);
    await running;
    expect(await ordo.workflows.cancelRun(runId)).toEqual({ id: runId, state: 'cancelled' });
    const run = await ended(runId);
    expect(run.state).toBe('cancelled');
    await waitFor(() => abortedWith, (reason) => reason !== null, 'the step to be aborted');
    expect(String((abortedWith as Error).message)).toContain('cancel');
    const slow = await waitFor(() => ordo.job(stepOf(run, 'slow').jobId!), (job) => job.state === 'cancelled', 'the step job to be cancelled');
    expect(slow.attempts.at(-1)?.outcome).toBe('cancelled');
    expect(stepOf(await ordo.workflows.getRun(runId), 'after').state).toBe('cancelled');
  });

  it("retryRun re-runs a failed step, keeping a's result without running a again", async () => {
    const calls = { a: 0, b: 0 };
    let broken = true;
    const flow = workflow('retryable')
      .step('a', async () => {
        calls.a++;
        return { token: 'kept' };
      })
      .step('b', async (_input, ctx) => {
        calls.b++;
        if (broken) throw new PermanentError('not yet');
        return `used ${ctx.parents.a.token}`;
      }, { dependsOn: ['a'], retry: { maxAttempts: 1 } });
    await start([flow]);
    const { runId } = await ordo.workflows.start(flow);
    expect((await ended(runId)).state).toBe('failed');
    broken = false;
    expect(await ordo.workflows.retryRun(runId)).toMatchObject({ id: runId, retried: true });
    const run = await ended(runId);
    expect(run.state).toBe('succeeded');
    expect(stepOf(run, 'a').result).toEqual({ token: 'kept' });
    expect(stepOf(run, 'b').result).toBe('used kept');
    expect(calls).toEqual({ a: 1, b: 2 });
  });

  it('starts one run per fire of a schedule whose target is a workflow, each start keyed by its job', async () => {
    const flow = workflow('scheduled').step('only', async (input: { day: string }) => `report of ${input.day}`);
    await start([flow]);
    const schedule = await ordo.schedules.add('nightly', { every: '1h', workflow: 'scheduled', input: { day: 'monday' } });
    expect(schedule.job).toMatchObject({ task: 'workflow.start', payload: { workflow: 'scheduled', input: { day: 'monday' } } });
    const fires = [await ordo.schedules.run('nightly'), await ordo.schedules.run('nightly')];
    const jobs = await Promise.all(fires.map((fire) => waitFor(() => ordo.job(fire.jobId!), (job) => job.state === 'succeeded', `start job ${fire.jobId}`)));
    const runIds = jobs.map((job) => (job.result as { runId: string }).runId);
    expect(new Set(runIds).size).toBe(2);
    for (const runId of runIds) {
      const run = await ended(runId);
      expect(run).toMatchObject({ workflow: 'scheduled', state: 'succeeded', input: { day: 'monday' }, output: { only: 'report of monday' } });
    }
    // Each start is keyed by its job: another attempt of the same job finds the run the first started.
    expect(await ordo.workflows.start('scheduled', { day: 'monday' }, { uniqueKey: `job:${jobs[0]!.id}` })).toEqual({ runId: runIds[0], created: false });
    expect((await ordo.workflows.listRuns({ workflow: 'scheduled' })).total).toBe(2);
  });
});
