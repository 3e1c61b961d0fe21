/**
 * pg-boss's producer side, and the options its worker runs with. The producer's instance only
 * sends: the worker's instance does the supervision and scheduling.
 */
import { PgBoss } from 'pg-boss';
import type { Counts } from '../systems.js';
import { TASK } from '../systems.js';
import { countStates, openCounter, range, type OpenClient } from './client.js';

/** The queue wakes its workers by NOTIFY on every send (pg-boss's `notify` queue option). */
export const QUEUE_OPTIONS = { notify: true };

/**
 * pg-boss's documented way to throughput: fetch a batch of `concurrency` jobs and run them
 * together, fetching again at once while batches come back full (`burstWhenBatchFull`).
 * NOTIFY wakes a worker for new jobs only: the poll keeps its 2 s default
 * (`pollingIntervalSeconds`) for delayed ones instead of the 30 s backstop pg-boss uses while
 * NOTIFY is on (`notifyPollingIntervalSeconds`), which left 2 s-delayed jobs 25 s late here.
 */
export const workOptions = (concurrency: number) => ({ batchSize: concurrency, burstWhenBatchFull: true, notifyPollingIntervalSeconds: 2 });

const place = (state: string): keyof Counts =>
  state === 'created' || state === 'retry' ? 'waiting' : state === 'active' ? 'running' : state === 'completed' ? 'done' : 'failed';

export const openClient: OpenClient = async (target) => {
  if (target.storage !== 'postgres') throw new Error('pg-boss runs on PostgreSQL');
  const boss = new PgBoss({ connectionString: target.url, schema: target.schema, supervise: false, schedule: false });
  boss.on('error', (err: Error) => console.error(`pg-boss producer: ${err.message}`));
  await boss.start();
  await boss.createQueue(TASK, QUEUE_OPTIONS);
  const counter = await openCounter(target.url);
  return {
    enqueue: async (i, delayMs) => void (await boss.send(TASK, { i }, delayMs ? { startAfter: new Date(Date.now() + delayMs) } : {})),
    enqueueMany: async (from, count) => void (await boss.insert(TASK, range(from, count).map((i) => ({ data: { i } })))),
    counts: () => countStates(counter, `SELECT state::text AS state, count(*) AS n FROM "${target.schema}".job WHERE name = $1 GROUP BY 1`, [TASK], place),
    async close() {
      await counter.end();
      await boss.stop({ graceful: false, close: true });
    },
  };
};
