/**
 * Logging is best effort: a worker whose log reader goes away (its stderr pipe closed, as
 * with `ordo worker 2>&1 | head`) keeps running jobs instead of dying of EPIPE. The first
 * test spawns `ordo worker` (run `npm run build` first: it runs dist/); the second pins the
 * logger down without a process.
 */
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.js';
import { openDb, recordedIds, startWorker, TEST_TASKS, tempDir, useTempDatabase, waitFor } from './support/processes.js';

const temp = useTempDatabase();

it('keeps running jobs after the reader of its log pipe is gone', async () => {
  const worker = await startWorker(temp.db, TEST_TASKS, ['--poll', '100ms']);
  // The reading end closes: every later log line the worker writes meets EPIPE.
  worker.child.stderr!.destroy();
  const client = await openDb(temp.db);
  const out = tempDir('ordo-epipe-');
  const ids: string[] = [];
  // slow.nap logs a line per job (ctx.log goes to the worker's log as well).
  for (let i = 0; i < 5; i++) ids.push((await client.enqueue('slow.nap', { ms: 10, out })).id);
  await waitFor('every job to succeed', async () => {
    if (!worker.running) throw new Error(`the worker exited: ${JSON.stringify(await worker.exited)}`);
    const jobs = await Promise.all(ids.map((id) => client.getJob(id)));
    return jobs.every((job) => job?.state === 'succeeded');
  }, { timeoutMs: 15_000 });
  expect([...recordedIds(out, 'done-').keys()].sort()).toEqual([...ids].sort());
  expect(worker.running).toBe(true);
  worker.kill('SIGTERM');
  expect((await worker.exited).code).toBe(0);
});

it('never throws or emits an uncaught error when its destination fails', async () => {
  const failing = new Writable({
    write(_chunk, _encoding, done) {
      done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  for (const format of ['json', 'pretty'] as const) {
    const logger = createLogger({ destination: failing, format });
    for (let i = 0; i < 100; i++) logger.info({ i }, 'a line nobody reads');
    logger.error('and an error line');
  }
  // The stream's error event fires asynchronously: give it the turns it needs.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(failing.destroyed).toBe(true);
});
