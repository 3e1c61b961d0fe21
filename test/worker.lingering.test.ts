/**
 * A handler that ignores its abort signal keeps its slot until it returns: the attempt is
 * recorded as timed out at once, but `concurrency` still bounds what really runs.
 */
import { afterEach, expect, it } from 'vitest';
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
