/**
 * A stand-alone claimer process for the SQLite multi-process test. It opens the database
 * given as argv[2] and migrates it (racing its siblings on a fresh file), prints `ready`,
 * waits for `go` on stdin, then claims and finishes jobs as worker argv[3] until none are
 * left, and prints the ids it finished as one JSON line.
 *
 * Run with: node --import tsx test/support/sqlite-claimer.ts <db> <workerId>
 */
import { createInterface } from 'node:readline';
import { createSqliteStore } from '../../src/store/sqlite/engine.js';
import { finishOf } from './jobs.js';

const [db, workerId] = process.argv.slice(2);
if (!db || !workerId) throw new Error('usage: sqlite-claimer.ts <db> <workerId>');

const store = createSqliteStore({ path: db });
await store.migrate();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'go') break;
}

const finished: string[] = [];
for (;;) {
  const jobs = await store.jobClaim({ workerId, queues: ['default'], limit: 5, leaseMs: 60_000 });
  if (jobs.length === 0) break;
  const { applied } = await store.jobFinishMany({ finishes: jobs.map((running) => finishOf(running)) });
  finished.push(...applied);
  // Stand-in for running the jobs: gives the write lock to the siblings, so claims interleave.
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await store.close();
process.stdout.write(`${JSON.stringify({ finished })}\n`);
