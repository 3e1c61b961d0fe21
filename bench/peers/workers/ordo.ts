/**
 * An Ordo worker process, on either engine, as `ordo worker` runs one: its own store from
 * the database URL or file, Ordo's defaults (maintenance included) but the concurrency.
 */
import { createLogger, createWorker, defineTask } from '../../../dist/index.js';
import { TASK } from '../systems.js';
import { serveWorker } from '../worker-host.js';

await serveWorker(async (spec, record) => {
  const { target } = spec;
  if (target.storage === 'redis') throw new Error('Ordo runs on SQLite or PostgreSQL');
  const noop = defineTask(TASK, async (payload: { i: number }) => {
    record(payload.i);
    return null;
  });
  const worker = createWorker({
    ...(target.storage === 'sqlite' ? { db: target.file } : { db: target.url, schema: target.schema }),
    tasks: [noop],
    concurrency: spec.concurrency,
    logger: createLogger({ level: 'warn' }),
  });
  return { start: () => worker.start(), stop: () => worker.stop() };
});
