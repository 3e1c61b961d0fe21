/**
 * The client over both engines: option resolution, validation errors that name the field,
 * unique keys, batches that are all-or-nothing, the read side, the rules of cancel and retry
 * (typed errors), `job:enqueued` events, and the database and schema taken from the
 * environment.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { ConflictError, NotFoundError, ValidationError } from '../src/core/errors.js';
import { EventBus, type OrdoEvents } from '../src/core/events.js';
import { defineTask } from '../src/tasks/define.js';
import { dropCreatedSchemas, engines, freshStore, postgresFixture } from './support/engines.js';

const email = defineTask(
  'send_email',
  { schema: z.object({ email: z.email(), message: z.string() }), queue: 'mail', priority: 3, retry: { maxAttempts: 7 }, timeout: '45s' },
  async () => 'sent',
);

afterAll(dropCreatedSchemas);

describe.each(engines)('client on $name', (engine) => {
  let ordo: Ordo;

  beforeEach(async () => {
    ordo = await createOrdo({ store: await freshStore(engine), tasks: [email] });
  });
  afterEach(async () => {
    await ordo.store.close();
  });

  it('applies task options unless the job overrides them', async () => {
    const a = (await ordo.getJob((await ordo.enqueue('send_email', { email: 'a@b.com', message: 'x' })).id))!;
    expect(a).toMatchObject({ queue: 'mail', priority: 3, maxAttempts: 7, timeoutMs: 45_000, state: 'pending', attempt: 0, attempts: [] });
    const b = (await ordo.getJob((await ordo.enqueue('send_email', { email: 'a@b.com', message: 'x' }, { queue: 'urgent', priority: -1, maxAttempts: 2, timeout: '2s' })).id))!;
    expect(b).toMatchObject({ queue: 'urgent', priority: -1, maxAttempts: 2, timeoutMs: 2_000 });
  });

  it('schedules with delay and runAt', async () => {
    const before = Date.now();
    const delayed = (await ordo.getJob((await ordo.enqueue('other', {}, { delay: '2h10m20s' })).id))!;
    expect(delayed.runAt.getTime() - before).toBeGreaterThanOrEqual(7_820_000 - 2_000);
    expect(delayed.runAt.getTime() - before).toBeLessThanOrEqual(7_820_000 + 5_000);
    const at = (await ordo.getJob((await ordo.enqueue('other', {}, { runAt: '2030-01-02T03:04:05Z' })).id))!;
    expect(at.runAt.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    const epoch = (await ordo.getJob((await ordo.enqueue('other', {}, { runAt: 1893553445 })).id))!;
    expect(epoch.runAt.toISOString()).toBe('2030-01-02T03:04:05.000Z');
  });

  it('rejects bad input naming the field, the expected form and the value', async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => ordo.enqueue('send_email', { email: 'nope', message: 'x' }), /payload of task send_email.*email/],
      [() => ordo.enqueue('other', [1, 2]), /payload: expected a JSON object.*received array \[1,2\]/],
      [() => ordo.enqueue('other', 'text'), /payload: expected a JSON object.*received string "text"/],
      [() => ordo.enqueue('bad name!', {}), /task: expected a task name/],
      [() => ordo.enqueue('other', {}, { delay: '5x' }), /delay: expected a duration.*received string "5x"/],
      [() => ordo.enqueue('other', {}, { runAt: 'tomorrow' }), /runAt: expected an ISO 8601 time/],
      [() => ordo.enqueue('other', {}, { maxAttempts: 0 }), /retry.maxAttempts: expected a whole number from 1/],
      [() => ordo.enqueue('other', {}, { priority: 1.5 }), /priority: expected a whole number/],
      [() => ordo.enqueue('other', {}, { queue: 'has space' }), /queue: expected a queue name/],
      [() => ordo.enqueue('other', {}, { delay: 5, runAt: new Date() }), /either delay or runAt/],
      [() => ordo.getJob('abc'), /id: expected a job id/],
      [() => ordo.listJobs({ state: 'done' as never }), /state: expected one of pending/],
    ];
    for (const [call, message] of cases) {
      await expect(call()).rejects.toThrow(ValidationError);
      await expect(call()).rejects.toThrow(message);
    }
    expect((await ordo.listJobs()).total).toBe(0);
  });

  it('inserts a batch all or nothing', async () => {
    await expect(
      ordo.enqueueMany([
        { task: 'send_email', payload: { email: 'a@b.com', message: 'x' } },
        { task: 'send_email', payload: { email: 'bad', message: 'x' } },
      ]),
    ).rejects.toThrow(/job 2: payload of task send_email/);
    expect((await ordo.listJobs()).total).toBe(0);
    const results = await ordo.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ task: 'other', payload: { i } })));
    expect(results).toHaveLength(300);
    expect(new Set(results.map((r) => r.id)).size).toBe(300);
    expect((await ordo.listJobs()).total).toBe(300);
  });

  it('makes enqueue idempotent with a unique key while the job is active', async () => {
    const first = await ordo.enqueue('other', { n: 1 }, { uniqueKey: 'report:42' });
    const again = await ordo.enqueue('other', { n: 2 }, { uniqueKey: 'report:42' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    // The duplicate changed nothing: one job, with the first payload.
    expect((await ordo.listJobs()).total).toBe(1);
    expect((await ordo.getJob(first.id))!.payload).toEqual({ n: 1 });
    await ordo.cancel(first.id);
    const after = await ordo.enqueue('other', { n: 3 }, { uniqueKey: 'report:42' });
    expect(after.created).toBe(true);
    expect(after.id).not.toBe(first.id);
    expect((await ordo.getJob(after.id))!.payload).toEqual({ n: 3 });
  });

  it('lists, filters, pages, and reports queue stats; clean deletes only pending jobs of a queue', async () => {
    for (let i = 0; i < 5; i++) await ordo.enqueue('other', { i }, { queue: i % 2 ? 'odd' : 'even' });
    const cancelled = await ordo.enqueue('other', {}, { queue: 'even' });
    await ordo.cancel(cancelled.id);
    const even = await ordo.listJobs({ queue: 'even' }, { limit: 2 });
    expect(even.total).toBe(4);
    expect(even.jobs.map((j) => j.id)).toEqual([cancelled.id, (Number(cancelled.id) - 1).toString()]); // newest first
    expect((await ordo.listJobs({ state: ['cancelled'] })).jobs.map((j) => j.id)).toEqual([cancelled.id]);
    const stats = Object.fromEntries((await ordo.stats()).map((s) => [s.queue, s]));
    expect(stats.even).toMatchObject({ pending: 3, cancelled: 1, running: 0, due: 3 });
    expect(stats.odd).toMatchObject({ pending: 2 });
    await ordo.pause('odd');
    expect((await ordo.stats()).find((s) => s.queue === 'odd')?.paused).toBe(true);
    expect(await ordo.clean('even')).toBe(3);
    expect((await ordo.listJobs({ queue: 'even' })).jobs.map((j) => j.state)).toEqual(['cancelled']);
  });

  it('retries a cancelled job and refuses to retry a pending one (a conflict); unknown ids are not found', async () => {
    const { id } = await ordo.enqueue('other', {});
    await expect(ordo.retry(id)).rejects.toThrow(ConflictError);
    await expect(ordo.retry(id)).rejects.toThrow(`job ${id} is pending; only failed or cancelled jobs can be retried`);
    await ordo.cancel(id);
    expect(await ordo.retry(id)).toEqual({ retried: true, state: 'pending' });
    expect(await ordo.getJob(id)).toMatchObject({ state: 'pending', cancelRequested: false });
    for (const call of [() => ordo.cancel('999999'), () => ordo.retry('999999'), () => ordo.job('999999')]) {
      await expect(call()).rejects.toThrow(NotFoundError);
      await expect(call()).rejects.toThrow(/job "999999" does not exist/);
    }
    expect(await ordo.getJob('999999')).toBeNull();
    expect(ordo.listTasks().map((t) => t.name)).toEqual(['send_email']);
  });

  it('cancels once: again says it is already cancelled; a finished job is a conflict', async () => {
    const { id } = await ordo.enqueue('other', {});
    expect(await ordo.cancel(id)).toEqual({ state: 'cancelled', cancelRequested: false });
    expect(await ordo.cancel(id)).toEqual({ state: 'cancelled', cancelRequested: false, already: true });
    expect((await ordo.job(id)).state).toBe('cancelled');
    const [claimed] = await ordo.store.jobClaim({ workerId: 'w1', queues: ['default'], limit: 1, leaseMs: 30_000 });
    expect(claimed).toBeUndefined();
    const running = await ordo.enqueue('other', {});
    const [job] = await ordo.store.jobClaim({ workerId: 'w1', queues: ['default'], limit: 1, leaseMs: 30_000 });
    expect(job!.id).toBe(running.id);
    expect(await ordo.cancel(running.id)).toEqual({ state: 'running', cancelRequested: true });
    expect(await ordo.cancel(running.id)).toEqual({ state: 'running', cancelRequested: true, already: true });
    const now = new Date();
    await ordo.store.jobFinishMany({ finishes: [{ id: running.id, attempt: 1, workerId: 'w1', state: 'succeeded', outcome: 'succeeded', startedAt: now, finishedAt: now, result: 'done' }] });
    await expect(ordo.cancel(running.id)).rejects.toThrow(ConflictError);
    await expect(ordo.cancel(running.id)).rejects.toThrow(`job ${running.id} already ended (succeeded); only pending or running jobs can be cancelled`);
  });

  it('publishes job:enqueued on its bus for every job, created or matched by its unique key', async () => {
    const seen: OrdoEvents['job:enqueued'][0][] = [];
    ordo.events.on('job:enqueued', (job) => seen.push(job));
    const first = await ordo.enqueue('send_email', { email: 'a@b.com', message: 'x' }, { uniqueKey: 'k' });
    const again = await ordo.enqueue('send_email', { email: 'a@b.com', message: 'x' }, { uniqueKey: 'k' });
    const [batch] = await ordo.enqueueMany([{ task: 'other', options: { queue: 'low' } }]);
    expect(seen).toEqual([
      { id: first.id, task: 'send_email', queue: 'mail', created: true },
      { id: again.id, task: 'send_email', queue: 'mail', created: false },
      { id: batch!.id, task: 'other', queue: 'low', created: true },
    ]);
  });

  it('migrates on request and names its engine', async () => {
    expect(await ordo.migrate()).toEqual({ engine: engine.name });
    expect(ordo.engine).toBe(engine.name);
  });
});

describe('createOrdo', () => {
  it('shares the bus it is given', async () => {
    const events = new EventBus<OrdoEvents>();
    const ordo = await createOrdo({ store: await freshStore(engines[0]!), events });
    const seen: string[] = [];
    events.on('job:enqueued', (job) => seen.push(job.id));
    const { id } = await ordo.enqueue('other', {});
    expect(ordo.events).toBe(events);
    expect(seen).toEqual([id]);
    await ordo.store.close();
  });

  it('takes the database from ORDO_DATABASE_URL and the schema from ORDO_SCHEMA', async () => {
    const { db, schema } = await postgresFixture.freshDatabase();
    const saved = { url: process.env.ORDO_DATABASE_URL, schema: process.env.ORDO_SCHEMA };
    process.env.ORDO_DATABASE_URL = db;
    process.env.ORDO_SCHEMA = schema!;
    try {
      const ordo = await createOrdo();
      const { id } = await ordo.enqueue('other', {});
      await ordo.close();
      const direct = await createOrdo({ db, schema });
      expect((await direct.job(id)).task).toBe('other');
      await direct.close();
    } finally {
      for (const [key, value] of [['ORDO_DATABASE_URL', saved.url], ['ORDO_SCHEMA', saved.schema]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
