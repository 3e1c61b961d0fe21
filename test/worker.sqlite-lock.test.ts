/**
 * A worker whose SQLite file is locked by another process for a while (a long write
 * transaction, a backup) waits and carries on: nothing is lost or run twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { createLogger } from '../src/core/logger.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { sqliteFixture } from './support/engines.js';
import { waitFor } from './support/wait.js';

let worker: Worker | undefined;
let ordo: Ordo | undefined;
let locker: ChildProcess | undefined;

// Runs whether the test passed or not: a failing test must not leave the locker holding the
// file, or a client or worker open.
afterEach(async () => {
  if (locker && locker.exitCode === null && locker.signalCode === null) {
    const exited = once(locker, 'exit');
    locker.kill('SIGKILL');
    await exited;
  }
  await worker?.stop({ graceMs: 0 });
  await ordo?.close();
  locker = worker = ordo = undefined;
});

it('keeps working through a database locked by another connection', async () => {
  const { db } = await sqliteFixture.freshDatabase();
  const runs = new Map<string, number>();
  const count = defineTask('count', async (_p, ctx) => {
    runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
  });
  ordo = await createOrdo({ db, tasks: [count] });
  await ordo.enqueueMany(Array.from({ length: 200 }, () => ({ task: 'count', payload: {} })));
  worker = createWorker({ db, tasks: [count], concurrency: 5, claimBatch: 5, pollMs: 20, logger: createLogger({ level: 'silent' }) });

  // Another process takes the write lock before the worker starts and holds it 2.5 s.
  locker = spawn(process.execPath, ['--import', 'tsx', 'test/support/sqlite-locker.ts', db, '2500'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exitedEarly = once(locker, 'exit').then(([code]) => Promise.reject(new Error(`the locker exited (${String(code)}) before taking the lock`)));
  await Promise.race([once(locker.stdout!, 'data'), exitedEarly]);
  exitedEarly.catch(() => undefined); // its normal exit after the hold is no failure
  const lockedAt = Date.now();
  await worker.start();
  await waitFor(() => runs.size, (n) => n === 200, 'all 200 jobs to run', 30_000);
  // The lock really was in the way: the jobs could only all have run after it was let go.
  expect(Date.now() - lockedAt).toBeGreaterThan(2000);
  const stats = await waitFor(() => ordo!.stats(), (s) => s[0]?.succeeded === 200, 'all 200 recorded');
  expect(stats[0]).toMatchObject({ pending: 0, running: 0, succeeded: 200 });
  expect([...runs].filter(([, n]) => n !== 1), 'jobs that ran more than once').toEqual([]);
}, 45_000);
