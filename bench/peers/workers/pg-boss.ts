/**
 * A pg-boss worker process: an instance with its defaults (supervision, scheduling) and
 * LISTEN/NOTIFY on, working the queue in batches of `concurrency` (see `workOptions`).
 */
import { PgBoss } from 'pg-boss';
import { QUEUE_OPTIONS, workOptions } from '../clients/pg-boss.js';
import { TASK } from '../systems.js';
import { serveWorker } from '../worker-host.js';

await serveWorker(async (spec, record) => {
  const { target } = spec;
  if (target.storage !== 'postgres') throw new Error('pg-boss runs on PostgreSQL');
  const boss = new PgBoss({ connectionString: target.url, schema: target.schema, useListenNotify: true });
  boss.on('error', (err: Error) => console.error(`pg-boss worker: ${err.message}`));
  await boss.start();
  await boss.createQueue(TASK, QUEUE_OPTIONS);
  return {
    start: async () => {
      await boss.work<{ i: number }>(TASK, workOptions(spec.concurrency), async (jobs) => {
        await Promise.all(jobs.map(async (job) => record(job.data.i)));
      });
    },
    stop: () => boss.stop({ graceful: true, close: true }),
  };
});
