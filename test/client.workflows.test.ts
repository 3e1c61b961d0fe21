/**
 * `ordo.workflows` on the database, both engines: definitions stored by a worker that starts
 * with them (also from a tasks folder), starting by definition or by name, input checked by
 * the workflow's schema, paging runs, and the errors of unknown names and ids.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { NotFoundError, ValidationError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { workflow } from '../src/workflows/define.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

const folders: string[] = [];
afterAll(async () => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  await dropCreatedSchemas();
});

const report = workflow('report', { input: z.object({ day: z.string(), limit: z.number().int().optional() }) })
  .step('count', async (input) => input.day.length)
  .step('say', async (_input, ctx) => `counted ${ctx.parents.count}`, { dependsOn: ['count'] });

/** A tasks folder whose module exports a workflow (and a task its step names). */
function tasksFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-wf-tasks-'));
  folders.push(dir);
  const define = resolve('src/workflows/define.ts');
  writeFileSync(
    join(dir, 'greetings.ts'),
    `import { workflow } from ${JSON.stringify(define)};
export function hello(payload: { name?: string }) { return 'hello ' + (payload.name ?? 'world'); }
export const greet = workflow('greet').step('hello', 'greetings.hello').step('shout', async (_input: unknown, ctx: any) => String(ctx.parents.hello).toUpperCase(), { dependsOn: ['hello'] });
`,
  );
  return dir;
}

describe.each(engines)('ordo.workflows on $name', (engine) => {
  let store: Store;
  let ordo: Ordo;
  const workers: Worker[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ graceMs: 0 })));
    await store?.close();
  });

  async function startWorker(options: Partial<Parameters<typeof createWorker>[0]>): Promise<void> {
    const worker = createWorker({ store, tasks: [], logger: quiet, pollMs: 50, ...options });
    workers.push(worker);
    await worker.start();
  }

  it('stores the definitions a worker starts with, and starts runs of them by name', async () => {
    store = await freshStore(engine);
    ordo = await createOrdo({ store, workflows: [report] });
    await expect(ordo.workflows.start('report', { day: 'mon' })).rejects.toThrow(/workflow "report" does not exist; no workflow is stored yet/);
    await startWorker({ workflows: [report] });
    expect((await ordo.workflows.list()).map((record) => record.name)).toEqual(['report']);
    expect((await ordo.workflows.get('report')).definition.steps.map((step) => [step.name, step.task])).toEqual([
      ['count', 'report.count'],
      ['say', 'report.say'],
    ]);
    const { runId } = await ordo.workflows.start('report', { day: 'monday' }, { traceId: 'req-7' });
    const run = await waitFor(() => ordo.workflows.getRun(runId), (r) => r.state !== 'running', 'the run to end');
    expect(run).toMatchObject({ state: 'succeeded', traceId: 'req-7', output: { say: 'counted 6' } });
    const error = await ordo.workflows.get('nope').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain('stored workflows: report');
  });

  it('checks the input against the schema, names the field, and writes nothing', async () => {
    store = await freshStore(engine);
    ordo = await createOrdo({ store, workflows: [report] });
    const bad = await ordo.workflows.start(report, { day: 3 }).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as Error).message).toMatch(/input of workflow report.*input\.day/);
    await expect(ordo.workflows.start('report', { day: 'x', limit: 1.5 })).rejects.toThrow(/input\.limit/);
    expect((await ordo.workflows.listRuns()).total).toBe(0);
    expect(await ordo.workflows.list()).toEqual([]);
    // A definition in code is stored with its first run; a unique key starts it once.
    const first = await ordo.workflows.start(report, { day: 'tue' }, { uniqueKey: 'tue' });
    expect(await ordo.workflows.start(report, { day: 'tue' }, { uniqueKey: 'tue' })).toEqual({ runId: first.runId, created: false });
    expect((await ordo.workflows.list()).map((record) => record.name)).toEqual(['report']);
  });

  it('pages runs newest first with a cursor, and refuses unknown ids and bad arguments by name', async () => {
    store = await freshStore(engine);
    ordo = await createOrdo({ store, workflows: [report] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ordo.workflows.start(report, { day: `d${i}` })).runId);
    const first = await ordo.workflows.listRuns({ workflow: 'report' }, { limit: 2 });
    expect(first.runs.map((run) => run.id)).toEqual([ids[4], ids[3]]);
    expect(first).toMatchObject({ total: 5, nextCursor: ids[3] });
    const second = await ordo.workflows.listRuns({ state: 'running' }, { limit: 3, cursor: first.nextCursor! });
    expect(second.runs.map((run) => run.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(second.nextCursor).toBe(ids[0]);
    await expect(ordo.workflows.listRuns({}, { limit: 1001 })).rejects.toThrow(/limit: expected a whole number from 1 to 1000/);
    await expect(ordo.workflows.listRuns({ state: 'done' as never })).rejects.toThrow(/state: expected one or more of running/);
    await expect(ordo.workflows.getRun('999')).rejects.toBeInstanceOf(NotFoundError);
    await expect(ordo.workflows.cancelRun('999')).rejects.toBeInstanceOf(NotFoundError);
    await expect(ordo.workflows.retryRun('999')).rejects.toBeInstanceOf(NotFoundError);
    await expect(ordo.workflows.getRun('abc')).rejects.toThrow(/id: expected a workflow run id/);
    expect(await ordo.workflows.cancelRun(ids[0]!)).toEqual({ id: ids[0], state: 'cancelled' });
    expect(await ordo.workflows.retryRun(ids[1]!)).toMatchObject({ id: ids[1], retried: false, state: 'running' });
  });

  it('loads a workflow a tasks-folder module exports, in the client and in the worker', async () => {
    store = await freshStore(engine);
    const dir = tasksFolder();
    ordo = await createOrdo({ store, tasks: dir });
    expect(ordo.tasks.workflow('greet')?.stepNames).toEqual(['hello', 'shout']);
    expect(ordo.listTasks().map((task) => task.name)).toEqual(['greet.shout', 'greetings.hello']);
    await startWorker({ tasks: dir });
    const { runId } = await ordo.workflows.start('greet', { name: 'ada' });
    const run = await waitFor(() => ordo.workflows.getRun(runId), (r) => r.state !== 'running', 'the run to end');
    expect(run).toMatchObject({ state: 'succeeded', output: { shout: 'HELLO ADA' } });
  });

  it('fails the step of a condition this worker has no code for, naming the workflow and step', async () => {
    store = await freshStore(engine);
    const check = defineTask('check.rows', { retry: { maxAttempts: 1 } }, async () => 'checked');
    const guarded = workflow('guarded').step('a', check).step('b', check, { dependsOn: ['a'], when: () => true, whenText: 'always' });
    ordo = await createOrdo({ store, tasks: [check] });
    const { runId } = await ordo.workflows.start(guarded);
    await startWorker({ tasks: [check] });
    const run = await waitFor(() => ordo.workflows.getRun(runId), (r) => r.state !== 'running', 'the run to end');
    expect(run.state).toBe('failed');
    const b = run.steps.find((step) => step.step === 'b')!;
    expect(b.error?.message).toMatch(/step b of workflow guarded has a condition \(always\), and this worker does not have workflow guarded's code/);
  });
});
