/**
 * A BullMQ worker process: `concurrency` jobs at once, as BullMQ's concurrency guide sets it,
 * with the connection a worker needs (`maxRetriesPerRequest: null`, BullMQ's requirement).
 */
import { Worker } from 'bullmq';
import { serveWorker } from '../worker-host.js';

await serveWorker(async (spec, record) => {
  const { target } = spec;
  if (target.storage !== 'redis') throw new Error('BullMQ runs on Redis');
  const worker = new Worker(target.queue, async (job) => void record((job.data as { i: number }).i), {
    connection: { host: '127.0.0.1', port: target.port, maxRetriesPerRequest: null },
    concurrency: spec.concurrency,
    autorun: false,
  });
  worker.on('error', (err) => console.error(`BullMQ worker: ${err.message}`));
  await worker.waitUntilReady();
  return {
    // run() resolves only when the worker closes.
    start: async () => void worker.run(),
    stop: () => worker.close(),
  };
});
