/**
 * A handler that ignores its abort signal keeps its slot until it returns: the attempt is
 * recorded as timed out at once when that ends the job, but `concurrency` still bounds what
 * really runs; and when the job would be retried, it keeps the job too, so no retry starts
 * while it still runs (up to `holdLimitMs`).
 */
import { afterEach, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/types.js';
import { createOrdo } from '../src/client/ordo.js';
import { createLogger } from '../src/core/logger.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { freshStore, sqliteFixture } from './support/engines.js';
import { waitFor } from './support/wait.js';

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.stop({ graceMs: 0 });
});

it('keeps the slot of a handler that ignores its timeout until the handler returns', async () => {
  const store = await freshStore(sqliteFixture);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const events: string[] = [];
  const stubborn = defineTask('stubborn', { timeout: 50 }, async () => {
    events.push('stubborn started');
    await gate; // ignores ctx.signal
    events.push('stubborn returned');
  });
  const next = defineTask('next', async () => {
    events.push('next started');
  });
  const ordo = await createOrdo({ store, tasks: [stubborn, next] });
  const first = await ordo.enqueue('stubborn', {}, { maxAttempts: 1 });
  const second = await ordo.enqueue('next', {});
  worker = createWorker({ store, tasks: [stubborn, next], concurrency: 1, pollMs: 20, logger: createLogger({ level: 'silent' }) });
  await worker.start();

  await waitFor(() => ordo.getJob(first.id), (job) => job?.state === 'failed', 'the timed-out attempt to be recorded');
  expect((await ordo.getJob(first.id))!.attempts[0]!.outcome).toBe('timed_out');
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await ordo.getJob(second.id))!.state).toBe('pending');

  release();
  await waitFor(() => ordo.getJob(second.id), (job) => job?.state === 'succeeded', 'the next job once the slot is free');
  expect(events).toEqual(['stubborn started', 'stubborn returned', 'next started']);
  await worker.stop();
  worker = undefined;
  await store.close();
});

/** A task whose first attempt ignores its 50 ms timeout until the gate opens; later ones return at once. */
function stubbornRetry(events: string[]) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const task = defineTask('stubborn_retry', { timeout: 50, retry: { maxAttempts: 2, baseMs: 10, capMs: 10 } }, async (_p, ctx) => {
    events.push(`attempt ${ctx.attempt} started`);
    if (ctx.attempt === 1) await gate; // ignores ctx.signal
    events.push(`attempt ${ctx.attempt} returned`);
  });
  return { task, release };
}

it('starts no retry while the attempt that ignored its timeout still runs', async () => {
  const store = await freshStore(sqliteFixture);
  const events: string[] = [];
  const { task, release } = stubbornRetry(events);
  const ordo = await createOrdo({ store, tasks: [task] });
  const { id } = await ordo.enqueue('stubborn_retry', {});
  // Two slots: a free one could take the retry at once if the job were given back.
  worker = createWorker({ store, tasks: [task], concurrency: 2, pollMs: 20, logger: createLogger({ level: 'silent' }) });
  await worker.start();
  await waitFor(() => events.length, (n) => n === 1, 'the first attempt to start');
  await new Promise((resolve) => setTimeout(resolve, 400)); // eight timeouts' worth
  expect(await ordo.getJob(id)).toMatchObject({ state: 'running', attempt: 1 });
  expect(events).toEqual(['attempt 1 started']);

  release();
  const job = (await waitFor(() => ordo.getJob(id), (j) => j?.state === 'succeeded', 'the retry to succeed')) as JobRecord;
  expect(events).toEqual(['attempt 1 started', 'attempt 1 returned', 'attempt 2 started', 'attempt 2 returned']);
  expect(job.attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'timed_out'], [2, 'succeeded']]);
  await worker.stop();
  worker = undefined;
  await store.close();
});

it('writes the retry anyway once the handler has held its job for holdLimitMs', async () => {
  const store = await freshStore(sqliteFixture);
  const events: string[] = [];
  const { task, release } = stubbornRetry(events);
  const ordo = await createOrdo({ store, tasks: [task] });
  const { id } = await ordo.enqueue('stubborn_retry', {});
  worker = createWorker({ store, tasks: [task], concurrency: 2, pollMs: 20, holdLimitMs: 300, logger: createLogger({ level: 'silent' }) });
  await worker.start();
  const started = Date.now();
  try {
    const job = (await waitFor(() => ordo.getJob(id), (j) => j?.state === 'succeeded', 'the retry written after the hold limit')) as JobRecord;
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    // The documented cost of the bound: the retry ran while the first handler still did.
    expect(events).toEqual(['attempt 1 started', 'attempt 2 started', 'attempt 2 returned']);
    expect(job.attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'timed_out'], [2, 'succeeded']]);
  } finally {
    release();
  }
  await worker.stop();
  worker = undefined;
  await store.close();
});
