/**
 * graphile-worker's producer side (its WorkerUtils), and the configuration its worker runs
 * with. A finished job is deleted, so `done` is what this client enqueued less what is left.
 */
import { Logger, makeWorkerUtils } from 'graphile-worker';
import { TASK } from '../systems.js';
import { countStates, openCounter, range, type OpenClient } from './client.js';

/** Warnings and errors only: its per-job info lines would cost time the other systems do not spend. */
export const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
});

/**
 * The worker's options, as graphile-worker's performance page runs it for throughput: a local
 * queue of 500 jobs fetched at once, completions and failures batched without delay, and a
 * pool of `max(10, concurrency + 2)` connections (its `maxPoolSize` advice). The poll interval
 * keeps its default (2 s): new jobs arrive by LISTEN/NOTIFY, only future ones wait for a poll.
 */
export function graphilePreset(url: string, schema: string, concurrency: number) {
  return {
    worker: {
      connectionString: url,
      schema,
      concurrentJobs: concurrency,
      maxPoolSize: Math.max(10, concurrency + 2),
      localQueue: { size: 500 },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  };
}

export const openClient: OpenClient = async (target) => {
  if (target.storage !== 'postgres') throw new Error('graphile-worker runs on PostgreSQL');
  const utils = await makeWorkerUtils({ connectionString: target.url, schema: target.schema, logger: quietLogger });
  await utils.migrate();
  const counter = await openCounter(target.url);
  let enqueued = 0;
  const sql = `SELECT CASE WHEN attempts >= max_attempts THEN 'failed' WHEN locked_at IS NOT NULL THEN 'running' ELSE 'waiting' END AS state, count(*) AS n
               FROM "${target.schema}"._private_jobs GROUP BY 1`;
  return {
    async enqueue(i, delayMs) {
      await utils.addJob(TASK, { i }, delayMs ? { runAt: new Date(Date.now() + delayMs) } : {});
      enqueued++;
    },
    async enqueueMany(from, count) {
      await utils.addJobs(range(from, count).map((i) => ({ identifier: TASK, payload: { i } })));
      enqueued += count;
    },
    async counts() {
      const counts = await countStates(counter, sql, [], (state) => state as 'failed' | 'running' | 'waiting');
      return { ...counts, done: enqueued - counts.waiting - counts.running - counts.failed };
    },
    async close() {
      await counter.end();
      await utils.release();
    },
  };
};
